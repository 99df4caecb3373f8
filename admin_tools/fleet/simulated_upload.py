"""Post a simulated fleet (``admin_tools.fleet.simulation``) through the monitor's API."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import requests

from admin_tools.fleet.simulation import simulate_fleet
from admin_tools.fleet.store import FleetStore

BATCH = 1000


def rfc3339(seconds: float) -> str:
    """Return ``seconds`` since the epoch as RFC 3339 UTC, to the millisecond."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def post_fleet(
    store: FleetStore,
    url: str,
    kiosks: int,
    days: float,
    seed: int,
    every: float = 60.0,
    end: float | None = None,
) -> dict[str, int]:
    """Register the simulated kiosks and post their samples to ``url``; return the counts."""
    end = end if end is not None else time.time()
    start = end - days * 86400
    known = dict(store.kiosks())
    session = requests.Session()
    posted = 0
    count = 0
    for kiosk in simulate_fleet(kiosks, start, end, every, seed):
        count += 1
        if kiosk.kiosk_id in known:
            raise ValueError(f"{kiosk.kiosk_id} is already registered: simulate into a new --db")
        token = store.add_kiosk(kiosk.kiosk_id, kiosk.site)
        for first in range(0, len(kiosk.samples), BATCH):
            batch = [{**s, "at": rfc3339(s["at"])} for s in kiosk.samples[first : first + BATCH]]
            answer = session.post(
                f"{url}/api/v1/samples",
                json={"kiosk_id": kiosk.kiosk_id, "samples": batch},
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
            answer.raise_for_status()
            posted += answer.json()["accepted"]
    return {"kiosks": count, "samples": posted}
