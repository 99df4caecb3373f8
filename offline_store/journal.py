"""The transaction journal: every saga step, intent before and outcome after.

The outbox (``offline_store.outbox_items``) is kept in the same commits: the call a state
waits on has its row from the moment that state is stored.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from offline_store import outbox_items
from offline_store.database import KioskDatabase
from offline_store.owners import this_process
from transactions.clock import SystemClock
from transactions.ports import Clock
from transactions.records import Fields, LineItem, TransactionRecord
from transactions.saga.backoff import Backoff
from transactions.saga.states import FINISHED_STATES, SagaState


class SqliteJournal:
    """Store transactions, their saga steps and their outbox rows in the kiosk's SQLite file."""

    def __init__(
        self,
        database: KioskDatabase,
        *,
        clock: Clock | None = None,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        owner: str | None = None,
    ) -> None:
        self._database = database
        self._clock: Clock = clock or SystemClock()
        self._claims = outbox_items.Claims(
            owner or this_process(), backoff or Backoff(), rng or random.Random()
        )
        self._batching = False
        self._purged = False

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Checkpoint the WAL once at the end of the block, not after each purge in it.

        The agent drains a batch of calls this way: the personal data purged in the batch
        leaves the WAL when the batch ends, a few seconds later at most.
        """
        self._batching, self._purged = True, False
        try:
            yield
        finally:
            self._batching = False
            if self._purged:
                self._database.checkpoint()

    @property
    def owner(self) -> str:
        """Return the name this process's claims carry."""
        return self._claims.owner

    def open_transaction(self, record: TransactionRecord) -> None:
        """Store a new transaction."""
        row = self._row(record)
        row["order_key"] = self._database.pii.fingerprint(record.subject())
        with self._database.transaction() as db:
            _insert(db, "transactions", row)
            _step(db, record, "open", "outcome", record.state.value)

    def record_intent(self, record: TransactionRecord, step: str) -> None:
        """Store that ``step`` is about to run, with its idempotency key (one more attempt)."""
        with self._database.transaction() as db:
            _step(db, record, step, "intent", None)
            outbox_items.count_attempt(db, record, step, self.owner, self._clock.now())

    def record_outcome(self, record: TransactionRecord, step: str, outcome: str) -> None:
        """Store the outcome of ``step``, the new state and its outbox row in one commit."""
        with self._database.transaction() as db:
            _update_transaction(db, self._row(record))
            _step(db, record, step, "outcome", outcome)
            outbox_items.sync(db, record, outcome, self.owner, self._clock.now())
        if record.state.finished and self._batching:
            self._purged = True
        elif record.state.finished:
            self._database.checkpoint()  # its personal data was purged: out of the WAL too

    def claim(self, transaction_id: str) -> TransactionRecord | None:
        """Take the transaction's waiting call for this process; return it as stored now.

        None when another running process holds it (or it does not exist).
        """
        with self._database.transaction() as db:
            if not outbox_items.claim(db, transaction_id, self.owner, self._clock.now()):
                return None
        return self.get(transaction_id)

    def claim_many(self, transaction_ids: list[str]) -> list[TransactionRecord]:
        """Claim several transactions in one commit (the agent's batch); return those taken,
        as stored now, in the order given."""
        now = self._clock.now()
        with self._database.transaction() as db:
            taken = [t for t in transaction_ids if outbox_items.claim(db, t, self.owner, now)]
        found = (self.get(t) for t in taken)
        return [record for record in found if record is not None]

    def unclaim(self, record: TransactionRecord) -> None:
        """Let go of a claimed transaction without trying it (the agent is stopping)."""
        with self._database.transaction() as db:
            outbox_items.unclaim(db, record.transaction_id, self.owner, self._clock.now())

    def release(self, record: TransactionRecord, retry_after: float | None) -> None:
        """Let go of the transaction; a call still waiting is tried again after a backoff."""
        with self._database.transaction() as db:
            outbox_items.release(
                db, record.transaction_id, self._claims, retry_after, self._clock.now()
            )

    def due(self, limit: int) -> list[str]:
        """Return transactions whose waiting call is due now and free, in the order queued."""
        with self._database.reading() as db:
            return outbox_items.due(db, self._clock.now(), limit)

    def next_due(self) -> datetime | None:
        """Return when the earliest waiting call is due, or None when nothing waits."""
        with self._database.reading() as db:
            return outbox_items.next_due(db)

    def waits_behind(self, record: TransactionRecord) -> bool:
        """Tell whether an earlier transaction about the same subject still waits to be sent."""
        with self._database.reading() as db:
            return outbox_items.waits_behind(db, record)

    def get(self, transaction_id: str) -> TransactionRecord | None:
        """Return a stored transaction, or None."""
        with self._database.reading() as db:
            rows = list(
                db.query("select * from transactions where transaction_id = ?", [transaction_id])
            )
        return self._record(rows[0]) if rows else None

    def unfinished(self) -> list[TransactionRecord]:
        """Return every transaction that still has something to do, oldest first."""
        done = [state.value for state in FINISHED_STATES]
        marks = ", ".join("?" for _ in done)
        with self._database.reading() as db:
            rows = list(
                db.table("transactions").rows_where(
                    f"state not in ({marks})", done, order_by="created_at, rowid"
                )
            )
        return [self._record(row) for row in rows]

    def _row(self, record: TransactionRecord) -> dict[str, Any]:
        row = _row(record)
        for column, fields in (
            ("posting_json", record.posting_data),
            ("receipt_json", record.receipt_data),
        ):
            if fields:  # personal data: sealed, bound to this transaction
                row[column] = self._database.pii.seal(row[column], record.transaction_id)
        return row

    def _record(self, row: dict[str, Any]) -> TransactionRecord:
        opened = dict(row)
        for column in ("posting_json", "receipt_json"):
            if opened[column]:
                opened[column] = self._database.pii.open(opened[column], row["transaction_id"])
        return _record(opened)

    def steps(self, transaction_id: str) -> list[dict[str, Any]]:
        """Return the journal's steps for one transaction, in order (for technicians)."""
        with self._database.reading() as db:
            return list(
                db.table("saga_steps").rows_where(
                    "transaction_id = ?", [transaction_id], order_by="id"
                )
            )


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _insert(db: Any, table: str, row: dict[str, Any]) -> None:
    """INSERT one row (plain SQL: sqlite-utils' insert reads the schema on every call, and
    the journal writes several rows per call the agent makes)."""
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    db.execute(f"insert into {table} ({columns}) values ({marks})", list(row.values()))


