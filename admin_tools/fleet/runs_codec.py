"""A run's sample times in a few bytes: the first time, then run-length encoded steps.

Kiosks sample every 15 s, so a day of one kiosk's ``up`` run is "first;15000*5759": one
short string, however many samples. Times are kept in whole milliseconds, so a sample's
time comes back exactly as stored (RFC 3339 times with up to millisecond precision).
"""

from __future__ import annotations

import itertools


def encode(times: tuple[float, ...]) -> str:
    """Return ``times`` (seconds, sorted) as "first_ms;step*count,step*count"."""
    millis = [round(t * 1000) for t in times]
    groups: list[list[int]] = []
    for before, after in itertools.pairwise(millis):
        step = after - before
        if groups and groups[-1][0] == step:
            groups[-1][1] += 1
        else:
            groups.append([step, 1])
    steps = ",".join(f"{step}*{count}" if count > 1 else str(step) for step, count in groups)
    return f"{millis[0]};{steps}"


def decode(text: str) -> tuple[float, ...]:
    """Return the times ``encode`` wrote."""
    first, _, steps = text.partition(";")
    at = int(first)
    times = [at]
    for group in filter(None, steps.split(",")):
        step, _, count = group.partition("*")
        for _ in range(int(count or 1)):
            at += int(step)
            times.append(at)
    return tuple(t / 1000 for t in times)


def extend(text: str, last: float, later: tuple[float, ...]) -> str:
    """Return ``text`` (whose last time is ``last``) with the ``later`` times appended.

    Only the last group is read back, so a long run grows at constant cost.
    """
    first, _, steps = text.partition(";")
    earlier, _, tail = steps.rpartition(",")
    groups: list[list[int]] = []
    if tail:
        step, _, count = tail.partition("*")
        groups.append([int(step), int(count or 1)])
    previous = round(last * 1000)
    for at in later:
        millis = round(at * 1000)
        step_ms, previous = millis - previous, millis
        if groups and groups[-1][0] == step_ms:
            groups[-1][1] += 1
        else:
            groups.append([step_ms, 1])
    rendered = ",".join(f"{step}*{count}" if count > 1 else str(step) for step, count in groups)
    return f"{first};{earlier + ',' if earlier else ''}{rendered}"
