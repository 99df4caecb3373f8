"""What ops staff ask of the fleet over a window: availability, the 97% target, incidents.

Pure functions over each kiosk's timeline (``admin_tools.fleet.timeline``); the README's
"Fleet monitor" section states the rules. In short: only ``up`` is operational; a kiosk
counts from its first sample on; an incident opens when a kiosk goes ``down`` (a down
sample, or silence past the grace period) and closes at its next ``up``; its repair clock
breaches the SLA past two hours. A window reaching past ``now`` is cut at ``now``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

from admin_tools.fleet.timeline import Segment, Spanned, timeline

Histories = Mapping[str, Sequence[Spanned]]
"""Each kiosk's runs, in order."""

TARGET_PCT = 97.0
REPAIR_SECONDS = 2 * 3600


class FleetSummary(TypedDict):
    availability_pct: float | None
    target_pct: float
    time_meeting_target_pct: float | None
    min_operational_pct: float | None


class KioskRow(TypedDict):
    kiosk_id: str
    availability_pct: float | None
    downtime_seconds: float
    incidents: int


class IncidentRow(TypedDict):
    kiosk_id: str
    detected_at: float
    resolved_at: float | None
    duration_seconds: float
    sla_breached: bool
    cause: str


class AvailabilityReport(TypedDict):
    """The ``GET /api/v1/availability`` answer (times still in seconds)."""

    fleet: FleetSummary
    kiosks: list[KioskRow]
    incidents: list[IncidentRow]


@dataclass(frozen=True)
class Incident:
    """A kiosk down from ``detected_at`` until ``resolved_at`` (None: still open)."""

    kiosk_id: str
    detected_at: float
    resolved_at: float | None
    cause: str
    """``down`` (the kiosk said so) or ``silent`` (no sample within the grace period)."""

    def duration(self, now: float) -> float:
        """Return how long it lasted, or has lasted so far."""
        return (self.resolved_at if self.resolved_at is not None else now) - self.detected_at

    def breached(self, now: float) -> bool:
        """Tell whether it lasted (or has lasted so far) more than the two-hour repair time."""
        return self.duration(now) > REPAIR_SECONDS


def incidents_of(kiosk_id: str, segments: list[Segment]) -> list[Incident]:
    """Return every incident in a kiosk's timeline, in order."""
    found: list[Incident] = []
    opened: Segment | None = None
    for segment in segments:
        if segment.state == "down" and opened is None:
            opened = segment
        elif segment.state == "up" and opened is not None:
            cause = "silent" if opened.silent else "down"
            found.append(Incident(kiosk_id, opened.start, segment.start, cause))
            opened = None
    if opened is not None:
        found.append(Incident(kiosk_id, opened.start, None, "silent" if opened.silent else "down"))
    return found


def _within(segments: list[Segment], start: float, end: float) -> list[Segment]:
    """Return the parts of ``segments`` inside [start, end)."""
    return [
        Segment(max(s.start, start), min(s.end, end), s.state, s.silent)
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

    @property
    def availability_pct(self) -> float | None:
        """Up time over counted time, in percent (None before the kiosk's first sample)."""
        if self.counted_seconds <= 0:
            return None
        return 100.0 * self.up_seconds / self.counted_seconds


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
    incidents = [
        i
        for i in incidents_of(kiosk_id, whole)
        if i.detected_at < end and (i.resolved_at is None or i.resolved_at > start)
    ]
    figures = KioskFigures(
        kiosk_id=kiosk_id,
        counted_seconds=sum(s.end - s.start for s in inside),
        up_seconds=sum(s.end - s.start for s in inside if s.state == "up"),
        downtime_seconds=sum(s.end - s.start for s in inside if s.state == "down"),
        incidents=incidents,
    )
    return figures, inside


@dataclass(frozen=True)
class FleetShare:
    """The operational share of the fleet over time: (from, to, up, counted) steps."""

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
    """Return the step function "kiosks up / kiosks counted" from each kiosk's segments."""
    changes: dict[float, list[int]] = {}
    for parts in segments.values():
        for part in parts:
            up = int(part.state == "up")
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
) -> AvailabilityReport:
    """Return the ``GET /api/v1/availability`` answer for [start, end) as seen at ``now``
    (``histories`` should reach ``now``, so incidents repaired after ``end`` show it)."""
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
    incidents = sorted((i for k in kiosks for i in k.incidents), key=lambda i: i.detected_at)
    return {
        "fleet": {
            "availability_pct": _pct(sum(k.up_seconds for k in kiosks), counted),
            "target_pct": target,
            "time_meeting_target_pct": _round(share.time_meeting(target)),
            "min_operational_pct": _round(share.minimum()),
        },
        "kiosks": [
            {
                "kiosk_id": k.kiosk_id,
                "availability_pct": _round(k.availability_pct),
                "downtime_seconds": round(k.downtime_seconds, 3),
                "incidents": len(k.incidents),
            }
            for k in kiosks
        ],
        "incidents": [
            {
                "kiosk_id": i.kiosk_id,
                "detected_at": i.detected_at,
                "resolved_at": i.resolved_at,
                "duration_seconds": round(i.duration(now), 3),
                "sla_breached": i.breached(now),
                "cause": i.cause,
            }
            for i in incidents
        ],
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
