"""The outbox: one row per backend call a transaction waits on, kept in step with the journal.

Every backend write of the saga (post, capture, reverse; and an authorization whose outcome
is not known yet) has a row here from the moment the saga decides to make it, written in the
same commit as the state that asks for it. The row carries the call's idempotency key, how
many attempts were made, the last error, whether the failure is permanent, when to try next
and who holds it. Holding is a claim: the process that wrote the state performs the call at
once; another process (the agent, the UI after a restart) takes the row only when it is free
or its holder has died, with a conditional UPDATE, so no call is made by two processes.

Deliveries about one subject (a citizen's card in one programme, one notice) keep their
order: a row waits while an earlier row about the same subject waits. The subject is stored
as a keyed hash, never in clear.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from offline_store.owners import is_running
from transactions.records import TransactionRecord
from transactions.saga.backoff import Backoff

WAITING = "waiting"
DONE = "done"
REFUSED = "refused"

CLAIM_LEASE = timedelta(minutes=15)
"""A holder that is still running but has not let go after this long is taken over: no
attended call (a card wait included) lasts that long."""


def stamp(moment: datetime) -> str:
    """Return a time as the outbox stores it: UTC, fixed width, so text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def create_table(db: sqlite_utils.Database) -> None:
    """Create the outbox (migration 3)."""
    db.execute(
        """
        create table outbox (
            id integer primary key autoincrement,
            transaction_id text not null references transactions(transaction_id),
            reference text not null,
            service text not null,
            order_key text,
            step text not null,
            idempotency_key text not null unique,
            status text not null,
            permanent integer not null default 0,
            attempts integer not null default 0,
            last_error text,
            next_attempt_at text not null,
            claimed_by text,
            claimed_until text,
            created_at text not null,
            updated_at text not null
        )
        """
    )
    db.execute("create index outbox_due on outbox (status, next_attempt_at)")
    db.execute("create index outbox_order on outbox (order_key, status, id)")
    db.execute("create index outbox_transaction on outbox (transaction_id, status)")


@dataclass(frozen=True)
class Claims:
    """Who this process is and how it schedules retries."""

    owner: str
    backoff: Backoff
    rng: random.Random


def sync(
    db: sqlite_utils.Database,
    record: TransactionRecord,
    outcome: str,
    owner: str | None,
    now: datetime,
) -> None:
    """Bring the transaction's rows in line with its new state (inside the journal's commit).

    The call the state waits on gets a row, held by ``owner`` (who performs it next); rows
    for calls the state no longer waits on are closed: refused for good, or done.
    """
    pending = record.state.waits_on
    step = pending.value if pending is not None else None
    at = stamp(now)
    for row in db.query(
        "select id, step from outbox where transaction_id = ? and status = ?",
        [record.transaction_id, WAITING],
    ):
        if row["step"] == step:
            db.execute(
                "update outbox set last_error = ?, updated_at = ? where id = ?",
                [record.failure_code, at, row["id"]],
            )
            continue
        refused = outcome == "post_refused" and row["step"] == "post"
        db.execute(
            "update outbox set status = ?, permanent = ?, last_error = ?, claimed_by = null,"
            " claimed_until = null, updated_at = ? where id = ?",
            [REFUSED if refused else DONE, int(refused), record.failure_code, at, row["id"]],
        )
    if step is None:
        return
    db.execute(
        "insert or ignore into outbox (transaction_id, reference, service, order_key, step,"
        " idempotency_key, status, next_attempt_at, claimed_by, claimed_until, created_at,"
        " updated_at) values (?, ?, ?, (select order_key from transactions where"
        " transaction_id = ?), ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            record.transaction_id,
            record.reference,
            record.service,
            record.transaction_id,
            step,
            record.key(step),
            WAITING,
            at,
            owner,
            stamp(now + CLAIM_LEASE) if owner else None,
            at,
            at,
        ],
    )


def count_attempt(
    db: sqlite_utils.Database, record: TransactionRecord, step: str, owner: str, now: datetime
) -> None:
    """Count one attempt at ``step`` (its intent is being journaled), held by ``owner``."""
    db.execute(
        "update outbox set attempts = attempts + 1, claimed_by = ?, claimed_until = ?,"
        " updated_at = ? where transaction_id = ? and step = ? and status = ?",
        [owner, stamp(now + CLAIM_LEASE), stamp(now), record.transaction_id, step, WAITING],
    )


