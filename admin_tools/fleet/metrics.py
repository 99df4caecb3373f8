"""``/metrics``: the fleet for Prometheus, through prometheus-client.

A custom collector (``FleetCollector``) reads the store at each scrape and yields gauge
families: the operational share and the operator's availability share, kiosks per state,
each kiosk's state (one series per state, 1 for the current one), the time of its newest
sample (to the millisecond), its outbox depth, software version (an info metric) and
unavailable services by cause, and the open incidents with the seconds left on their
two-hour repair clock. Nothing is registered at import: ``render`` builds a registry of its
own per scrape, so two monitors in one process never share series. The shipped alert rules
(``prometheus/kiosk-fleet.rules.yml``) read these names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import CollectorRegistry

from admin_tools.fleet.availability import REPAIR_SECONDS, Incident, open_incidents
from admin_tools.fleet.causes import operational
from admin_tools.fleet.incidents import correlate_silence
from admin_tools.fleet.store import FleetStore
from admin_tools.fleet.timeline import STATES, UNSPECIFIED, Segment, timeline

CAUSES = ("backend", "network", "storage", "software", "maintenance", UNSPECIFIED)
"""Causes always served per kiosk (0 when none), so that alerts and sums see every kiosk;
``device:<name>`` causes are served when a sample names them."""


def unavailable_by_cause(services: Mapping[str, Any]) -> Counter[str]:
    """Count a sample's unavailable services by cause.

    A service is ``true``, ``false`` (an older kiosk: cause ``unspecified``, as in the
    availability figures) or ``{"available": bool, "cause": str}`` (no cause given:
    ``unspecified``).
    """
    causes: Counter[str] = Counter()
    for value in services.values():
        if isinstance(value, Mapping):
            if value.get("available") is True:
                continue
            cause = value.get("cause")
            causes[cause if isinstance(cause, str) and cause else UNSPECIFIED] += 1
        elif value is not True:
            causes[UNSPECIFIED] += 1
    return causes


@dataclass(frozen=True)
class FleetNow:
    """What one scrape reads from the store."""

    now: float
    segments: dict[str, Segment]
    """Each counted kiosk's segment at ``now`` (silence past the grace period: down)."""
    sites: dict[str, str]
    latest: dict[str, dict[str, Any]]
    incidents: list[Incident]

    @classmethod
    def read(cls, store: FleetStore, now: float) -> FleetNow:
        """Read the fleet as of ``now``."""
        histories = store.histories(until=now)
        timelines = {k: timeline(runs, store.grace, now) for k, runs in histories.items()}
        return cls(
            now=now,
            segments={k: parts[-1] for k, parts in timelines.items() if parts},
            sites=dict(store.kiosks()),
            latest={k: v for k, v in store.latest().items() if v["at"] is not None},
            incidents=correlate_silence(
                open_incidents(histories, now, store.grace),
                {k: site for k, site in store.kiosks() if timelines.get(k)},
            ),
        )

    @property
    def states(self) -> dict[str, str]:
        """Return each counted kiosk's state now."""
        return {k: segment.state for k, segment in self.segments.items()}

    def operational_ratio(self) -> float:
        """Return the share of counted kiosks that are up now (0 with none counted)."""
        return self._share(lambda segment: segment.state == "up" and not segment.silent)

    def operator_ratio(self) -> float:
        """Return the share of counted kiosks operational on the operator's definition now
        (``causes.operational``: up, or degraded by a ministry's backend only)."""
        return self._share(operational)

    def site_of(self, incident: Incident) -> str:
        """Return the incident's site ("" for kiosks of several sites falling silent)."""
        sites = {self.sites.get(k, "") for k in incident.kiosks or (incident.kiosk_id,)}
        return sites.pop() if len(sites) == 1 else ""

    def _share(self, counts: Callable[[Segment], bool]) -> float:
        if not self.segments:
            return 0.0
        return sum(1 for s in self.segments.values() if counts(s)) / len(self.segments)


