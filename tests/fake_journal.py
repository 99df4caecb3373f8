"""An in-memory journal with the SqliteJournal's behaviour, for tests of the core."""

from __future__ import annotations

from typing import NamedTuple

from transactions.records import TransactionRecord
from transactions.saga.states import SagaState

Timeline = list[tuple[str, str]]
"""``(what happened, idempotency key or receipt reference)``, in the order it happened."""


class JournalStep(NamedTuple):
    """One row of the fake journal."""

    transaction_id: str
    step: str
    phase: str  # "intent" or "outcome"
    outcome: str | None
    state: SagaState


class FakeJournal:
    """Keep records in a dict and steps in a list, like SqliteJournal keeps rows."""

    def __init__(self, timeline: Timeline | None = None) -> None:
        self.records: dict[str, TransactionRecord] = {}
        self.steps: list[JournalStep] = []
        self.timeline: Timeline = timeline if timeline is not None else []
        self.released: list[tuple[str, float | None]] = []

    def open_transaction(self, record: TransactionRecord) -> None:
        """Store a new transaction."""
        if record.transaction_id in self.records:
            raise KeyError(f"transaction {record.transaction_id} already exists")
        self.records[record.transaction_id] = record
        self.steps.append(
            JournalStep(record.transaction_id, "open", "outcome", record.state.value, record.state)
        )

    def record_intent(self, record: TransactionRecord, step: str) -> None:
        """Store that ``step`` is about to run."""
        self._known(record)
        self.steps.append(JournalStep(record.transaction_id, step, "intent", None, record.state))
        self.timeline.append(("journal.intent", record.key(step)))

    def record_outcome(self, record: TransactionRecord, step: str, outcome: str) -> None:
        """Store the outcome of ``step`` and the new state of the transaction."""
        self._known(record)
        self.records[record.transaction_id] = record
        self.steps.append(
            JournalStep(record.transaction_id, step, "outcome", outcome, record.state)
        )
        self.timeline.append(("journal.outcome", record.key(step)))

    def get(self, transaction_id: str) -> TransactionRecord | None:
        """Return a stored transaction, or None."""
        return self.records.get(transaction_id)

    def unfinished(self) -> list[TransactionRecord]:
        """Return the transactions with something left to do, oldest first."""
        waiting = [r for r in self.records.values() if not r.state.finished]
        return sorted(waiting, key=lambda r: r.created_at)  # stable: ties keep insertion order

    def claim(self, transaction_id: str) -> TransactionRecord | None:
        """Take the transaction (one process here: nobody else holds it)."""
        self.timeline.append(("journal.claim", transaction_id))
        return self.records.get(transaction_id)

    def release(self, record: TransactionRecord, retry_after: float | None) -> None:
        """Let go of the transaction."""
        self.released.append((record.transaction_id, retry_after))

    def due(self, limit: int) -> list[str]:
        """Return the transactions waiting on a backend call, oldest first."""
        waiting = [r for r in self.unfinished() if r.state.waits_on is not None]
        return [r.transaction_id for r in waiting][:limit]

    def waits_behind(self, record: TransactionRecord) -> bool:
        """Tell whether an earlier queued transaction is about the same subject."""
        for other in self.unfinished():
            if other.transaction_id == record.transaction_id:
                return False
            if other.subject() == record.subject() and other.state.waits_on is not None:
                return True
        return False

    def steps_of(self, transaction_id: str) -> list[JournalStep]:
        """Return one transaction's steps, in order."""
        return [s for s in self.steps if s.transaction_id == transaction_id]

    def _known(self, record: TransactionRecord) -> None:
        if record.transaction_id not in self.records:
            raise KeyError(f"transaction {record.transaction_id} was never opened")


# --- payment terminal ------------------------------------------------------------------
