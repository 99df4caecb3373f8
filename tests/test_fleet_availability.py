"""Availability, the 97% target and incidents, against ground truth worked out by hand.

Times are seconds from an arbitrary origin; the grace period is 60 s, samples every 15 s.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from admin_tools.fleet.availability import availability_report
from admin_tools.fleet.timeline import STATES, Run, Segment, add_sample, runs_of, timeline

GRACE = 60.0


def every(first: float, last: float, state: str, step: float = 15) -> list[tuple[float, str]]:
    """Return samples from ``first`` to ``last`` inclusive, every ``step`` seconds."""
    count = int((last - first) // step) + 1
    return [(first + n * step, state) for n in range(count)]


def build(samples: list[tuple[float, str]], seed: int = 0) -> list[Run]:
    """Add the samples one by one in a shuffled order, some twice: as they might arrive."""
    arriving = [*samples, *samples[::3]]
    random.Random(seed).shuffle(arriving)
    runs: list[Run] = []
    for at, state in arriving:
        runs = add_sample(runs, at, state, GRACE)
    return runs


# Kiosk K: up 0-30, silent, up 300-315, down at 330, silent, up at 400, then silent.
K = [(0.0, "up"), (15.0, "up"), (30.0, "up"), (300.0, "up"), (315.0, "up"), (330.0, "down")]
K.append((400.0, "up"))


def test_the_timeline_of_one_kiosk_follows_the_grace_period_rules() -> None:
    assert timeline(build(K), GRACE, until=1000) == [
        Segment(0, 90, "up"),  # the last sample (30) holds for the grace period
        Segment(90, 300, "down", silent=True),
        Segment(300, 330, "up"),
        Segment(330, 390, "down"),
        Segment(390, 400, "down", silent=True),
        Segment(400, 460, "up"),
        Segment(460, 1000, "down", silent=True),
    ]


def test_one_kiosks_availability_downtime_and_incidents() -> None:
    now = 460 + 7201.0  # the last incident has lasted just over two hours
    report = availability_report({"K": build(K)}, start=0, end=now, now=now, grace=GRACE)
    [kiosk] = report["kiosks"]
    assert kiosk["availability_pct"] == pytest.approx(100 * 180 / now, abs=0.01)
    assert kiosk["downtime_seconds"] == pytest.approx(210 + 60 + 10 + 7201)
    assert kiosk["incidents"] == 3
    operator = {"kiosks": ["K"], "attributed_to": "operator", "reason": ""}
    assert report["incidents"] == [
        {"kiosk_id": "K", "detected_at": 90, "resolved_at": 300, "duration_seconds": 210,
         "sla_breached": False, "cause": "silent", **operator},
        # down at 330, silent from 390: one incident until the kiosk is up again
        {"kiosk_id": "K", "detected_at": 330, "resolved_at": 400, "duration_seconds": 70,
         "sla_breached": False, "cause": "down", **operator},
        {"kiosk_id": "K", "detected_at": 460, "resolved_at": None, "duration_seconds": 7201,
         "sla_breached": True, "cause": "silent", **operator},
    ]  # fmt: skip


def test_a_window_counts_only_what_lies_inside_it() -> None:
    report = availability_report({"K": build(K)}, start=100, end=400, now=5000, grace=GRACE)
    [kiosk] = report["kiosks"]
    assert kiosk["availability_pct"] == pytest.approx(10.0)  # up 300-330 out of 300 s
    assert kiosk["downtime_seconds"] == pytest.approx(200 + 60 + 10)
    assert [i["detected_at"] for i in report["incidents"]] == [90, 330]


def test_the_fleet_share_its_minimum_and_the_time_it_met_the_target() -> None:
    histories = {
        "A": build(every(0, 990, "up")),
        "B": build(every(500, 990, "up")),  # installed at 500: counts from then on
        "C": build([*every(0, 195, "up"), *every(210, 300, "down"), *every(315, 990, "up")]),
    }
    report = availability_report(histories, start=0, end=1000, now=1000, grace=GRACE)
    fleet = report["fleet"]
    assert fleet["target_pct"] == 97.0
    assert fleet["min_operational_pct"] == pytest.approx(50.0)
    assert fleet["time_meeting_target_pct"] == pytest.approx(89.5)
    assert fleet["availability_pct"] == pytest.approx(100 * 2395 / 2500, abs=0.01)
    by_kiosk = {k["kiosk_id"]: k for k in report["kiosks"]}
    assert by_kiosk["B"]["availability_pct"] == 100.0
    assert by_kiosk["C"]["availability_pct"] == pytest.approx(89.5)
    assert [(i["kiosk_id"], i["detected_at"], i["resolved_at"]) for i in report["incidents"]] == [
        ("C", 210, 315)
    ]


def test_maintenance_is_not_operational_and_opens_no_incident() -> None:
    samples = [*every(0, 90, "up"), *every(105, 300, "maintenance"), *every(315, 600, "up")]
    report = availability_report({"M": build(samples)}, start=0, end=600, now=600, grace=GRACE)
    [kiosk] = report["kiosks"]
    assert kiosk["availability_pct"] == pytest.approx(100 * (600 - 210) / 600)
    assert kiosk["downtime_seconds"] == 0
    assert report["incidents"] == []


def test_a_down_kiosk_under_repair_keeps_its_incident_open_until_it_is_up() -> None:
    samples = [*every(0, 90, "up"), *every(105, 200, "down"), *every(215, 400, "maintenance")]
    samples += every(415, 600, "up")
    report = availability_report({"R": build(samples)}, start=0, end=600, now=600, grace=GRACE)
    [incident] = report["incidents"]
    assert (incident["detected_at"], incident["resolved_at"]) == (105, 415)


samples_strategy = st.lists(
    st.tuples(st.integers(0, 3000).map(float), st.sampled_from(STATES)), max_size=60
)


@settings(max_examples=300, deadline=None)
@given(samples=samples_strategy, seed=st.integers(0, 10_000))
def test_arrival_order_and_repeats_never_change_the_result(
    samples: list[tuple[float, str]], seed: int
) -> None:
    assert build(samples, seed) == runs_of(samples, GRACE)


def test_an_incident_repaired_after_the_window_is_reported_resolved_with_its_length() -> None:
    samples = [*every(0, 990, "up"), *every(1005, 1095, "down"), *every(1110, 5000, "up")]
    report = availability_report({"E": build(samples)}, start=0, end=1050, now=100_000, grace=GRACE)
    [incident] = report["incidents"]
    assert (incident["detected_at"], incident["resolved_at"]) == (1005, 1110)
    assert incident["duration_seconds"] == 105
    assert incident["sla_breached"] is False
    [kiosk] = report["kiosks"]
    assert kiosk["downtime_seconds"] == 45  # only its part inside the window counts
