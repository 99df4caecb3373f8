"""Incidents: the operator's, with the two-hour repair clock, and the ministries' own.

Pure functions over each kiosk's timeline (``admin_tools.fleet.timeline``); the README's
"Fleet monitor" section states the rules. An operator incident opens when a kiosk stops
being operational for an operator cause (``causes.operator_cause``; maintenance excepted)
and closes when it is operational again. Many kiosks falling silent at once are one
incident ("network or monitor"); a ministry's backend outage is that ministry's incident.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from admin_tools.fleet.causes import (
    MAINTENANCE,
    SILENT_CAUSE,
    ministries_out,
    operator_cause,
    said,
)
from admin_tools.fleet.timeline import Segment

REPAIR_SECONDS = 2 * 3600
OPERATOR = "operator"
CORRELATED_CAUSE = "network or monitor"
CORRELATED_SECONDS = 120.0
"""Kiosks falling silent within this long of the first are one incident when they are..."""
CORRELATED_KIOSKS = 10
"""...at least this many, or every kiosk of a site (of two or more)."""


@dataclass(frozen=True)
class Incident:
    """A kiosk (or ``kiosks``) not operational from ``detected_at`` until ``resolved_at``
    (None: still open)."""

    kiosk_id: str
    """"" for an incident of several kiosks (``kiosks``)."""
    detected_at: float
    resolved_at: float | None
    cause: str
    """``silent``, ``down``, ``device:printer``…; ``backend`` for a ministry's."""
    attributed_to: str = OPERATOR
    """``operator`` or ``ministry:<name>``."""
    reason: str = ""
    """The kiosk's reason when the incident opened ("printer: paper_out")."""
    kiosks: tuple[str, ...] = ()

    def duration(self, now: float) -> float:
        """Return how long it lasted, or has lasted so far."""
        return (self.resolved_at if self.resolved_at is not None else now) - self.detected_at

    def breached(self, now: float) -> bool:
        """Tell whether an operator incident lasted (so far) more than the two-hour repair
        time (a ministry's incident is not on the operator's clock)."""
        return self.attributed_to == OPERATOR and self.duration(now) > REPAIR_SECONDS


def incidents_of(kiosk_id: str, segments: list[Segment]) -> list[Incident]:
    """Return every operator incident in a kiosk's timeline, in order."""
    found: list[Incident] = []
    opened: tuple[Segment, str] | None = None
    for segment in segments:
        cause = operator_cause(segment)
        if opened is None and cause is not None and cause != MAINTENANCE:
            opened = (segment, cause)
        elif opened is not None and cause is None:
            first, why = opened
            found.append(
                Incident(
                    kiosk_id, first.start, segment.start, why, reason=said(first.detail).reason
                )
            )
            opened = None
    if opened is not None:
        first, why = opened
        found.append(Incident(kiosk_id, first.start, None, why, reason=said(first.detail).reason))
    return found


def ministry_incidents(timelines: Mapping[str, list[Segment]], now: float) -> list[Incident]:
    """Return each ministry's backend outages over the fleet, one incident per stretch of
    time during which some kiosk could not sell one of its services for that cause."""
    spans: dict[str, list[tuple[float, float, str, str]]] = {}
    for kiosk_id, segments in timelines.items():
        for segment in segments:
            for ministry in ministries_out(segment):
                spans.setdefault(ministry, []).append(
                    (segment.start, segment.end, kiosk_id, said(segment.detail).reason)
                )
    found: list[Incident] = []
    for ministry, parts in sorted(spans.items()):
        parts.sort()
        group = [parts[0]]
        for part in parts[1:]:
            if part[0] <= max(p[1] for p in group):
                group.append(part)
            else:
                found.append(_ministry_incident(ministry, group, now))
                group = [part]
        found.append(_ministry_incident(ministry, group, now))
    return found


def _ministry_incident(
    ministry: str, group: list[tuple[float, float, str, str]], now: float
) -> Incident:
    end = max(p[1] for p in group)
    return Incident(
        kiosk_id="",
        detected_at=group[0][0],
        resolved_at=None if end >= now else end,
        cause="backend",
        attributed_to=f"ministry:{ministry}",
        reason=next((p[3] for p in group if p[3]), ""),
        kiosks=tuple(sorted({p[2] for p in group})),
    )


def correlate_silence(incidents: list[Incident], sites: Mapping[str, str]) -> list[Incident]:
    """Return ``incidents`` with kiosks falling silent together made one incident each.

    Silent incidents detected within two minutes of the first of them are one when they are
    ten or more, or every kiosk of a site (``sites``: kiosk → site, the kiosks counted).
    """
    alone = sorted((i for i in incidents if i.cause == SILENT_CAUSE), key=lambda i: i.detected_at)
    grouped = _groups(alone, lambda group: len({i.kiosk_id for i in group}) >= CORRELATED_KIOSKS)
    for site in sorted(set(sites.values())):
        members = {k for k, s in sites.items() if s == site}
        if len(members) < 2:
            continue
        left = [i for i in alone if i.kiosk_id in members and not _taken(i, grouped)]
        grouped += _groups(left, _whole(members))
    taken = [i for group in grouped for i in group]
    kept = [i for i in incidents if not any(i is t for t in taken)]
    return sorted([*kept, *(_correlated(g) for g in grouped)], key=lambda i: i.detected_at)


def _whole(members: set[str]) -> Callable[[list[Incident]], bool]:
    """Return the test "the group is every kiosk of the site"."""
    return lambda group: {i.kiosk_id for i in group} == members


def _taken(incident: Incident, groups: list[list[Incident]]) -> bool:
    return any(incident is i for group in groups for i in group)


def _groups(
    alone: list[Incident], enough: Callable[[list[Incident]], bool]
) -> list[list[Incident]]:
    """Return the groups of ``alone`` (sorted) within the window that are ``enough``."""
    found: list[list[Incident]] = []
    index = 0
    while index < len(alone):
        first = alone[index]
        group = [
            i for i in alone[index:] if i.detected_at - first.detected_at <= CORRELATED_SECONDS
        ]
        if enough(group):
            found.append(group)
            index += len(group)
        else:
            index += 1
    return found


def _correlated(group: list[Incident]) -> Incident:
    ends = [i.resolved_at for i in group]
    kiosks = tuple(sorted({i.kiosk_id for i in group}))
    return Incident(
        kiosk_id="",
        detected_at=min(i.detected_at for i in group),
        resolved_at=None if None in ends else max(e for e in ends if e is not None),
        cause=CORRELATED_CAUSE,
        reason=f"{len(kiosks)} kiosks silent within {CORRELATED_SECONDS:.0f} s",
        kiosks=kiosks,
    )