class FleetCollector:
    """Collect the fleet's gauges from the store at each scrape."""

    def __init__(self, store: FleetStore, now: Callable[[], float]) -> None:
        self.store = store
        self.now = now

    def collect(self) -> Iterator[Metric]:
        """Yield every metric family, read afresh from the store."""
        fleet = FleetNow.read(self.store, self.now())
        yield from fleet_families(fleet)
        yield from kiosk_families(fleet)
        yield from incident_families(fleet)


def fleet_families(fleet: FleetNow) -> Iterator[Metric]:
    """Yield the fleet-wide shares and counts."""
    yield GaugeMetricFamily(
        "kiosk_fleet_operational_ratio",
        "Share of counted kiosks that are up (the target is 0.97).",
        value=fleet.operational_ratio(),
    )
    yield GaugeMetricFamily(
        "kiosk_fleet_operator_availability_ratio",
        "Share of counted kiosks operational on the operator's definition (target 0.97).",
        value=fleet.operator_ratio(),
    )
    per_state = GaugeMetricFamily(
        "kiosk_fleet_kiosks", "Counted kiosks in each state.", labels=["state"]
    )
    for state in STATES:
        per_state.add_metric([state], sum(1 for s in fleet.states.values() if s == state))
    yield per_state


def kiosk_families(fleet: FleetNow) -> Iterator[Metric]:
    """Yield each kiosk's state and what its newest sample says."""
    state = GaugeMetricFamily(
        "kiosk_state",
        "1 for the state the kiosk is in now, 0 for the others.",
        labels=["kiosk_id", "site", "state"],
    )
    for kiosk, current in sorted(fleet.states.items()):
        for name in STATES:
            state.add_metric([kiosk, fleet.sites.get(kiosk, ""), name], float(current == name))
    yield state
    newest = GaugeMetricFamily(
        "kiosk_last_sample_timestamp_seconds",
        "When the kiosk's newest sample was taken (seconds since the epoch, to the ms).",
        labels=["kiosk_id"],
    )
    outbox = GaugeMetricFamily(
        "kiosk_outbox_depth",
        "Transactions waiting in the kiosk's outbox, as of its newest sample.",
        labels=["kiosk_id"],
    )
    version = InfoMetricFamily(
        "kiosk_software", "The software release the kiosk runs.", labels=["kiosk_id"]
    )
    unavailable = GaugeMetricFamily(
        "kiosk_unavailable_services",
        "Services the kiosk cannot sell, by cause, as of its newest sample.",
        labels=["kiosk_id", "cause"],
    )
    for kiosk, info in sorted(fleet.latest.items()):
        newest.add_metric([kiosk], float(info["at"]))
        outbox.add_metric([kiosk], float(info["outbox_depth"] or 0))
        version.add_metric([kiosk], {"version": str(info["version"] or "")})
        causes = unavailable_by_cause(info["services"])
        for cause in sorted(set(CAUSES) | set(causes)):
            unavailable.add_metric([kiosk, cause], causes[cause])
    yield from (newest, outbox, version, unavailable)


def incident_families(fleet: FleetNow) -> Iterator[Metric]:
    """Yield the open incidents and their repair clocks."""
    now = fleet.now
    yield GaugeMetricFamily(
        "kiosk_fleet_open_incidents", "Incidents not yet repaired.", value=len(fleet.incidents)
    )
    yield GaugeMetricFamily(
        "kiosk_fleet_open_incidents_over_repair_time",
        "Open incidents that have lasted more than the two-hour repair time.",
        value=sum(1 for i in fleet.incidents if i.breached(now)),
    )
    left = GaugeMetricFamily(
        "kiosk_incident_repair_seconds_left",
        "Seconds left on the open incident's two-hour repair clock (negative: overdue).",
        labels=["kiosk_id", "site", "cause"],
    )
    for incident in fleet.incidents:
        left.add_metric(
            [incident.kiosk_id, fleet.site_of(incident), incident.cause],
            REPAIR_SECONDS - incident.duration(now),
        )
    yield left


def render(store: FleetStore, now: float) -> str:
    """Return the exposition text (format 0.0.4) for the fleet as of ``now``."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FleetCollector(store, lambda: now))
    return generate_latest(registry).decode()