def _update_transaction(db: Any, row: dict[str, Any]) -> None:
    changes = {k: v for k, v in row.items() if k != "transaction_id"}
    assignments = ", ".join(f"{column} = ?" for column in changes)
    db.execute(
        f"update transactions set {assignments} where transaction_id = ?",
        [*changes.values(), row["transaction_id"]],
    )


def _step(db: Any, record: TransactionRecord, step: str, phase: str, outcome: str | None) -> None:
    _insert(
        db,
        "saga_steps",
        {
            "transaction_id": record.transaction_id,
            "step": step,
            "phase": phase,
            "idempotency_key": record.key(step),
            "outcome": outcome,
            "state": record.state.value,
            "at": _now(),
        },
    )


def _row(record: TransactionRecord) -> dict[str, Any]:
    return {
        "transaction_id": record.transaction_id,
        "service": record.service,
        "language": record.language,
        "state": record.state.value,
        "reference": record.reference,
        "created_at": record.created_at,
        "updated_at": _now(),
        "kiosk_fee_cents": record.kiosk_fee_cents,
        "items_json": json.dumps([[i.item_id, i.amount_cents] for i in record.items]),
        "authorization_id": record.authorization_id,
        "card_brand": record.card_brand,
        "card_last4": record.card_last4,
        "confirmation": record.confirmation,
        "failure_code": record.failure_code,
        "receipt_printed": int(record.receipt_printed),
        "posting_json": json.dumps(record.posting_data, ensure_ascii=False),
        "receipt_json": json.dumps(record.receipt_data, ensure_ascii=False),
    }


def _record(row: dict[str, Any]) -> TransactionRecord:
    return TransactionRecord(
        transaction_id=row["transaction_id"],
        service=row["service"],
        language=row["language"],
        state=SagaState(row["state"]),
        items=tuple(LineItem(str(i), int(c)) for i, c in json.loads(row["items_json"])),
        kiosk_fee_cents=int(row["kiosk_fee_cents"]),
        reference=row["reference"],
        created_at=row["created_at"],
        authorization_id=row["authorization_id"],
        card_brand=row["card_brand"],
        card_last4=row["card_last4"],
        confirmation=row["confirmation"],
        failure_code=row["failure_code"],
        receipt_printed=bool(row["receipt_printed"]),
        posting_data=_fields(row["posting_json"]),
        receipt_data=_fields(row["receipt_json"]),
    )


def _fields(text: str | None) -> Fields:
    return tuple((str(name), str(value)) for name, value in json.loads(text or "[]"))
