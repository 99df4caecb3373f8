"""The keystroke-level model used to estimate how long a citizen spends on the kiosk.

After Card, Moran and Newell's keystroke-level model, with operator times set for a
touchscreen used standing up by someone who may never have used one:

- reading a new screen (mental preparation and locating the target): 1.35 s per screen;
- tapping a button (reach, point and touch): 1.1 s per tap;
- pressing a key on the on-screen keypad (fingers already on the keypad): 0.6 s per key.

Time the kiosk makes the citizen wait (backend calls, the payment) is measured, not
modelled, and reported apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

READ_SECONDS = 1.35
TAP_SECONDS = 1.1
KEY_SECONDS = 0.6


@dataclass
class ScreenVisit:
    """One visit of one screen: what the citizen did there and how long the kiosk made them wait."""

    screen: str
    taps: int = 0
    keys: int = 0
    wait_seconds: float = 0.0

    @property
    def citizen_seconds(self) -> float:
        """Return the modelled time the citizen spent on this visit."""
        return READ_SECONDS + self.taps * TAP_SECONDS + self.keys * KEY_SECONDS

    def as_json(self) -> dict[str, object]:
        """Return the visit as the walkthrough's JSON reports it."""
        return {
            "screen": self.screen,
            "wait_seconds": round(self.wait_seconds, 3),
            "citizen_seconds": round(self.citizen_seconds, 2),
            "taps": self.taps,
            "keys": self.keys,
        }


@dataclass
class VisitLog:
    """All the screens of one walkthrough, in order."""

    visits: list[ScreenVisit] = field(default_factory=list)

    def totals(self) -> dict[str, float | int]:
        """Return the totals the walkthrough reports."""
        return {
            "total_wait_seconds": round(sum(v.wait_seconds for v in self.visits), 3),
            "total_citizen_seconds": round(sum(v.citizen_seconds for v in self.visits), 2),
            "taps": sum(v.taps for v in self.visits),
            "keys": sum(v.keys for v in self.visits),
        }
