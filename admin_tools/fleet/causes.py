"""Who is to blame for a moment of a kiosk's timeline: the operator or a ministry.

Pure functions over a segment (``admin_tools.fleet.timeline``) and its ``detail``, the
canonical JSON ``timeline.condition`` made of what the kiosk said: each service it offers,
sellable or the cause it is not, and the kiosk's reason. The README's "Fleet monitor"
section states the rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from admin_tools.fleet.timeline import UNSPECIFIED, Segment
from transactions.services import BACKENDS

BACKEND = "backend"
"""The one cause that is a ministry's, not the operator's."""
MAINTENANCE = "maintenance"
SILENT_CAUSE = "silent"


@dataclass(frozen=True)
class Said:
    """What a run's samples said beyond their state."""

    services: tuple[tuple[str, bool | str], ...]
    """Each offered service: True (sellable) or the cause it is not."""
    reason: str

    def unavailable(self) -> dict[str, str]:
        """Return each unsellable service's cause."""
        return {name: value for name, value in self.services if isinstance(value, str)}


@lru_cache(maxsize=4096)
def said(detail: str) -> Said:
    """Return what ``detail`` holds (nothing for "")."""
    body = json.loads(detail) if detail else {}
    services = tuple(
        (str(name), True if value is True else str(value))
        for name, value in sorted(body.get("services", {}).items())
    )
    return Said(services, str(body.get("reason", "")))


def operational(segment: Segment) -> bool:
    """Tell whether the kiosk was operational on the operator's definition: ``up``, or
    ``degraded`` with at least one unavailable service and every one of them ``backend``."""
    if segment.silent:
        return False
    if segment.state == "up":
        return True
    if segment.state != "degraded":
        return False
    causes = said(segment.detail).unavailable().values()
    return bool(causes) and all(cause == BACKEND for cause in causes)


def operator_cause(segment: Segment) -> str | None:
    """Return why the operator is to blame for the segment (None: operational).

    ``silent`` for silence, ``maintenance`` for the state, else the first operator cause of
    an unavailable service by name (``device:printer``…), else ``unspecified`` for a
    ``degraded`` kiosk that did not say why, else the state (``down``…).
    """
    if operational(segment):
        return None
    if segment.silent:
        return SILENT_CAUSE
    if segment.state == MAINTENANCE:
        return MAINTENANCE
    causes = set(said(segment.detail).unavailable().values())
    theirs = sorted(causes - {BACKEND, UNSPECIFIED})
    if theirs:
        return theirs[0]
    if segment.state == "degraded" and UNSPECIFIED in causes:
        return UNSPECIFIED
    return segment.state


def ministries_out(segment: Segment) -> set[str]:
    """Return the ministries whose backend made a service unsellable in the segment (the
    change of address: every programme it reaches)."""
    if segment.silent:
        return set()
    return {
        ministry
        for service, cause in said(segment.detail).unavailable().items()
        if cause == BACKEND
        for ministry in BACKENDS.get(service, ())
    }


def offered_by_ministry(segments: list[Segment]) -> dict[str, set[str]]:
    """Return each ministry's services offered at a kiosk (named in any of its samples)."""
    found: dict[str, set[str]] = {}
    for segment in segments:
        for service, _value in said(segment.detail).services:
            for ministry in BACKENDS.get(service, ()):
                found.setdefault(ministry, set()).add(service)
    return found


def sellable(segment: Segment, services: set[str]) -> bool:
    """Tell whether every one of ``services`` could be sold in the segment, whatever the
    cause: ``up``, or ``degraded`` with each of them said sellable."""
    if segment.silent or segment.state not in ("up", "degraded"):
        return False
    if segment.state == "up":
        return True
    known = dict(said(segment.detail).services)
    return all(known.get(service) is True for service in services)
