"""What waits to be sent, as technicians see it: states, ages, attempts; never personal data.

Today the journal's unfinished transactions are the outbox: each is finished from its journal
when the kiosk starts (``SagaRunner.resume_unfinished``). This module reads them without
opening anything sealed, so its output can be shown, printed or exported safely.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from offline_store.database import KioskDatabase
from transactions.saga.states import FINISHED_STATES

SENDING_STEPS = ("post", "submit", "capture", "reverse", "authorize")
"""Saga steps that call a backend: each intent journaled for one is an attempt."""


@dataclass(frozen=True)
class OutboxEntry:
    """One transaction still to be finished (no personal data: see the module docstring)."""

    transaction_id: str
    reference: str
    service: str
    state: str
    created_at: str
    updated_at: str
    attempts: int
    last_step: str | None
    failure_code: str | None

    def as_json(self) -> dict[str, Any]:
        """Return the entry as a JSON object."""
        return asdict(self)


def waiting(database: KioskDatabase) -> list[OutboxEntry]:
    """Return every unfinished transaction, oldest first."""
    done = [state.value for state in FINISHED_STATES]
    steps = ", ".join("?" for _ in SENDING_STEPS)
    marks = ", ".join("?" for _ in done)
    sql = f"""
        select t.transaction_id, t.reference, t.service, t.state, t.created_at, t.updated_at,
               t.failure_code,
               (select count(*) from saga_steps s where s.transaction_id = t.transaction_id
                  and s.phase = 'intent' and s.step in ({steps})) as attempts,
               (select s.step from saga_steps s where s.transaction_id = t.transaction_id
                  order by s.id desc limit 1) as last_step
        from transactions t
        where t.state not in ({marks})
        order by t.created_at, t.rowid
    """
    with database.reading() as db:
        rows = list(db.query(sql, [*SENDING_STEPS, *done]))
    names = [field.name for field in fields(OutboxEntry)]
    return [OutboxEntry(**{name: row[name] for name in names}) for row in rows]


def status(entries: list[OutboxEntry], now: datetime) -> dict[str, Any]:
    """Return the outbox's depth, its count per state and the age of its oldest entry."""
    by_state: dict[str, int] = {}
    for entry in entries:
        by_state[entry.state] = by_state.get(entry.state, 0) + 1
    oldest = entries[0] if entries else None
    age = (now - datetime.fromisoformat(oldest.created_at)).total_seconds() if oldest else None
    return {
        "depth": len(entries),
        "by_state": by_state,
        "oldest_reference": oldest.reference if oldest else None,
        "oldest_age_seconds": round(age) if age is not None else None,
    }
