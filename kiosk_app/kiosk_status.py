"""The kiosk's state as its UI sees it, published in a small file for the agent and people.

``up``: every enabled service can be sold; ``degraded``: some cannot (their backends are
down); ``down``: nobody can be served (the storage cannot record a transaction);
``maintenance``: a technician has started a repair (and not finished it). The file
is replaced whole (write, then rename), so a reader never sees half of it. The UI writes it
on every change and every ``HEARTBEAT_SECONDS`` besides: a file older than
``STALE_SECONDS`` means the UI has stopped (the agent then reports the kiosk down). It lives in the
runtime directory, a RAM disk, so the kiosk can still say it is down when its disk is full.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
STALE_SECONDS = 45.0


@dataclass(frozen=True)
class KioskStatus:
    """One published state; no personal data."""

    state: str
    reason: str | None
    unavailable: tuple[str, ...]
    since: str
    """When the kiosk entered this state."""
    at: str
    """When the UI last wrote the file (its heartbeat)."""
    devices: dict[str, str] = field(default_factory=dict)
    """Each device's health ("ok", "degraded", "down", "unknown"), by its config section."""

    @classmethod
    def of(
        cls,
        out_of_service: str | None,
        unavailable: frozenset[str],
        since: str | None = None,
        devices: dict[str, str] | None = None,
        repair: bool = False,
    ) -> KioskStatus:
        """Return the state for a kiosk out of service (or not), with these services
        unavailable and these devices' health.

        A repair under way means ``maintenance`` whatever else is wrong (the reason still
        says what). A dead payment terminal means nobody can pay: ``down``. Another device
        not ok (the printer out of paper) or a service unavailable: ``degraded``.
        """
        devices = dict(devices or {})
        now = datetime.now(UTC).isoformat()
        reason = out_of_service
        if reason is None and devices.get("payment_terminal") == "down":
            reason = "payment_terminal"
        troubled = any(health not in ("ok", "unknown") for health in devices.values())
        state = "down" if reason else "degraded" if unavailable or troubled else "up"
        if repair:
            state = "maintenance"
        return cls(state, reason, tuple(sorted(unavailable)), since or now, now, devices)

    def age(self, now: datetime) -> float:
        """Return the seconds since the UI last wrote the file."""
        return (now - datetime.fromisoformat(self.at)).total_seconds()


def publish(path: Path, status: KioskStatus) -> bool:
    """Replace the file at ``path`` with ``status``; log and return False if it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=".status-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(asdict(status), out)
            os.replace(name, path)
        except OSError:
            Path(name).unlink(missing_ok=True)
            raise
    except OSError as err:
        logger.error("kiosk state %s not published to %s: %s", status.state, path, err)
        return False
    return True


def read_status(path: Path) -> KioskStatus | None:
    """Return the last published state, or None if there is none (the UI never started)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return KioskStatus(
        state=str(raw["state"]),
        reason=raw.get("reason"),
        unavailable=tuple(raw.get("unavailable", ())),
        since=str(raw.get("since", raw["at"])),
        at=str(raw["at"]),
        devices={str(k): str(v) for k, v in dict(raw.get("devices", {})).items()},
    )
