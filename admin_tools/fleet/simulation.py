"""A made-up but plausible fleet: sites, failures, repairs, outages, maintenance.

Each kiosk samples every ``every`` seconds. Now and then something happens, drawn from a
seeded generator so a run can be repeated:

- the printer runs out of paper: ``degraded`` until someone refills it (20-90 min);
- the payment terminal dies: ``down`` until a technician repairs it (30 min-3 h: some
  repairs miss the two-hour target), often with ``maintenance`` during the repair;
- a ministry is down for a while: ``degraded`` (15-60 min);
- the mall's network is cut: the kiosk keeps sampling and ships the samples once it is
  back, after its newest ones (no gap in the history: they arrive late and out of order);
- the power goes: no samples at all until it is back (10-40 min: silence, so ``down``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

SITES = (
    "Centre Rideau",
    "Place Ste-Foy",
    "Carrefour Laval",
    "Bibliothèque Gabrielle-Roy",
    "Les Promenades Gatineau",
    "Complexe Desjardins",
    "Carrefour de l'Estrie",
    "Place Laurier",
    "Galeries de la Capitale",
    "Bibliothèque du Boisé",
)
SERVICES = ("fine", "registration-renewal", "address-change", "driver-record")
EVENTS_PER_DAY = 0.25
"""Incidents of any kind per kiosk per day, on average."""


@dataclass
class SimulatedKiosk:
    """One kiosk of the simulation, with its samples in the order they are shipped."""

    kiosk_id: str
    site: str
    samples: list[dict[str, Any]] = field(default_factory=list)


def _sample(at: float, state: str, cause: str) -> dict[str, Any]:
    return {
        "at": at,
        "state": state,
        "services": {s: state == "up" or (state == "degraded" and s != "fine") for s in SERVICES},
        "devices": {
            "printer": "paper_out" if cause == "paper" else "ok",
            "payment_terminal": "dead" if cause == "terminal" else "ok",
        },
        "outbox_depth": 0,
        "version": "1.4.0",
    }


def _timeline(rng: random.Random, start: float, end: float) -> Iterator[tuple[float, float, str]]:
    """Yield (from, to, what) episodes of trouble, in order."""
    at = start
    while True:
        at += rng.expovariate(EVENTS_PER_DAY / 86400)
        if at >= end:
            return
        what = rng.choices(
            ["paper", "terminal", "ministry", "network", "power"], [30, 20, 20, 15, 15]
        )[0]
        minutes = {
            "paper": (20, 90),
            "terminal": (30, 180),
            "ministry": (15, 60),
            "network": (10, 120),
            "power": (10, 40),
        }[what]
        length = rng.uniform(*minutes) * 60
        yield at, min(at + length, end), what
        at += length


def simulate_kiosk(
    kiosk_id: str, site: str, start: float, end: float, every: float, rng: random.Random
) -> SimulatedKiosk:
    """Return one kiosk's samples over [start, end), in the order the kiosk ships them."""
    kiosk = SimulatedKiosk(kiosk_id, site)
    episodes = list(_timeline(rng, start, end))
    late: list[dict[str, Any]] = []
    at = start + rng.uniform(0, every)
    index = 0
    backlog_after = -1  # live samples to send before the backlog, once the network is back
    while at < end:
        while index < len(episodes) and episodes[index][1] <= at:
            index += 1
            if late and backlog_after < 0:
                backlog_after = 3  # the newest samples go first, the backlog after them
        if backlog_after == 0:
            kiosk.samples.extend(late)
            late, backlog_after = [], -1
        episode = episodes[index] if index < len(episodes) and episodes[index][0] <= at else None
        what = episode[2] if episode else ""
        if what == "power":
            at += every
            continue
        state = {"paper": "degraded", "ministry": "degraded", "terminal": "down"}.get(what, "up")
        if what == "terminal" and episode and at > (episode[0] + episode[1]) / 2:
            state = "maintenance"  # the technician is on it
        taken = _sample(at, state, what)
        if what == "network":
            late.append(taken)
        else:
            kiosk.samples.append(taken)
            backlog_after -= 1 if backlog_after > 0 else 0
        at += every
    kiosk.samples.extend(late)
    return kiosk


def simulate_fleet(
    kiosks: int, start: float, end: float, every: float, seed: int
) -> Iterator[SimulatedKiosk]:
    """Yield ``kiosks`` simulated kiosks, spread over the sites."""
    rng = random.Random(seed)
    for number in range(kiosks):
        site = SITES[number % len(SITES)]
        kiosk_id = f"sim-{number // len(SITES) + 1:03d}-{number % len(SITES):02d}"
        yield simulate_kiosk(kiosk_id, site, start, end, every, random.Random(rng.random()))
