"""The fleet monitor's store: tokens and passwords hashed, samples folded into runs."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from admin_tools.fleet import runs_codec
from admin_tools.fleet.store import FleetStore, Sample
from admin_tools.fleet.timeline import runs_of

START = 1_795_000_000.0  # 2026-11-18, in seconds


def sample(at: float, state: str = "up", version: str = "1.4.0") -> Sample:
    return Sample(at, state, {"fine": state == "up"}, {"printer": "ok"}, 0, version)


@settings(max_examples=200)
@given(st.lists(st.integers(0, 10**8), min_size=1, max_size=50, unique=True))
def test_sample_times_come_back_exactly_from_their_encoding(millis: list[int]) -> None:
    times = tuple(sorted(START + m / 1000 for m in millis))
    assert runs_codec.decode(runs_codec.encode(times)) == times


def test_a_day_of_samples_every_15_s_is_one_short_row() -> None:
    times = tuple(START + 15 * n for n in range(5760))
    assert len(runs_codec.encode(times)) < 30


def test_tokens_and_passwords_are_stored_hashed_and_checked(tmp_path: Path, fleet_db: str) -> None:
    store = FleetStore(fleet_db)
    token = store.add_kiosk("mall-ottawa-03", "Rideau Centre")
    assert store.kiosk_token_ok("mall-ottawa-03", token)
    assert not store.kiosk_token_ok("mall-ottawa-03", token + "x")
    assert not store.kiosk_token_ok("unknown", token)
    with pytest.raises(ValueError, match="already registered"):
        store.add_kiosk("mall-ottawa-03", "Rideau Centre")
    store.add_user("éloïse", "ops", "correct horse battery")
    assert store.user_role("éloïse", "correct horse battery") == "ops"
    assert store.user_role("éloïse", "wrong horse battery!") is None
    with pytest.raises(ValueError, match="12 characters"):
        store.add_user("marc", "technician", "short")
    stored = repr(store.db.all("select * from kiosks")) + repr(store.db.all("select * from users"))
    store.close()
    assert token not in stored
    assert "correct horse battery" not in stored


def test_batches_in_any_order_and_repeated_give_the_runs_of_all_samples(fleet_db: str) -> None:
    rng = random.Random(3)
    samples = [sample(START + 15 * n, rng.choice(["up", "up", "up", "degraded", "down"]))
               for n in range(400)]  # fmt: skip
    samples += [sample(START + 10_000 + 15 * n) for n in range(50)]  # after a silence
    arriving = samples + rng.sample(samples, 100)
    rng.shuffle(arriving)
    store = FleetStore(fleet_db)
    store.add_kiosk("K1", "Bibliothèque Gabrielle-Roy")
    for at in range(0, len(arriving), 37):
        store.add_samples("K1", arriving[at : at + 37])
    expected = runs_of([(s.at, s.state, s.detail) for s in samples], store.grace)
    assert store.runs("K1") == expected
    rows = store.db.one("select count(*) from runs")
    assert rows == (len(expected),)  # runs, not samples
    latest = store.latest()["K1"]
    assert latest["at"] == START + 10_000 + 15 * 49
    assert latest["site"] == "Bibliothèque Gabrielle-Roy"
    store.close()


@settings(max_examples=200)
@given(
    st.lists(st.integers(1, 10**6), min_size=1, max_size=30),
    st.lists(st.integers(1, 10**6), min_size=1, max_size=30),
)
def test_extending_an_encoding_equals_encoding_the_whole(
    first: list[int], later: list[int]
) -> None:
    whole = [START]
    for step in first + later:
        whole.append(whole[-1] + step / 1000)
    head, tail = tuple(whole[: len(first) + 1]), tuple(whole[len(first) + 1 :])
    extended = runs_codec.extend(runs_codec.encode(head), head[-1], tail)
    assert runs_codec.decode(extended) == runs_codec.decode(runs_codec.encode(tuple(whole)))


def test_batches_in_order_extend_the_newest_run_in_place(fleet_db: str) -> None:
    store = FleetStore(fleet_db)
    store.add_kiosk("K2", "Centre Eaton")
    samples = [sample(START + 15 * n) for n in range(600)]
    samples += [sample(START + 9000 + 15 * n, "degraded") for n in range(10)]
    for first in range(0, len(samples), 50):
        store.add_samples("K2", samples[first : first + 50])
    assert store.runs("K2") == runs_of([(s.at, s.state, s.detail) for s in samples], store.grace)
    assert store.db.one("select count(*) from runs") == (2,)
    store.close()


def test_repeats_of_a_sub_millisecond_time_are_one_sample_and_the_worse_state_wins(
    fleet_db: str,
) -> None:
    store = FleetStore(fleet_db)
    store.add_kiosk("K3", "Place Laurier")
    at = START + 100.0004
    for _ in range(3):
        store.add_samples("K3", [sample(at)])
    store.add_samples("K3", [sample(at, "down")])
    worse = sample(round(at * 1000) / 1000, "down")
    assert store.runs("K3") == runs_of([(worse.at, worse.state, worse.detail)], store.grace)
    store.close()