def _free(row: dict[str, Any], now: datetime) -> bool:
    holder = row["claimed_by"]
    if holder is None:
        return True
    if row["claimed_until"] is not None and row["claimed_until"] < stamp(now):
        return True
    return not is_running(holder)


def claim(db: sqlite_utils.Database, transaction_id: str, owner: str, now: datetime) -> bool:
    """Take the transaction's waiting row for ``owner``; False when a running process has it.

    A transaction with no waiting row has nothing to claim: True.
    """
    rows = list(
        db.query(
            "select id, claimed_by, claimed_until from outbox where transaction_id = ?"
            " and status = ?",
            [transaction_id, WAITING],
        )
    )
    for row in rows:
        if row["claimed_by"] == owner:
            continue
        if not _free(row, now):
            return False
        # Compare-and-set: only if nobody took it since we looked.
        cursor = db.execute(
            "update outbox set claimed_by = ?, claimed_until = ? where id = ? and claimed_by is ?",
            [owner, stamp(now + CLAIM_LEASE), row["id"], row["claimed_by"]],
        )
        if cursor.rowcount != 1:
            return False
    return True


def unclaim(db: sqlite_utils.Database, transaction_id: str, owner: str, now: datetime) -> None:
    """Let go of ``owner``'s rows of the transaction untried: their next attempt stays."""
    db.execute(
        "update outbox set claimed_by = null, claimed_until = null, updated_at = ?"
        " where transaction_id = ? and status = ? and claimed_by = ?",
        [stamp(now), transaction_id, WAITING, owner],
    )


def release(
    db: sqlite_utils.Database,
    transaction_id: str,
    claims: Claims,
    retry_after: float | None,
    now: datetime,
) -> None:
    """Let go of ``claims.owner``'s rows of the transaction; schedule the next attempt."""
    for row in db.query(
        "select id, attempts from outbox where transaction_id = ? and status = ?"
        " and claimed_by = ?",
        [transaction_id, WAITING, claims.owner],
    ):
        delay = claims.backoff.delay(max(1, row["attempts"]), retry_after, claims.rng)
        db.execute(
            "update outbox set claimed_by = null, claimed_until = null, next_attempt_at = ?,"
            " updated_at = ? where id = ?",
            [stamp(now + timedelta(seconds=delay)), stamp(now), row["id"]],
        )


_DUE = """
    select o.transaction_id, o.claimed_by, o.claimed_until from outbox o
    where o.status = 'waiting' and o.next_attempt_at <= ?
      and not exists (
        select 1 from outbox e where e.status = 'waiting' and e.order_key = o.order_key
          and e.id < o.id and e.transaction_id != o.transaction_id)
    order by o.id
"""


def due(db: sqlite_utils.Database, now: datetime, limit: int) -> list[str]:
    """Return the transactions whose waiting call is due and free, in the order queued."""
    found: list[str] = []
    for row in db.query(_DUE, [stamp(now)]):
        if _free(row, now) and row["transaction_id"] not in found:
            found.append(row["transaction_id"])
            if len(found) >= limit:
                break
    return found


def waits_behind(db: sqlite_utils.Database, record: TransactionRecord) -> bool:
    """Tell whether an earlier transaction about the same subject still waits to be sent."""
    rows = db.query(
        "select 1 from outbox e, transactions t where t.transaction_id = ?"
        " and e.order_key = t.order_key and e.status = 'waiting'"
        " and e.transaction_id != t.transaction_id and e.id < coalesce((select min(id)"
        " from outbox where transaction_id = t.transaction_id), 9223372036854775807)",
        [record.transaction_id],
    )
    return any(True for _ in rows)


def next_due(db: sqlite_utils.Database) -> datetime | None:
    """Return when the earliest waiting call is due (None when nothing waits)."""
    row = db.execute("select min(next_attempt_at) from outbox where status = 'waiting'").fetchone()
    if row is None or row[0] is None:
        return None
    return datetime.strptime(row[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def retry_now(db: sqlite_utils.Database, now: datetime, reference: str | None) -> int:
    """Make waiting calls due at once (all, or one reference's); return how many."""
    sql = "update outbox set next_attempt_at = ?, updated_at = ? where status = 'waiting'"
    params: list[Any] = [stamp(now), stamp(now)]
    if reference is not None:
        sql += " and reference = ?"
        params.append(reference)
    return db.execute(sql, params).rowcount
