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
