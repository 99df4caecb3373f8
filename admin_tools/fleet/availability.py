"""What ops staff ask of the fleet over a window: availability, the 97% target, incidents.

Pure functions over each kiosk's timeline (``admin_tools.fleet.timeline``); the README's
"Fleet monitor" section states the rules. In short: ``availability_pct`` counts only ``up``;
``operator_availability_pct`` and the 97% share count what is operational on the operator's
definition (``causes.operational``); each ministry's figure counts the time its services
could be sold; a kiosk counts from its first sample on; incidents come from
``admin_tools.fleet.incidents``. A window reaching past ``now`` is cut at ``now``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypedDict

from admin_tools.fleet.causes import offered_by_ministry, operational, sellable
from admin_tools.fleet.incidents import (
    REPAIR_SECONDS,
    Incident,
    correlate_silence,
    incidents_of,
    ministry_incidents,
)
from admin_tools.fleet.timeline import Segment, Spanned, timeline

Histories = Mapping[str, Sequence[Spanned]]
"""Each kiosk's runs, in order."""

TARGET_PCT = 97.0
__all__ = ["REPAIR_SECONDS", "TARGET_PCT", "Incident", "availability_report", "incidents_of"]


class FleetSummary(TypedDict):
    availability_pct: float | None
    operator_availability_pct: float | None
    target_pct: float
    time_meeting_target_pct: float | None
    min_operational_pct: float | None


class KioskRow(TypedDict):
    kiosk_id: str
    availability_pct: float | None
    operator_availability_pct: float | None
    downtime_seconds: float
    incidents: int


class MinistryRow(TypedDict):
    ministry: str
    availability_pct: float | None
    kiosks: int


class IncidentRow(TypedDict):
    kiosk_id: str | None
    """None for an incident of several kiosks (``kiosks``)."""
    kiosks: list[str]
    detected_at: float
    resolved_at: float | None
    duration_seconds: float
    sla_breached: bool
    cause: str
    attributed_to: str
    reason: str


class AvailabilityReport(TypedDict):
    """The ``GET /api/v1/availability`` answer (times still in seconds)."""

    fleet: FleetSummary
    kiosks: list[KioskRow]
    ministries: list[MinistryRow]
    incidents: list[IncidentRow]


def _within(segments: list[Segment], start: float, end: float) -> list[Segment]:
    """Return the parts of ``segments`` inside [start, end)."""
    return [
        Segment(max(s.start, start), min(s.end, end), s.state, s.silent, s.detail)
        for s in segments
        if s.end > start and s.start < end
    ]


@dataclass(frozen=True)
class KioskFigures:
    """One kiosk over the window."""

    kiosk_id: str
    counted_seconds: float
    up_seconds: float
    downtime_seconds: float
    incidents: list[Incident]
    operational_seconds: float = 0.0
    ministries: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Each ministry reached by a service offered here: (counted, sellable) seconds."""
    whole: list[Segment] = field(default_factory=list)
    """The kiosk's timeline up to ``now`` (incidents are read from it)."""

    @property
    def availability_pct(self) -> float | None:
        """Up time over counted time, in percent (None before the kiosk's first sample)."""
        if self.counted_seconds <= 0:
            return None
        return 100.0 * self.up_seconds / self.counted_seconds

    @property
    def operator_availability_pct(self) -> float | None:
        """Operational time (the operator's definition) over counted time, in percent."""
        if self.counted_seconds <= 0:
            return None
        return 100.0 * self.operational_seconds / self.counted_seconds


def kiosk_figures(
    kiosk_id: str,
    runs: Sequence[Spanned],
    start: float,
    end: float,
    grace: float,
    now: float | None = None,
) -> tuple[KioskFigures, list[Segment]]:
    """Return a kiosk's figures over [start, end) and its segments there.

    Incidents are read from the whole history up to ``now`` (default ``end``): one that
    began in the window and was repaired after it is reported resolved, with its duration.
    """
    whole = timeline(runs, grace, max(end, now if now is not None else end))
    inside = _within(whole, start, end)
    incidents = [i for i in incidents_of(kiosk_id, whole) if _overlaps(i, start, end)]
    ministries = {
        ministry: (
            _seconds(inside),
            _seconds(s for s in inside if sellable(s, services)),
        )
        for ministry, services in sorted(offered_by_ministry(inside).items())
    }
    figures = KioskFigures(
        kiosk_id=kiosk_id,
        counted_seconds=_seconds(inside),
        up_seconds=_seconds(s for s in inside if s.state == "up" and not s.silent),
        downtime_seconds=_seconds(s for s in inside if s.state == "down"),
        incidents=incidents,
        operational_seconds=_seconds(s for s in inside if operational(s)),
        ministries=ministries,
        whole=whole,
    )
    return figures, inside


def _seconds(segments: Iterable[Segment]) -> float:
    return sum(s.end - s.start for s in segments)


def _overlaps(incident: Incident, start: float, end: float) -> bool:
    """Tell whether ``incident`` lies partly in [start, end)."""
    return incident.detected_at < end and (
        incident.resolved_at is None or incident.resolved_at > start
    )


@dataclass(frozen=True)
class FleetShare:
    """The operational share of the fleet over time: (from, to, operational, counted) steps
    (operational on the operator's definition, ``causes.operational``)."""

    steps: list[tuple[float, float, int, int]]

    def pct(self, step: tuple[float, float, int, int]) -> float:
        """Return one step's share of kiosks up, in percent."""
        return 100.0 * step[2] / step[3]

    def time_meeting(self, target: float) -> float | None:
        """Return the share of counted time the fleet was at or above ``target``, in %."""
        total = sum(b - a for a, b, _up, _n in self.steps)
        if total <= 0:
            return None
        met = sum(b - a for a, b, up, n in self.steps if 100.0 * up / n >= target - 1e-9)
        return 100.0 * met / total

    def minimum(self) -> float | None:
        """Return the lowest share over the window, in percent."""
        return min((self.pct(s) for s in self.steps), default=None)


