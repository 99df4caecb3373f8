"""One kiosk's history: runs of samples in one state, and the timeline they mean.

A **run** is a maximal series of samples in the same state, each at most the grace period
G after the one before. Runs are what the monitor stores (with their sample times, run-
length encoded by ``admin_tools.fleet.store``), so a sample that arrives late, twice or
out of order lands where it belongs and the result is the same whatever the arrival order.

The **timeline** follows the README's semantics: a sample at t holds until the kiosk's next
sample if that comes within G; otherwise the kiosk is ``down`` from t + G until its next
sample (and, after its last sample, from t + G on). Times are seconds since the epoch.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

STATES = ("up", "degraded", "maintenance", "down")
"""The states, least severe first: of two samples for the same instant the worse one wins,
so the result never depends on which arrived first."""
SILENT = "down"
"""The state of a kiosk silent for longer than the grace period."""


class Spanned(Protocol):
    """What the timeline needs of a run: its state and its first and last sample times."""

    @property
    def state(self) -> str: ...
    @property
    def start(self) -> float: ...
    @property
    def last(self) -> float: ...


@dataclass(frozen=True)
class Span:
    """A run without its inner sample times (what reports read from the store)."""

    state: str
    start: float
    last: float


@dataclass(frozen=True)
class Run:
    """Samples in one state, consecutive ones at most the grace period apart."""

    state: str
    times: tuple[float, ...]

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


def add_sample(runs: list[Run], at: float, state: str, grace: float) -> list[Run]:
    """Return the kiosk's runs with a sample at ``at`` in ``state`` added (sorted by start).

    A sample already known (same time) changes nothing, so repeats are harmless. One inside a
    run of another state splits it; one that fits beside a run of its state joins it, and
    can join two runs into one.
    """
    starts = [run.start for run in runs]
    index = bisect.bisect_right(starts, at) - 1  # the run starting at or before ``at``
    if index >= 0 and runs[index].start <= at <= runs[index].last:
        run = runs[index]
        if at in run.times:
            if STATES.index(state) <= STATES.index(run.state):
                return runs
            rest = _split(Run(run.state, tuple(t for t in run.times if t != at)), grace)
            return add_sample([*runs[:index], *rest, *runs[index + 1 :]], at, state, grace)
        if run.state == state:
            times = tuple(sorted((*run.times, at)))
            return [*runs[:index], Run(state, times), *runs[index + 1 :]]
        before = tuple(t for t in run.times if t < at)
        after = tuple(t for t in run.times if t > at)
        pieces = [Run(run.state, before), Run(state, (at,)), Run(run.state, after)]
        return [*runs[:index], *pieces, *runs[index + 1 :]]
    previous = runs[index] if index >= 0 else None
    following = runs[index + 1] if index + 1 < len(runs) else None
    joins_previous = (
        previous is not None and previous.state == state and at - previous.last <= grace
    )
    joins_following = (
        following is not None and following.state == state and following.start - at <= grace
    )
    head = runs[: index if joins_previous else index + 1]
    tail = runs[index + 2 if joins_following else index + 1 :]
    times = (at,)
    if joins_previous and previous is not None:
        times = (*previous.times, at)
    if joins_following and following is not None:
        times = (*times, *following.times)
    return [*head, Run(state, times), *tail]


def timeline(runs: Sequence[Spanned], grace: float, until: float) -> list[Segment]:
    """Return the kiosk's segments from its first sample to ``until`` (silence included)."""
    segments: list[Segment] = []

    def add(start: float, end: float, state: str, silent: bool = False) -> None:
        _append(segments, Segment(start, min(end, until), state, silent))

    for number, run in enumerate(runs):
        if run.start >= until:
            break
        following = runs[number + 1].start if number + 1 < len(runs) else None
        if following is not None and following - run.last <= grace:
            add(run.start, following, run.state)
        else:
            add(run.start, run.last + grace, run.state)
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
    return [Run(run.state, tuple(piece)) for piece in pieces]


def runs_of(samples: list[tuple[float, str]], grace: float) -> list[Run]:
    """Return the runs a set of samples makes, all at once (what ``add_sample`` builds up)."""
    worst: dict[float, str] = {}
    for at, state in samples:
        if at not in worst or STATES.index(state) > STATES.index(worst[at]):
            worst[at] = state
    runs: list[Run] = []
    for at, state in sorted(worst.items()):
        last = runs[-1] if runs else None
        if last is not None and last.state == state and at - last.last <= grace:
            runs[-1] = Run(state, (*last.times, at))
        else:
            runs.append(Run(state, (at,)))
    return runs


def _append(segments: list[Segment], segment: Segment) -> None:
    """Add ``segment``, merging it into the last one when the state and its cause match."""
    if segment.end <= segment.start:
        return
    if segments:
        last = segments[-1]
        same = (last.state, last.silent) == (segment.state, segment.silent)
        if last.end == segment.start and same:
            segments[-1] = Segment(last.start, segment.end, last.state, last.silent)
            return
    segments.append(segment)
