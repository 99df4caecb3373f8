"""Bind the lockdown to Kivy: no settings panel, every key and any extra finger refused.

See lockdown.py for why and for what guards the same keys below the app.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from kivy.app import App
from kivy.base import EventLoop

from kiosk_app.ui.lockdown import MODIFIER_KEYS, Fingers, is_typing, key_name

logger = logging.getLogger(__name__)


class LockedDownApp(App):  # type: ignore[misc]
    """A Kivy app with no settings panel (Kivy's F1 panel writes its changes to disk), and
    no key or extra finger reaching it once ``lock_window`` is called."""

    use_kivy_settings = False
    lockdown: WindowLockdown | None = None

    def lock_window(self) -> None:
        """Refuse keys, extra fingers and close requests; call last of the window's binds."""
        self.lockdown = WindowLockdown()  # kept here: Kivy holds bound methods weakly
        self.lockdown.install(EventLoop.window)

    def open_settings(self, *_args: Any) -> bool:
        """Refuse to open the settings panel, whoever asks."""
        logger.info("lockdown: refused the settings panel")
        return False


class WindowLockdown:
    """Consume every key and any finger beyond the first, at the window, and log them.

    Install it last of the window's handlers: Kivy calls the handler bound last first, and
    a handler returning True stops the event there. Keep the object: Kivy holds bound
    methods weakly.
    """

    def __init__(self) -> None:
        self.fingers = Fingers()

    def install(self, window: Any) -> None:
        """Bind the window's key, touch and close events."""
        window.bind(
            on_key_down=self._key_down,
            on_keyboard=self._keyboard,
            on_textinput=lambda *_args: True,
            on_key_up=lambda *_args: True,
            on_touch_down=self._touch_down,
            on_touch_move=self._touch_move,
            on_touch_up=self._touch_up,
            on_request_close=self._close_requested,
        )

    @staticmethod
    def _key_down(
        _window: Any, key: int, _scancode: Any, _codepoint: Any, modifiers: Sequence[str]
    ) -> bool:
        if key in MODIFIER_KEYS:
            return True
        name = key_name(key, modifiers or ())
        level = logging.DEBUG if is_typing(name) else logging.INFO
        logger.log(level, "lockdown: refused key %s", name)
        return True

    @staticmethod
    def _keyboard(*_args: Any) -> bool:
        # A key from the keyboard never gets here: on_key_down consumed (and logged) it.
        # Only an on_keyboard dispatched on its own does; it is refused all the same,
        # since Kivy's F1 and Escape handlers listen here.
        return True

    @staticmethod
    def _close_requested(*_args: Any, **kwargs: Any) -> bool:
        # Alt-F4, or the compositor asking the window to close. The kiosk stops only when
        # systemd sends SIGTERM (handled by the CLI) or the technician stops it.
        logger.info("lockdown: refused a request to close the window (%s)", kwargs.get("source"))
        return True

    def _touch_down(self, _window: Any, touch: Any) -> bool:
        on_screen = {known.uid for known in EventLoop.touches}
        refused: bool = self.fingers.down(touch.uid, time.monotonic(), on_screen)
        return refused

    def _touch_move(self, _window: Any, touch: Any) -> bool:
        return self.fingers.refused(touch.uid)

    def _touch_up(self, _window: Any, touch: Any) -> bool:
        return self.fingers.up(touch.uid, time.monotonic())