def fleet_share(segments: dict[str, list[Segment]]) -> FleetShare:
    """Return the step function "kiosks operational / kiosks counted" from each kiosk's
    segments."""
    changes: dict[float, list[int]] = {}
    for parts in segments.values():
        for part in parts:
            up = int(operational(part))
            opening = changes.setdefault(part.start, [0, 0])
            opening[0] += up
            opening[1] += 1
            closing = changes.setdefault(part.end, [0, 0])
            closing[0] -= up
            closing[1] -= 1
    steps: list[tuple[float, float, int, int]] = []
    up = counted = 0
    times = sorted(changes)
    for a, b in itertools.pairwise(times):
        up += changes[a][0]
        counted += changes[a][1]
        if not counted:
            continue
        if steps and steps[-1][1] == a and steps[-1][2:] == (up, counted):
            steps[-1] = (steps[-1][0], b, up, counted)
        else:
            steps.append((a, b, up, counted))
    return FleetShare(steps)


def availability_report(
    histories: Histories,
    start: float,
    end: float,
    now: float,
    grace: float,
    target: float = TARGET_PCT,
    sites: Mapping[str, str] | None = None,
) -> AvailabilityReport:
    """Return the ``GET /api/v1/availability`` answer for [start, end) as seen at ``now``
    (``histories`` should reach ``now``, so incidents repaired after ``end`` show it;
    ``sites``: each kiosk's site, for silence that takes a whole site at once)."""
    end = min(end, now)
    kiosks: list[KioskFigures] = []
    inside: dict[str, list[Segment]] = {}
    for kiosk_id in sorted(histories):
        figures, parts = kiosk_figures(kiosk_id, histories[kiosk_id], start, end, grace, now)
        if figures.counted_seconds > 0:
            kiosks.append(figures)
            inside[kiosk_id] = parts
    share = fleet_share(inside)
    counted = sum(k.counted_seconds for k in kiosks)
    site_of = {k: s for k, s in (sites or {}).items() if k in inside}
    operator = correlate_silence([i for k in kiosks for i in k.incidents], site_of)
    theirs = ministry_incidents({k.kiosk_id: k.whole for k in kiosks}, now)
    incidents = [*operator, *(i for i in theirs if _overlaps(i, start, end))]
    return {
        "fleet": {
            "availability_pct": _pct(sum(k.up_seconds for k in kiosks), counted),
            "operator_availability_pct": _pct(sum(k.operational_seconds for k in kiosks), counted),
            "target_pct": target,
            "time_meeting_target_pct": _round(share.time_meeting(target)),
            "min_operational_pct": _round(share.minimum()),
        },
        "kiosks": [_kiosk_row(k) for k in kiosks],
        "ministries": _ministry_rows(kiosks),
        "incidents": [
            _incident_row(i, now)
            for i in sorted(incidents, key=lambda i: (i.detected_at, i.attributed_to, i.kiosk_id))
        ],
    }


def _kiosk_row(k: KioskFigures) -> KioskRow:
    return {
        "kiosk_id": k.kiosk_id,
        "availability_pct": _round(k.availability_pct),
        "operator_availability_pct": _round(k.operator_availability_pct),
        "downtime_seconds": round(k.downtime_seconds, 3),
        "incidents": len(k.incidents),
    }


def _ministry_rows(kiosks: list[KioskFigures]) -> list[MinistryRow]:
    """Return each ministry's share of kiosk-time at which its services could be sold."""
    totals: dict[str, list[float]] = {}
    for k in kiosks:
        for ministry, (counted, sold) in k.ministries.items():
            line = totals.setdefault(ministry, [0.0, 0.0, 0])
            line[0] += counted
            line[1] += sold
            line[2] += 1
    return [
        {"ministry": ministry, "availability_pct": _pct(sold, counted), "kiosks": int(number)}
        for ministry, (counted, sold, number) in sorted(totals.items())
    ]


def _incident_row(i: Incident, now: float) -> IncidentRow:
    return {
        "kiosk_id": i.kiosk_id or None,
        "kiosks": list(i.kiosks) if i.kiosks else [i.kiosk_id],
        "detected_at": i.detected_at,
        "resolved_at": i.resolved_at,
        "duration_seconds": round(i.duration(now), 3),
        "sla_breached": i.breached(now),
        "cause": i.cause,
        "attributed_to": i.attributed_to,
        "reason": i.reason,
    }


def _pct(part: float, whole: float) -> float | None:
    return _round(100.0 * part / whole) if whole > 0 else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def states_now(histories: Histories, now: float, grace: float) -> dict[str, str]:
    """Return each counted kiosk's state at ``now`` (silence past the grace period: down)."""
    found: dict[str, str] = {}
    for kiosk_id, runs in histories.items():
        parts = timeline(runs, grace, now)
        if parts:
            found[kiosk_id] = parts[-1].state
    return found


def open_incidents(histories: Histories, now: float, grace: float) -> list[Incident]:
    """Return the incidents still open at ``now``, oldest first."""
    found = [
        incident
        for kiosk_id, runs in histories.items()
        for incident in incidents_of(kiosk_id, timeline(runs, grace, now))
        if incident.resolved_at is None
    ]
    return sorted(found, key=lambda i: i.detected_at)
