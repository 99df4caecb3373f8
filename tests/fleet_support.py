"""A fleet monitor served over real HTTP on a loopback port, on a clock the test sets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from admin_tools.fleet.api import create_app
from admin_tools.fleet.store import FleetStore
from ministry_sandbox.server import RunningSandbox

ORIGIN = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
OPS = ("ops-éloïse", "correct horse battery")
TECHNICIAN = ("tech-marc", "staple battery horse")


def at(seconds: float) -> str:
    """Return the RFC 3339 time ``seconds`` after the origin."""
    return (ORIGIN + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def sample(seconds: float, state: str = "up", **extra: Any) -> dict[str, Any]:
    """Return one sample as a kiosk posts it."""
    return {
        "at": at(seconds),
        "state": state,
        "services": {"fine": state == "up", "address-change": True},
        "devices": {"printer": "ok" if state == "up" else "paper_out"},
        "outbox_depth": 0,
        "version": "1.4.0",
        **extra,
    }


@dataclass
class Fleet:
    """A running monitor: its URL, its store, a settable clock, and the kiosks' tokens."""

    url: str
    store: FleetStore
    clock: dict[str, float]
    tokens: dict[str, str]

    def post(self, kiosk_id: str, samples: list[dict[str, Any]], token: str | None = None) -> Any:
        """Post a batch of samples as the kiosk would."""
        return requests.post(
            f"{self.url}/api/v1/samples",
            json={"kiosk_id": kiosk_id, "samples": samples},
            headers={"Authorization": f"Bearer {token or self.tokens[kiosk_id]}"},
            timeout=30,
        )

    def availability(self, start: float, end: float, user: tuple[str, str] = OPS) -> Any:
        """Ask for the availability over [start, end) (seconds after the origin)."""
        return requests.get(
            f"{self.url}/api/v1/availability",
            params={"start": at(start), "end": at(end)},
            auth=user,
            timeout=30,
        )

    def now(self, seconds: float) -> None:
        """Set the monitor's clock to ``seconds`` after the origin."""
        self.clock["now"] = (ORIGIN + timedelta(seconds=seconds)).timestamp()


@contextmanager
def serve_fleet(folder: Path, kiosks: dict[str, str], db: str | None = None) -> Iterator[Fleet]:
    """Serve a fresh monitor (SQLite in ``folder``, or ``db``) with ``kiosks`` and users."""
    store = FleetStore(db or str(folder / "fleet.db"))
    tokens = {kiosk_id: store.add_kiosk(kiosk_id, site) for kiosk_id, site in kiosks.items()}
    store.add_user(*OPS[:1], "ops", OPS[1])
    store.add_user(*TECHNICIAN[:1], "technician", TECHNICIAN[1])
    clock = {"now": ORIGIN.timestamp()}
    running = RunningSandbox.start(app=create_app(store, now=lambda: clock["now"]))
    try:
        yield Fleet(running.url, store, clock, tokens)
    finally:
        running.stop()
        store.close()


def reporter_config(tmp_path: Path, url: str, kiosk_id: str, **changes: Any) -> Any:
    """Return a kiosk's config reporting to the monitor at ``url``: its data and its
    published state in ``tmp_path``, no free-space floor (``changes`` override)."""
    from dataclasses import replace

    from kiosk_app.config import KioskConfig

    return replace(
        KioskConfig(),
        kiosk_id=kiosk_id,
        data_dir=tmp_path / "data",
        status_file=tmp_path / "run" / "status.json",
        fleet_url=url,
        min_free_mb=0,
        **changes,
    )


def ui_publishes(config: Any, clock: Any, status: Any) -> None:
    """Write the touchscreen's state file as it would, stamped with the test clock's now."""
    from dataclasses import replace

    from kiosk_app.kiosk_status import publish

    publish(config.status_path, replace(status, at=clock.now().isoformat()))
