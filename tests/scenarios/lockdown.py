"""Scenario: a stray USB keyboard and a curious citizen try every way off the kiosk.

A citizen has started typing a notice number (French, on the keypad). Then, on the same
screen: F1, Escape, Alt-F4, Alt-Tab, Ctrl-Alt-Backspace, Ctrl-Alt-F1…F12, F11 and both
Super keys, each delivered as Kivy's SDL2 window delivers a key (``on_key_down``, then
``on_keyboard`` unless consumed, then ``on_key_up``), with the modifier keys pressed first;
a name typed on that keyboard; a close request; then two and three fingers at once on the
keypad, a right click and a ctrl click (the mouse's multitouch emulation), and a finger
held on a key and on a label. Touches go through Kivy's input pipeline (``EventLoop``).

Prints what changed after each key, what the keypad got, the overlays on the window, the
log records, and Kivy's config files. ``lockdown.py DATA out_of_service`` tries the keys on
the out-of-service screen instead. Run by tests/test_ui_lockdown.py.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from harness import main, run_kiosk

HOLD_SECONDS = 3.0
NAME = "Éloïse Côté-Tremblay, app. 4B"
"""Typed on the stray keyboard: must appear in no log record."""

ALT, CTRL, SUPER_LEFT, SUPER_RIGHT = 308, 305, 309, 1073742055
F1, F4, F11 = 282, 285, 292
# (what a person presses, modifier keys held first, the key, Kivy's modifier names)
KEYS: list[tuple[str, tuple[int, ...], int, list[str]]] = [
    ("F1", (), F1, []),
    ("Escape", (), 27, []),
    ("Alt-F4", (ALT,), F4, ["alt"]),
    ("Alt-Tab", (ALT,), 9, ["alt"]),
    ("Ctrl-Alt-Backspace", (CTRL, ALT), 8, ["ctrl", "alt"]),
    *((f"Ctrl-Alt-F{n}", (CTRL, ALT), F1 + n - 1, ["ctrl", "alt"]) for n in range(1, 13)),
    ("F11", (), F11, []),
    ("Super", (), SUPER_LEFT, ["meta"]),
    ("Super", (), SUPER_RIGHT, ["meta"]),
]


class Records(logging.Handler):
    """Keep every log record of the process."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def press(key: int, codepoint: str = "", modifiers: list[str] | None = None) -> None:
    """Press and release ``key`` as WindowSDL does for a key from the keyboard."""
    from kivy.core.window import Window

    held = modifiers or []
    if not Window.dispatch("on_key_down", key, 0, codepoint, held):
        Window.dispatch("on_keyboard", key, 0, codepoint, held)
    if codepoint.isprintable() and codepoint:
        Window.dispatch("on_textinput", codepoint)
    Window.dispatch("on_key_up", key, 0)


def chord(before: tuple[int, ...], key: int, modifiers: list[str]) -> None:
    """Hold the modifier keys ``before``, press ``key``, release them."""
    names = {ALT: ["alt"], CTRL: ["ctrl"]}
    down: list[str] = []
    for modifier in before:
        down = down + names[modifier]
        press(modifier, "", down)
    press(key, "", modifiers)


def fingers(*points: tuple[float, float], lift: tuple[int, ...] | None = None) -> None:
    """Put fingers at ``points`` at once, then lift them in the order ``lift``."""
    from kivy.base import EventLoop

    from kiosk_app.walkthrough.touch import Finger

    down = [Finger(x, y) for x, y in points]
    for finger in down:
        EventLoop._dispatch_input("begin", finger)
    for index in lift or range(len(down)):
        EventLoop._dispatch_input("end", down[index])


def centre(widget: Any) -> tuple[float, float]:
    x, y = widget.to_window(*widget.center)
    return float(x), float(y)


def state(app: Any) -> dict[str, Any]:
    """What a bystander sees: the screen, the number typed, the window and what covers it."""
    from kivy.core.window import Window

    return {
        "screen": app.root.current,
        "typed": app.session.view.typed,
        "fullscreen": Window.fullscreen,
        "size": list(Window.size),
        "overlays": [type(child).__name__ for child in Window.children],
    }


