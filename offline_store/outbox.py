"""What waits to be sent, as technicians see it: states, ages, attempts; never personal data.

Reads the outbox rows (``offline_store.outbox_items``) with their transaction's state,
without opening anything sealed, so the output can be shown, printed or exported safely.
A call refused for good stays listed (``refused``): after a payment, the money went back.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from offline_store import outbox_items
from offline_store.database import KioskDatabase


@dataclass(frozen=True)
class OutboxEntry:
    """One backend call still to make, or refused for good (no personal data)."""

    transaction_id: str
    reference: str
    service: str
    state: str
    """The transaction's saga state."""
    last_step: str
    """The call: post, capture, reverse, authorize."""
    status: str
    """waiting, or refused (for good)."""
    attempts: int
    failure_code: str | None
    permanent: bool
    next_attempt_at: str
    created_at: str
    updated_at: str

    def as_json(self) -> dict[str, Any]:
        """Return the entry as a JSON object."""
        return asdict(self)


_SQL = """
    select o.transaction_id, o.reference, o.service, t.state, o.step as last_step, o.status,
           o.attempts, o.last_error as failure_code, o.permanent, o.next_attempt_at,
           t.created_at, o.updated_at
    from outbox o join transactions t on t.transaction_id = o.transaction_id
    where o.status in ({statuses})
    order by o.id
"""


def _entries(database: KioskDatabase, statuses: tuple[str, ...]) -> list[OutboxEntry]:
    sql = _SQL.format(statuses=", ".join("?" for _ in statuses))
    with database.reading() as db:
        rows = list(db.query(sql, list(statuses)))
    names = [field.name for field in fields(OutboxEntry)]
    entries = []
    for row in rows:
        values: dict[str, Any] = {name: row[name] for name in names}
        values["permanent"] = bool(values["permanent"])
        entries.append(OutboxEntry(**values))
    return entries


def waiting(database: KioskDatabase) -> list[OutboxEntry]:
    """Return every call still waiting to be made, in the order queued."""
    return _entries(database, (outbox_items.WAITING,))


def refused(database: KioskDatabase) -> list[OutboxEntry]:
    """Return every call a backend refused for good (after a payment: reversed)."""
    return _entries(database, (outbox_items.REFUSED,))


def retry_now(database: KioskDatabase, now: datetime, reference: str | None = None) -> int:
    """Make waiting calls due at once (all, or one reference's); return how many."""
    with database.transaction() as db:
        return outbox_items.retry_now(db, now, reference)


def status(entries: list[OutboxEntry], now: datetime) -> dict[str, Any]:
    """Return the outbox's depth, its count per state and the age of its oldest entry."""
    by_state: dict[str, int] = {}
    for entry in entries:
        by_state[entry.state] = by_state.get(entry.state, 0) + 1
    oldest = min(entries, key=lambda entry: entry.created_at) if entries else None
    age = (now - datetime.fromisoformat(oldest.created_at)).total_seconds() if oldest else None
    return {
        "depth": len(entries),
        "by_state": by_state,
        "oldest_reference": oldest.reference if oldest else None,
        "oldest_age_seconds": round(age) if age is not None else None,
    }
