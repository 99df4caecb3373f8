"""One kiosk's history: runs of samples in one state, and the timeline they mean.

A **run** is a maximal series of samples in the same state and with the same ``detail``
(``condition``: each service's cause and the reason), each at most the grace period G after
the one before. Runs are what the monitor stores (with their sample times, run-
length encoded by ``admin_tools.fleet.store``), so a sample that arrives late, twice or
out of order lands where it belongs and the result is the same whatever the arrival order.

The **timeline** follows the README's semantics: a sample at t holds until the kiosk's next
sample if that comes within G; otherwise the kiosk is ``down`` from t + G until its next
sample (and, after its last sample, from t + G on). Times are seconds since the epoch.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

STATES = ("up", "degraded", "maintenance", "down")
"""The states, least severe first: of two samples for the same instant the worse one wins,
so the result never depends on which arrived first."""
SILENT = "down"
"""The state of a kiosk silent for longer than the grace period."""
UNSPECIFIED = "unspecified"
"""The cause of a service a kiosk says is unavailable without saying why (the operator's)."""


class Spanned(Protocol):
    """What the timeline needs of a run: its state and its first and last sample times."""

    @property
    def state(self) -> str: ...
    @property
    def start(self) -> float: ...
    @property
    def last(self) -> float: ...
    @property
    def detail(self) -> str: ...


@dataclass(frozen=True)
class Span:
    """A run without its inner sample times (what reports read from the store)."""

    state: str
    start: float
    last: float
    detail: str = ""


@dataclass(frozen=True)
class Run:
    """Samples in one state and detail, consecutive ones at most the grace period apart."""

    state: str
    times: tuple[float, ...]
    detail: str = ""
    """What its samples said beyond the state (``condition``): same for all of them."""

    @property
    def start(self) -> float:
        """The first sample's time."""
        return self.times[0]

    @property
    def last(self) -> float:
        """The last sample's time."""
        return self.times[-1]


@dataclass(frozen=True)
class Segment:
    """The kiosk was in ``state`` over [start, end); ``silent`` when no sample said so."""

    start: float
    end: float
    state: str
    silent: bool = False
    detail: str = ""
    """The run's ``condition`` ("" when silent or when the kiosk said nothing more)."""


def condition(state: str, services: Mapping[str, Any], reason: str = "") -> str:
    """Return a sample's ``detail``: each service it offers, sellable (true) or its cause,
    and its reason unless it is ``up`` (a warning does not make a new run).

    A service's value is ``true``/``false`` (older kiosks; ``false``: cause "unspecified")
    or ``{"available": bool, "cause": str}``. "" when the sample says nothing more.
    """
    said: dict[str, bool | str] = {}
    for name, value in services.items():
        if isinstance(value, Mapping):
            available = bool(value.get("available", False))
            said[name] = True if available else str(value.get("cause") or UNSPECIFIED)
        else:
            said[name] = True if value else UNSPECIFIED
    body: dict[str, Any] = {"services": said} if said else {}
    if reason and state != "up":
        body["reason"] = reason
    return json.dumps(body, sort_keys=True, separators=(",", ":")) if body else ""


def _rank(state: str, detail: str) -> tuple[int, str]:
    """Order two samples of the same instant: the worse state wins, then the detail."""
    return STATES.index(state), detail


def add_sample(runs: list[Run], at: float, state: str, grace: float, detail: str = "") -> list[Run]:
    """Return the kiosk's runs with a sample at ``at`` in ``state`` added (sorted by start).

    A sample already known (same time) changes nothing, so repeats are harmless. One inside a
    run of another state (or detail) splits it; one that fits beside a run of its state and
    detail joins it, and can join two runs into one.
    """
    starts = [run.start for run in runs]
    index = bisect.bisect_right(starts, at) - 1  # the run starting at or before ``at``
    if index >= 0 and runs[index].start <= at <= runs[index].last:
        run = runs[index]
        if at in run.times:
            if _rank(state, detail) <= _rank(run.state, run.detail):
                return runs
            kept = Run(run.state, tuple(t for t in run.times if t != at), run.detail)
            rest = _split(kept, grace)
            return add_sample([*runs[:index], *rest, *runs[index + 1 :]], at, state, grace, detail)
        if (run.state, run.detail) == (state, detail):
            times = tuple(sorted((*run.times, at)))
            return [*runs[:index], Run(state, times, detail), *runs[index + 1 :]]
        before = tuple(t for t in run.times if t < at)
        after = tuple(t for t in run.times if t > at)
        pieces = [
            Run(run.state, before, run.detail),
            Run(state, (at,), detail),
            Run(run.state, after, run.detail),
        ]
        return [*runs[:index], *pieces, *runs[index + 1 :]]
    previous = runs[index] if index >= 0 else None
    following = runs[index + 1] if index + 1 < len(runs) else None
    joins_previous = (
        previous is not None
        and (previous.state, previous.detail) == (state, detail)
        and at - previous.last <= grace
    )
    joins_following = (
        following is not None
        and (following.state, following.detail) == (state, detail)
        and following.start - at <= grace
    )
    head = runs[: index if joins_previous else index + 1]
    tail = runs[index + 2 if joins_following else index + 1 :]
    times = (at,)
    if joins_previous and previous is not None:
        times = (*previous.times, at)
    if joins_following and following is not None:
        times = (*times, *following.times)
    return [*head, Run(state, times, detail), *tail]


def timeline(runs: Sequence[Spanned], grace: float, until: float) -> list[Segment]:
    """Return the kiosk's segments from its first sample to ``until`` (silence included)."""
    segments: list[Segment] = []

    def add(start: float, end: float, state: str, silent: bool = False, detail: str = "") -> None:
        _append(segments, Segment(start, min(end, until), state, silent, detail))

    for number, run in enumerate(runs):
        if run.start >= until:
            break
        following = runs[number + 1].start if number + 1 < len(runs) else None
        if following is not None and following - run.last <= grace:
            add(run.start, following, run.state, detail=run.detail)
        else:
            add(run.start, run.last + grace, run.state, detail=run.detail)
            add(run.last + grace, following if following is not None else until, SILENT, True)
    return segments


def _split(run: Run, grace: float) -> list[Run]:
    """Return ``run`` cut wherever two of its samples are more than ``grace`` apart."""
    pieces: list[list[float]] = []
    for at in run.times:
        if pieces and at - pieces[-1][-1] <= grace:
            pieces[-1].append(at)
        else:
            pieces.append([at])
    return [Run(run.state, tuple(piece), run.detail) for piece in pieces]


def runs_of(
    samples: Sequence[tuple[float, str] | tuple[float, str, str]], grace: float
) -> list[Run]:
    """Return the runs a set of samples ((at, state) or (at, state, detail)) makes, all at
    once (what ``add_sample`` builds up)."""
    worst: dict[float, tuple[str, str]] = {}
    for sample in samples:
        at, said = sample[0], (sample[1], sample[2] if len(sample) > 2 else "")
        if at not in worst or _rank(*said) > _rank(*worst[at]):
            worst[at] = said
    runs: list[Run] = []
    for at, (state, detail) in sorted(worst.items()):
        last = runs[-1] if runs else None
        same = last is not None and (last.state, last.detail) == (state, detail)
        if same and last is not None and at - last.last <= grace:
            runs[-1] = Run(state, (*last.times, at), detail)
        else:
            runs.append(Run(state, (at,), detail))
    return runs


def _append(segments: list[Segment], segment: Segment) -> None:
    """Add ``segment``, merging it into the last one when the state and its cause match."""
    if segment.end <= segment.start:
        return
    if segments:
        last = segments[-1]
        same = (last.state, last.silent, last.detail) == (
            segment.state,
            segment.silent,
            segment.detail,
        )
        if last.end == segment.start and same:
            segments[-1] = replace(last, end=segment.end)
            return
    segments.append(segment)