class Prankster:
    """Tries every key, then the gestures, on the notice being typed; records what it saw."""

    def __init__(self, app: Any, records: Records, kivy_home: Any, seen: dict[str, Any]) -> None:
        self.app = app
        self.records = records
        self.kivy_home = kivy_home
        self.entry = app.root.get_screen("notice_entry")
        self.seen = seen
        seen["changed_by"] = []

    def keys(self) -> None:
        """Press each way out, then type a name; note any key that changed anything."""
        from kivy.config import Config
        from kivy.core.window import Window

        seen, baseline = self.seen, state(self.app)
        seen["before"] = baseline
        for name, before, key, modifiers in KEYS:
            chord(before, key, modifiers)
            if state(self.app) != baseline:
                seen["changed_by"].append([name, state(self.app)])
        for character in NAME:
            press(ord(character.lower()), character, ["shift"] if character.isupper() else [])
        seen["close_refused"] = Window.dispatch("on_request_close", source="keyboard") is True
        seen["open_settings"] = self.app.open_settings()
        seen["after_keys"] = state(self.app)
        seen["kivy_config_written"] = Config.write()

    def fingers(self) -> None:
        """Two then three fingers on the keypad; a right click and a ctrl click."""
        from kivy.core.window import Window

        ids = self.entry.ids
        fingers(centre(ids.key_1), centre(ids.key_2))
        fingers(centre(ids.key_3), centre(ids.key_4), centre(ids.key_6), lift=(1, 0, 2))
        x, y = centre(ids.typed)
        from_top = Window.system_size[1] - y  # SDL gives the mouse from the top
        for button, modifiers in (("right", []), ("left", ["ctrl"])):
            Window.dispatch("on_mouse_down", x, from_top, button, modifiers)
            Window.dispatch("on_mouse_up", x, from_top, button, modifiers)

    def after_fingers(self) -> None:
        """Look (the touches went through the input pipeline), then hold a key, a label."""
        from kivy.base import EventLoop
        from kivy.core.window import Window

        self.seen["after_fingers"] = state(self.app)
        self.seen["touches_left"] = len([t for t in EventLoop.touches if t.is_touch])
        drawn = [type(i).__name__ for i in Window.canvas.after.children]
        self.seen["circles"] = [name for name in drawn if name == "Ellipse"]
        ids = self.entry.ids
        self.hold(centre(ids.key_5), lambda: self.hold(centre(ids.typed), self.finish))

    def hold(self, point: tuple[float, float], then: Callable[[], None]) -> None:
        """Hold a finger at ``point`` for HOLD_SECONDS of the kiosk's clock, then lift."""
        from kivy.base import EventLoop
        from kivy.clock import Clock

        from kiosk_app.walkthrough.touch import Finger

        finger = Finger(*point)
        EventLoop._dispatch_input("begin", finger)

        def lift(_dt: float) -> None:
            self.seen.setdefault("held_typed", []).append(self.app.session.view.typed)
            EventLoop._dispatch_input("end", finger)
            Clock.schedule_once(lambda _dt: then(), 0.1)

        Clock.schedule_once(lift, HOLD_SECONDS)

    def finish(self) -> None:
        """Record the end state, the log and Kivy's files; stop the kiosk."""
        seen, records = self.seen, self.records.records
        seen["after_holds"] = state(self.app)
        seen["maintenance_open"] = self.app.maintenance.is_open
        seen["log"] = [
            [r.levelname, r.getMessage()] for r in records if r.getMessage().startswith("lockdown:")
        ]
        everything = " ".join(r.getMessage() for r in records)
        seen["name_in_log"] = [c for c in ("É", "ï", "ô", "Tremblay") if c in everything]
        seen["kivy_home"] = sorted(os.listdir(self.kivy_home))
        self.app.stop()


def play(config: Any) -> dict[str, Any]:
    from kivy.clock import Clock

    from kiosk_app.walkthrough.driver import Stop, Tap

    records = Records()
    logging.getLogger().addHandler(records)
    logging.getLogger().setLevel(logging.DEBUG)
    seen: dict[str, Any] = {}

    def script() -> Any:
        yield Tap("attract", "start")
        yield Tap("language", "lang_fr")
        yield Tap("menu", "service_fine")
        for digit in "1000":
            yield Tap("notice_entry", f"key_{digit}", key=True)
        yield Stop("typing", completed=True)

    def after(app: Any, _result: Any) -> None:
        # Kept by the app: Kivy's Clock holds bound methods weakly.
        app.prankster = prankster = Prankster(app, records, config.data_dir / "kivy", seen)
        prankster.keys()
        prankster.fingers()
        # Later frames: the touches queued above go through Kivy's input pipeline first.
        Clock.schedule_once(lambda _dt: prankster.after_fingers(), 0.1)

    run_kiosk(config, script(), after)
    return seen


def play_out_of_service(_config: Any) -> dict[str, Any]:
    """The screen kiosk-out-of-service shows after repeated crashes: F1, Escape, Alt-F4."""
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk_app.ui.out_of_service_app import OutOfServiceApp

    seen: dict[str, Any] = {}
    app = OutOfServiceApp("ui_crashed")

    def keys(_dt: float) -> None:
        seen["overlays"] = []
        for before, key, modifiers in (((), F1, []), ((), 27, []), ((ALT,), F4, ["alt"])):
            chord(before, key, modifiers)
            seen["overlays"].append([type(child).__name__ for child in Window.children])
        seen["close_refused"] = Window.dispatch("on_request_close", source="keyboard") is True
        Clock.schedule_once(still_there, 0.1)

    def still_there(_dt: float) -> None:
        seen["running"] = app.root.ids.reason.text != ""
        app.stop()

    Clock.schedule_once(keys, 0.5)
    app.run()
    return seen


if __name__ == "__main__":
    import sys

    if sys.argv[2:] == ["out_of_service"]:
        main(play_out_of_service, default_language="fr")
    else:
        main(play, default_language="fr")
