"""The journal on a real SQLite file: what the kiosk wrote survives a restart."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeKiosk, SimulatedPowerCut, kiosk_with_journal

from offline_store.database import MIGRATIONS, KioskDatabase
from offline_store.journal import SqliteJournal
from transactions.records import LineItem, TransactionRecord
from transactions.saga.states import SagaState

SPEEDING = "10 004215873 1"
PARKING = "21-000560981-8"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "kiosk.sqlite3"


@pytest.fixture
def database(path: Path) -> Iterator[KioskDatabase]:
    database = KioskDatabase(path)
    yield database
    database.close()


@pytest.fixture
def journal(database: KioskDatabase) -> SqliteJournal:
    return SqliteJournal(database)


def record_of(
    transaction_id: str, state: SagaState, created_at: str, **changes: Any
) -> TransactionRecord:
    record = TransactionRecord(
        transaction_id=transaction_id,
        service="fine",
        language="fr",
        state=state,
        items=(LineItem("100042158731", 12500), LineItem("210005609818", 3000)),
        kiosk_fee_cents=100,
        reference="K-7Q4M-2XPD",
        created_at=created_at,
    )
    return replace(record, **changes)


def test_the_file_is_in_wal_mode_with_full_synchronous_writes(database: KioskDatabase) -> None:
    assert database.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_record_comes_back_as_it_was_stored(journal: SqliteJournal) -> None:
    record = record_of(
        "t-1",
        SagaState.POST_QUEUED,
        "2026-11-22T14:03:00+00:00",
        authorization_id="A-0001",
        card_brand="interac",
        card_last4="0042",
        failure_code="backend_unavailable",
        receipt_printed=True,
    )
    journal.open_transaction(record)

    stored = journal.get("t-1")

    assert stored == record
    assert stored.items == (LineItem("100042158731", 12500), LineItem("210005609818", 3000))
    assert (stored.card_brand, stored.card_last4) == ("interac", "0042")
    assert stored.state is SagaState.POST_QUEUED
    assert journal.get("no-such-transaction") is None


def test_an_outcome_updates_the_stored_state(journal: SqliteJournal) -> None:
    record = record_of("t-1", SagaState.QUOTED, "2026-11-22T14:03:00+00:00")
    journal.open_transaction(record)
    authorized = replace(record, state=SagaState.PAYMENT_AUTHORIZED, authorization_id="A-9")

    journal.record_outcome(authorized, "authorize", "approved")

    assert journal.get("t-1") == authorized


def test_only_unfinished_transactions_are_listed_oldest_first(journal: SqliteJournal) -> None:
    states = [
        ("late", SagaState.POST_QUEUED, "2026-11-22T15:00:00+00:00"),
        ("done", SagaState.DONE, "2026-11-22T09:00:00+00:00"),
        ("early", SagaState.AUTHORIZING, "2026-11-22T10:00:00+00:00"),
        ("declined", SagaState.DECLINED, "2026-11-22T11:00:00+00:00"),
        ("middle", SagaState.CAPTURE_QUEUED, "2026-11-22T12:00:00+00:00"),
        ("reversed", SagaState.REVERSED, "2026-11-22T13:00:00+00:00"),
        ("cancelled", SagaState.CANCELLED, "2026-11-22T13:30:00+00:00"),
        ("waiting", SagaState.REVERSAL_QUEUED, "2026-11-22T14:00:00+00:00"),
    ]
    for transaction_id, state, created_at in states:
        journal.open_transaction(record_of(transaction_id, state, created_at))

    unfinished = [record.transaction_id for record in journal.unfinished()]

    assert unfinished == ["early", "middle", "waiting", "late"]


def _kiosk(database: KioskDatabase) -> FakeKiosk[SqliteJournal]:
    return kiosk_with_journal(SqliteJournal(database))


def test_a_payment_journaled_in_sqlite_is_seen_the_same_after_a_restart(path: Path) -> None:
    database = KioskDatabase(path)
    kiosk = _kiosk(database)
    record = kiosk.open_fine(SPEEDING, PARKING)
    result = kiosk.runner().pay(record)
    steps = kiosk.journal.steps(record.transaction_id)
    database.close()

    reopened = KioskDatabase(path)
    journal = SqliteJournal(reopened)

    assert result.record.state is SagaState.DONE
    assert journal.get(record.transaction_id) == result.record
    assert journal.steps(record.transaction_id) == steps
    assert journal.unfinished() == []
    reopened.close()


def test_every_intent_row_carries_the_transaction_and_step_as_its_key(
    database: KioskDatabase,
) -> None:
    kiosk = _kiosk(database)
    record = kiosk.open_fine(SPEEDING)
    kiosk.runner().pay(record)

    steps = kiosk.journal.steps(record.transaction_id)

    intents = [row for row in steps if row["phase"] == "intent"]
    assert [row["step"] for row in intents] == ["authorize", "post", "capture", "print"]
    for row in intents:
        assert row["idempotency_key"] == f"{record.transaction_id}:{row['step']}"
    for intent in intents:
        after = steps[steps.index(intent) + 1]
        assert (after["step"], after["phase"]) == (intent["step"], "outcome")


def test_a_kiosk_stopped_mid_payment_is_finished_from_the_file_after_a_restart(
    path: Path,
) -> None:
    database = KioskDatabase(path)
    kiosk = _kiosk(database)
    kiosk.ministry.will_stop_the_kiosk_during_posting(after_recording=True)
    record = kiosk.open_fine(SPEEDING)
    with pytest.raises(SimulatedPowerCut):
        kiosk.runner().pay(record)
    # The process dies: the old connection is never closed. A new process opens the file.

    reopened = KioskDatabase(path)
    restarted = kiosk.restarted_on(SqliteJournal(reopened))
    [stranded] = restarted.journal.unfinished()
    [resumed] = restarted.runner().resume_unfinished()

    assert stranded.state is SagaState.PAYMENT_AUTHORIZED
    assert resumed.state is SagaState.DONE
    assert len(kiosk.ministry.postings) == 1, "the ministry's answer was lost, not repeated"
    assert kiosk.terminal.charged_cents == 12600
    assert restarted.journal.get(record.transaction_id) == resumed
    reopened.close()
    database.close()


def test_reopening_the_file_does_not_run_the_migrations_again(path: Path) -> None:
    first = KioskDatabase(path)
    SqliteJournal(first).open_transaction(
        record_of("t-1", SagaState.POST_QUEUED, "2026-11-22T14:03:00+00:00")
    )
    assert first.schema_version() == len(MIGRATIONS)
    first.close()

    second = KioskDatabase(path)

    assert second.schema_version() == len(MIGRATIONS)
    assert [r.transaction_id for r in SqliteJournal(second).unfinished()] == ["t-1"]
    second.close()


def test_no_value_anywhere_in_the_file_could_be_a_card_number(database: KioskDatabase) -> None:
    kiosk = _kiosk(database)
    kiosk.terminal.card_brand, kiosk.terminal.card_last4 = "visa", "4242"
    kiosk.ministry.fail_transiently(3)  # leave a posting queued too: more rows, more columns
    queued = kiosk.open_fine(SPEEDING)
    kiosk.runner().pay(queued)
    kiosk.runner().resume_unfinished()
    kiosk.ministry.refuse()
    kiosk.runner().pay(kiosk.open_fine(PARKING))

    card_number = re.compile(r"\d{13,19}")
    seen = 0
    for table in database.db.table_names():
        for row in database.db.table(table).rows:
            for column, value in row.items():
                text = str(value)
                assert not card_number.search(text), f"{table}.{column} holds {text!r}"
                seen += 1
    assert seen > 100, "the run wrote rows to check"
    card_columns = {
        column.name
        for table in database.db.tables
        for column in table.columns
        if "card" in column.name or "pan" in column.name
    }
    assert card_columns == {"card_brand", "card_last4"}
    stored = kiosk.journal.get(queued.transaction_id)
    assert stored is not None
    assert (stored.card_brand, stored.card_last4) == ("visa", "4242")


def test_an_unclaimed_call_keeps_its_due_time_and_is_free_again(database: KioskDatabase) -> None:
    from sample_records import queued_fine

    journal = SqliteJournal(database)
    record = queued_fine("t-stop")
    journal.open_transaction(record)
    journal.record_outcome(record, "post", "post_queued")
    with database.reading() as db:
        due_before = db.execute("select next_attempt_at from outbox").fetchone()[0]
    [claimed] = journal.claim_many([record.transaction_id])
    journal.unclaim(claimed)  # the agent stops before making the call
    with database.reading() as db:
        row = db.execute("select claimed_by, claimed_until, next_attempt_at from outbox").fetchone()
    assert tuple(row) == (None, None, due_before)
