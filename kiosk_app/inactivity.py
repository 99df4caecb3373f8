"""Walk-away protection: after a quiet spell, ask "need more time?", then wipe the visit.

Pure logic with the time passed in, so the timings are tested without waiting; the UI
calls :meth:`InactivityGuard.poll` a few times a second and acts on the answer.
"""

from __future__ import annotations

import enum


class Nudge(enum.Enum):
    """What the UI should do now."""

    NOTHING = "nothing"
    ASK = "ask"
    WIPE = "wipe"


class InactivityGuard:
    """Decide when to ask the citizen for more time and when to wipe the visit."""

    def __init__(self, idle_seconds: float = 45.0, prompt_seconds: float = 20.0) -> None:
        self.idle_seconds = idle_seconds
        self.prompt_seconds = prompt_seconds
        self._last_touch: float | None = None
        self._asked_at: float | None = None

    def touched(self, now: float) -> None:
        """Note a touch: the citizen is here; any open question is answered."""
        self._last_touch = now
        self._asked_at = None

    def disarm(self) -> None:
        """Stop watching (no visit in progress, or the kiosk itself is working)."""
        self._last_touch = None
        self._asked_at = None

    @property
    def armed(self) -> bool:
        """Return True while a visit is being watched."""
        return self._last_touch is not None

    @property
    def asking(self) -> bool:
        """Return True while the "need more time?" question is on screen."""
        return self._asked_at is not None

    def seconds_left(self, now: float) -> float:
        """Return how long the question stays before the visit is wiped."""
        if self._asked_at is None:
            return self.prompt_seconds
        return max(0.0, self.prompt_seconds - (now - self._asked_at))

    def poll(self, now: float) -> Nudge:
        """Return what to do at ``now``."""
        if self._last_touch is None:
            return Nudge.NOTHING
        if self._asked_at is None:
            if now - self._last_touch >= self.idle_seconds:
                self._asked_at = now
                return Nudge.ASK
            return Nudge.NOTHING
        if now - self._asked_at >= self.prompt_seconds:
            self.disarm()
            return Nudge.WIPE
        return Nudge.NOTHING
