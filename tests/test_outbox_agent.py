"""The outbox and `kiosk agent`: queued calls wait with their key and are sent once, in order."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from kiosk_runs import KIOSK, kiosk_env
from outbox_support import (
    agent_at,
    change_health_address,
    health_changes,
    kiosk_at,
    now_clock,
    queued_change,
)

from ministry_sandbox.testing import SandboxClient
from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal
from offline_store.outbox import refused, waiting
from transactions.address_change import Status
from transactions.saga.backoff import Backoff
from transactions.saga.states import SagaState

HEALTH = "/health/v1"


def test_a_change_the_ministry_cannot_take_waits_with_its_key_attempts_and_last_error(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    kiosk, _card, result = queued_change(sandbox, tmp_path, "rue de l'Église")
    [outcome] = result.outcomes
    assert outcome.status is Status.QUEUED
    [entry] = waiting(kiosk.database)
    assert entry.reference == outcome.reference
    assert entry.last_step == "post"
    assert entry.attempts == 1
    assert entry.failure_code == "backend_unavailable"
    assert entry.permanent is False
    assert entry.next_attempt_at > entry.updated_at  # backed off, not hammering the ministry
    assert health_changes(sandbox, kiosk) == []
    kiosk.close()


def test_the_agent_sends_a_queued_change_once_when_the_ministry_is_back(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    card = sandbox.add_health_card()["health_card_number"]
    kiosk = kiosk_at(tmp_path, sandbox.url)
    sandbox.set_faults(outage=True, paths=[HEALTH])
    clock = now_clock()
    agent, database = agent_at(tmp_path, sandbox.url, clock)
    try:
        change_health_address(kiosk, card, "chemin du Lac-Noir")
        clock.advance(60)
        assert [r.state for r in agent.drain_once()] == [SagaState.SUBMIT_QUEUED]
        assert agent.drain_once() == []  # backing off: not due again yet
    finally:
        sandbox.clear_faults()
    clock.advance(3600)
    [delivered] = agent.drain_once()
    assert delivered.state is SagaState.DONE
    assert agent.drain_once() == []
    assert waiting(database) == []
    [change] = health_changes(sandbox, kiosk)
    assert change["idempotency_key"] == f"{delivered.transaction_id}:post"
    kiosk.close()
    database.close()


def test_a_retry_after_from_the_ministry_is_honoured(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    card = sandbox.add_health_card()["health_card_number"]
    kiosk = kiosk_at(tmp_path, sandbox.url)
    sandbox.set_faults(outage=True, retry_after_s=1800, paths=[HEALTH])
    clock = now_clock()
    agent, database = agent_at(tmp_path, sandbox.url, clock)
    try:
        change_health_address(kiosk, card, "rue Saint-Denis")
        clock.advance(60)
        agent.drain_once()
        assert len(waiting(database)) == 1
        sandbox.clear_faults()
        clock.advance(1700)
        assert agent.drain_once() == []  # the ministry said half an hour
        clock.advance(200)
        [delivered] = agent.drain_once()
    finally:
        sandbox.clear_faults()
    assert delivered.state is SagaState.DONE
    assert len(health_changes(sandbox, kiosk)) == 1
    kiosk.close()
    database.close()


def test_two_changes_for_one_card_reach_the_ministry_in_the_order_given(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    kiosk, card, first = queued_change(sandbox, tmp_path, "rue Ancienne")
    # The ministry is back, but the older change still waits: the newer one queues behind it
    # rather than being overwritten by it later.
    second = change_health_address(kiosk, card, "rue Nouvelle")
    assert second.outcomes[0].status is Status.QUEUED
    assert health_changes(sandbox, kiosk) == []
    clock = now_clock()
    clock.advance(3600)
    agent, database = agent_at(tmp_path, sandbox.url, clock)
    delivered = agent.drain_once() + agent.drain_once()
    assert [r.reference for r in delivered] == [
        first.outcomes[0].reference,
        second.outcomes[0].reference,
    ]
    keys = [e["idempotency_key"] for e in health_changes(sandbox, kiosk)]
    assert keys == [f"{r.transaction_id}:post" for r in delivered]
    kiosk.close()
    database.close()


def test_a_fine_refused_for_good_after_payment_is_voided_and_listed_for_technicians(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    notice = sandbox.add_notice(amount_due_cents=8800)
    kiosk = kiosk_at(tmp_path, sandbox.url)
    quote = kiosk.fines.quote((kiosk.fines.look_up(notice["notice_number"], ()),))
    record = kiosk.runner.open_quote("fine", "fr", quote)
    sandbox.set_faults(outage=True, paths=["/fines/v1/payments"])
    try:
        kiosk.terminal.tap()  # type: ignore[attr-defined]
        queued = kiosk.runner.pay(record)
    finally:
        sandbox.clear_faults()
    assert queued.record.state is SagaState.POST_QUEUED
    sandbox.load_fines({**notice, "status": "paid"})  # paid at a counter meanwhile
    clock = now_clock()
    clock.advance(3600)
    agent, database = agent_at(tmp_path, sandbox.url, clock)
    [reversed_] = agent.drain_once()
    assert reversed_.state is SagaState.REVERSED
    ops = [
        e["operation"]
        for e in sandbox.ledger()
        if e["idempotency_key"].startswith(record.transaction_id)
    ]
    assert ops == ["authorize", "void"]
    [listed] = refused(database)
    assert listed.reference == record.reference
    assert listed.permanent is True
    assert listed.failure_code == "notice_already_paid"
    assert waiting(database) == []
    kiosk.close()
    database.close()


def test_a_call_held_by_a_running_process_is_left_alone_and_a_dead_ones_is_taken(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    kiosk, _card, result = queued_change(sandbox, tmp_path, "boulevard René-Lévesque")
    transaction_id = waiting(kiosk.database)[0].transaction_id
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        alive = SqliteJournal(kiosk.database, owner=owner_of(sleeper.pid))
        assert alive.claim(transaction_id) is not None
        other = SqliteJournal(kiosk.database)
        assert other.claim(transaction_id) is None  # the running holder keeps it
    finally:
        sleeper.kill()
        sleeper.wait()
    taken = other.claim(transaction_id)
    assert taken is not None
    assert taken.reference == result.outcomes[0].reference
    kiosk.close()


def owner_of(pid: int) -> str:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return f"{pid}:{stat[stat.rindex(')') + 2 :].split()[19]}"


@given(
    attempts=st.integers(min_value=1, max_value=60),
    retry_after=st.one_of(st.none(), st.floats(min_value=0, max_value=100_000)),
    seed=st.integers(),
)
def test_backoff_doubles_with_jitter_up_to_its_ceiling_and_never_undercuts_retry_after(
    attempts: int, retry_after: float | None, seed: int
) -> None:
    backoff = Backoff(first=2.0, ceiling=900.0)
    delay = backoff.delay(attempts, retry_after, random.Random(seed))
    step = min(900.0, 2.0 * 2 ** (attempts - 1))
    if retry_after is None:
        assert step / 2 <= delay <= step
    else:
        assert delay >= min(retry_after, backoff.longest_retry_after)
        assert delay <= max(step, backoff.longest_retry_after)


def test_jitter_spreads_a_fleets_retries() -> None:
    rng = random.Random(7)
    delays = {round(Backoff().delay(5, None, rng), 3) for _ in range(50)}
    assert len(delays) > 40


def test_kiosk_agent_stops_cleanly_on_sigterm_and_outbox_retry_makes_calls_due(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    kiosk, _card, result = queued_change(sandbox, tmp_path, "avenue du Parc")
    kiosk.close()
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\ndata_dir = "{tmp_path}"\n[backend]\nurl = "{sandbox.url}"\n'
        "[agent]\npoll_seconds = 0.2\n",
        encoding="utf-8",
    )
    reference = result.outcomes[0].reference
    retried = subprocess.run(
        [KIOSK, "outbox", "retry", "--reference", reference, "--config", str(config)],
        capture_output=True,
        text=True,
        env=kiosk_env(),
        timeout=60,
        check=False,
    )
    assert retried.returncode == 0, retried.stderr
    assert "1 waiting call" in retried.stdout
    agent = subprocess.Popen(
        [KIOSK, "agent", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=kiosk_env(),
    )
    database = KioskDatabase(tmp_path / "kiosk.db")
    try:
        deadline = time.monotonic() + 60
        while not health_changes(sandbox, database) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(health_changes(sandbox, database)) == 1
        agent.send_signal(signal.SIGTERM)
        _, err = agent.communicate(timeout=30)
    finally:
        agent.kill()
    assert agent.returncode == 0, err
    assert "agent stopped" in err
    assert waiting(database) == []
    database.close()


def test_kiosk_agent_without_a_backend_url_says_what_to_set(tmp_path: Path) -> None:
    done = subprocess.run(
        [KIOSK, "agent"], capture_output=True, text=True, env=kiosk_env(), timeout=60, check=False
    )
    assert done.returncode == 2
    assert "backend.url" in done.stderr


def test_an_hour_without_the_ministries_loses_nothing_and_drains_in_order(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    cards = [sandbox.add_health_card()["health_card_number"] for _ in range(3)]
    kiosk = kiosk_at(tmp_path, sandbox.url)
    clock = now_clock()
    agent, database = agent_at(tmp_path, sandbox.url, clock)
    accepted: list[tuple[str, str]] = []  # (card, reference), in the order citizens came
    sandbox.set_faults(outage=True, paths=[HEALTH])
    try:
        for minute in range(0, 60, 5):  # a citizen every five minutes, the agent trying on
            card = cards[minute % 3]
            result = change_health_address(kiosk, card, f"rue du Quai-{minute}")
            [outcome] = result.outcomes
            assert outcome.status is Status.QUEUED
            accepted.append((card, outcome.reference))
            clock.advance(300)
            assert all(r.state is SagaState.SUBMIT_QUEUED for r in agent.drain_once())
    finally:
        sandbox.clear_faults()
    assert health_changes(sandbox, kiosk) == []
    assert len(waiting(database)) == 12
    clock.advance(900)  # past the longest backoff so far
    delivered = []
    for _ in range(20):
        delivered += agent.drain_once()
        if not waiting(database):
            break
    assert sorted(r.reference for r in delivered) == sorted(ref for _, ref in accepted)
    changes = health_changes(sandbox, kiosk)
    assert len(changes) == 12  # each exactly once
    # Calls about different cards go out at once; each card's arrive in the order accepted.
    card_of = {
        r.transaction_id: card for r in delivered for card, ref in accepted if ref == r.reference
    }
    for card in cards:
        arrived = [
            c["idempotency_key"]
            for c in changes
            if card_of[c["idempotency_key"].split(":")[0]] == card
        ]
        by_reference = {r.reference: r.transaction_id for r in delivered}
        assert arrived == [f"{by_reference[ref]}:post" for c, ref in accepted if c == card]
    kiosk.close()
    database.close()
