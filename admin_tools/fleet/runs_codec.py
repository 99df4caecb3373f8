"""A run's sample times in a few bytes: the first time, then run-length encoded steps.

Kiosks sample every 15 s, so a day of one kiosk's ``up`` run is "first;15000*5759": one
short string, however many samples. Times are kept in whole milliseconds, so a sample's
time comes back exactly as stored (RFC 3339 times with up to millisecond precision).
"""

from __future__ import annotations


def _grouped(groups: list[list[int]], previous: int, millis: list[int]) -> list[list[int]]:
    """Add the steps from ``previous`` through ``millis`` to ``groups`` (step, count)."""
    for at in millis:
        step, previous = at - previous, at
        if groups and groups[-1][0] == step:
            groups[-1][1] += 1
        else:
            groups.append([step, 1])
    return groups


def _rendered(groups: list[list[int]]) -> str:
    return ",".join(f"{step}*{count}" if count > 1 else str(step) for step, count in groups)


def encode(times: tuple[float, ...]) -> str:
    """Return ``times`` (seconds, sorted) as "first_ms;step*count,step*count"."""
    millis = [round(t * 1000) for t in times]
    return f"{millis[0]};{_rendered(_grouped([], millis[0], millis[1:]))}"


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
    millis = [round(at * 1000) for at in later]
    rendered = _rendered(_grouped(groups, round(last * 1000), millis))
    return f"{first};{earlier + ',' if earlier else ''}{rendered}"
