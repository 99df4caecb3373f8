"""What the kiosk refuses from a keyboard or extra fingers, and how it names them in the log.

kivy_lockdown.py binds this to Kivy's window.

The kiosk is a touchscreen: it takes no key at all (the barcode scanner is a serial
device). A stray USB keyboard still reaches the window, and Kivy acts on some keys by
itself: F1 opens its settings panel (``App._on_keyboard_settings``), Escape closes the
window unless ``exit_on_escape`` is off, and modules named in a ``config.ini`` bind more
(the keybinding module rotates the screen on F11). So every key is consumed at the window
before Kivy or any widget sees it, and the keys that try to leave are logged by name.

What guards the same keys below the app (systemd/kiosk-ui.service.in): ``cage`` runs
without ``-s``, so Ctrl-Alt-F1…F12 switch no virtual terminal; cage has no window
switching (Alt-Tab) and closes nothing on Alt-F4, and only a debug build quits on
Alt-Escape; Xwayland has no Ctrl-Alt-Backspace "zap". The keys that still reach the app
are refused here, so a compositor changed tomorrow does not open a way out.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence

logger = logging.getLogger(__name__)

F1 = 282
_NAMED = {
    8: "Backspace",
    9: "Tab",
    13: "Enter",
    27: "Escape",
    127: "Delete",
    144: "Print",
    271: "Enter",
    273: "Up",
    274: "Down",
    275: "Right",
    276: "Left",
    277: "Insert",
    278: "Home",
    279: "End",
    280: "PageUp",
    281: "PageDown",
    309: "Super",  # left, as Kivy's SDL2 window maps it
    1073742055: "Super",  # right: SDLK_RGUI, which Kivy passes through unmapped
    1073741925: "Menu",  # SDLK_APPLICATION
    **{F1 + n: f"F{n + 1}" for n in range(15)},
}
MODIFIER_KEYS = frozenset({300, 301, 303, 304, 305, 306, 307, 308})
"""Num lock, caps lock, shifts, ctrls, alt-gr and alt: pressed alone they are not logged
(Alt-Tab would log twice); the key pressed with them is."""
_PREFIXES = (("ctrl", "Ctrl-"), ("alt", "Alt-"), ("meta", "Super-"), ("shift", "Shift-"))
LONG_PRESS_SECONDS = 1.5
"""A touch held this long is logged: it stays one tap (nothing here acts on a held touch),
and is never refused, since a citizen with unsteady hands may hold a key down."""
LOST_TOUCH_SECONDS = 30.0
"""A touch down this long no longer refuses others: a touchscreen that lost a finger's
lift must not leave the kiosk refusing every touch until it restarts."""


def key_name(key: int, modifiers: Sequence[str]) -> str:
    """Return how a person would name ``key`` pressed with ``modifiers`` (``Ctrl-Alt-F1``).

    A key that types something is only ``character``: a stray keyboard may type a citizen's
    name, which the log must never hold.
    """
    base = _NAMED.get(key, "character")
    held = [prefix for modifier, prefix in _PREFIXES if modifier in modifiers]
    if base == "Super":
        held = [prefix for prefix in held if prefix != "Super-"]
    return "".join(held) + base


def is_typing(name: str) -> bool:
    """Return True for a plain character key (logged at DEBUG only: it is no way out)."""
    return name in ("character", "Shift-character")


class Fingers:
    """Count the fingers on the screen: the first is the citizen's, any other is refused.

    Times come from the caller (``time.monotonic()`` in the kiosk), so tests need no clock.
    """

    def __init__(self) -> None:
        self._down: dict[int, float] = {}
        """Touches on the screen now (by uid), accepted or not, and when each began."""
        self._refused: set[int] = set()
        self._most = 0
        """The most fingers at once since the screen was last clear."""

    def down(self, uid: int, now: float, on_screen: Collection[int] | None = None) -> bool:
        """Count a new touch; return True if it is refused (another finger is down).

        ``on_screen``, if given, holds every touch Kivy still has: a touch it dropped
        without an end is forgotten here too, as is one down for ``LOST_TOUCH_SECONDS``.
        """
        for lost in [
            known
            for known, began in self._down.items()
            if (on_screen is not None and known not in on_screen)
            or now - began >= LOST_TOUCH_SECONDS
        ]:
            logger.warning("lockdown: forgot a touch that never ended")
            self._down.pop(lost)
            self._refused.discard(lost)
        self._down[uid] = now
        self._most = max(self._most, len(self._down))
        if len(self._down) > 1:
            # A second finger: refused, so no gesture starts and no two buttons are pressed.
            self._refused.add(uid)
            return True
        return False

    def refused(self, uid: int) -> bool:
        """Return True if the touch ``uid`` was refused when it began."""
        return uid in self._refused

    def up(self, uid: int, now: float) -> bool:
        """Count a lifted touch, log a long press or a multi-finger touch; True if refused."""
        began = self._down.pop(uid, None)
        refused = uid in self._refused
        self._refused.discard(uid)
        if not refused and began is not None and now - began >= LONG_PRESS_SECONDS:
            logger.info("lockdown: a touch held %.1f s, taken as one tap", now - began)
        if not self._down:
            if self._most > 1:  # once per gesture, when the last finger is lifted
                logger.info("lockdown: refused a %d-finger touch", self._most)
            self._most = 0
        return refused
