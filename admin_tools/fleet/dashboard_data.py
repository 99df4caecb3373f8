"""What the ops dashboard shows, computed from the store (no HTML here).

The fleet's share now and over the last day, kiosks by site with their state and when they
were last heard, open incidents with their repair clock, and the capability view: which
services cannot be sold where, and which device is to blame.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from admin_tools.fleet.availability import (
    REPAIR_SECONDS,
    TARGET_PCT,
    Incident,
    fleet_share,
    incidents_of,
    kiosk_figures,
    states_now,
)
from admin_tools.fleet.store import FleetStore
from admin_tools.fleet.timeline import timeline

DAY = 86400.0


@dataclass(frozen=True)
class KioskLine:
    """One kiosk on the dashboard."""

    kiosk_id: str
    site: str
    state: str
    last_seen: float | None
    problems: tuple[str, ...]
    """Devices not "ok" in its newest sample, as "printer: paper_out"."""


@dataclass(frozen=True)
class Capability:
    """A service that cannot be sold at some kiosks, and the devices at fault there."""

    service: str
    kiosks: int
    causes: tuple[str, ...]


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard page shows."""

    now: float
    share_pct: float | None
    target_pct: float
    share_day: list[tuple[float, float, float]]
    """(from, to, share %) steps over the last day."""
    sites: dict[str, list[KioskLine]]
    incidents: list[Incident]
    capabilities: list[Capability]


def dashboard(store: FleetStore, now: float) -> Dashboard:
    """Return the dashboard as of ``now``."""
    histories = store.histories(until=now)
    latest = store.latest()
    states = states_now(histories, now, store.grace)
    day: dict[str, Any] = {}
    for kiosk_id, runs in histories.items():
        _figures, parts = kiosk_figures(kiosk_id, runs, now - DAY, now, store.grace)
        if parts:
            day[kiosk_id] = parts
    share = fleet_share(day)
    sites: dict[str, list[KioskLine]] = defaultdict(list)
    capability: dict[str, Counter[str]] = defaultdict(Counter)
    unsellable: Counter[str] = Counter()
    for kiosk_id, info in sorted(latest.items()):
        devices = info["devices"] or {}
        problems = tuple(
            f"{name}: {value}" for name, value in sorted(devices.items()) if value != "ok"
        )
        state = states.get(kiosk_id, "never seen")
        sites[info["site"]].append(KioskLine(kiosk_id, info["site"], state, info["at"], problems))
        if state in ("up", "degraded"):
            for service, sellable in sorted((info["services"] or {}).items()):
                if sellable is not True:  # false, or {"available": false, "cause": …}
                    unsellable[service] += 1
                    for problem in problems or ("a backend",):
                        capability[service][problem] += 1
    incidents = sorted(
        (
            incident
            for kiosk_id, runs in histories.items()
            for incident in incidents_of(kiosk_id, timeline(runs, store.grace, now))
            if incident.resolved_at is None
        ),
        key=lambda i: i.detected_at,
    )
    up = sum(1 for s in states.values() if s == "up")
    return Dashboard(
        now=now,
        share_pct=100.0 * up / len(states) if states else None,
        target_pct=TARGET_PCT,
        share_day=[(a, b, 100.0 * u / n) for a, b, u, n in share.steps],
        sites=dict(sorted(sites.items())),
        incidents=incidents,
        capabilities=[
            Capability(service, count, tuple(c for c, _n in capability[service].most_common()))
            for service, count in unsellable.most_common()
        ],
    )


def repair_clock(incident: Incident, now: float) -> tuple[float, bool]:
    """Return (seconds left of the two-hour repair time, negative once past; breached)."""
    left = REPAIR_SECONDS - incident.duration(now)
    return left, left < 0
