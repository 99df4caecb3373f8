"""A finger on the touchscreen: real touch events through Kivy's input pipeline."""

from __future__ import annotations

from typing import Any

from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.input.motionevent import MotionEvent


class Finger(MotionEvent):  # type: ignore[misc]
    """A touch at window coordinates, dispatched like one from the touchscreen driver."""

    def __init__(self, x: float, y: float) -> None:
        super().__init__(
            "kiosk-finger",
            id(self),
            (x / Window.width, y / Window.height),
            is_touch=True,
            type_id="touch",
        )

    def depack(self, args: Any) -> None:
        """Take the normalised position (0..1 from the bottom-left)."""
        self.sx, self.sy = args
        self.profile = ["pos"]
        super().depack(args)


def tap(widget: Any) -> None:
    """Press and release a finger on the centre of ``widget``."""
    x, y = widget.to_window(*widget.center)
    finger = Finger(x, y)
    EventLoop._dispatch_input("begin", finger)
    EventLoop._dispatch_input("end", finger)
