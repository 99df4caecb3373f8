"""The kiosk's schema migrations, in order: a registry, applied by ``offline_store.database``.

A file's ``user_version`` says how many have run. A new table or column is a new migration
at the end, never an edit of one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlite_utils

from offline_store import outbox_items
from transactions.saga.states import WAITING_ON


def _v1_journal(db: sqlite_utils.Database) -> None:
    db.table("transactions").create(
        {
            "transaction_id": str,
            "service": str,
            "language": str,
            "state": str,
            "reference": str,
            "created_at": str,
            "updated_at": str,
            "kiosk_fee_cents": int,
            "items_json": str,
            "authorization_id": str,
            "card_brand": str,
            "card_last4": str,
            "confirmation": str,
            "failure_code": str,
            "receipt_printed": int,
            "posting_json": str,
            "receipt_json": str,
        },
        pk="transaction_id",
    )
    db.table("transactions").create_index(["state"])
    db.table("saga_steps").create(
        {
            "id": int,
            "transaction_id": str,
            "step": str,
            "phase": str,
            "idempotency_key": str,
            "outcome": str,
            "state": str,
            "at": str,
        },
        pk="id",
        foreign_keys=[("transaction_id", "transactions", "transaction_id")],
    )
    db.table("saga_steps").create_index(["transaction_id"])


def _v2_survey(db: sqlite_utils.Database) -> None:
    # Anonymous by construction: counters, not answers. One row per combination of month,
    # service, rating and statements ticked, with how many citizens gave it; no rowid, so
    # not even the order of answers is kept (it could be matched with the journal's).
    # The statement columns mirror transactions.survey.STATEMENTS as of this version; a new
    # statement needs a new migration, never an edit here.
    db.execute(
        """
        create table survey_answers (
            month text not null,
            service text not null,
            rating text not null,
            saves_time integer not null,
            would_use_again integer not null,
            easy integer not null,
            convenient_location integer not null,
            answers integer not null,
            primary key (
                month, service, rating, saves_time, would_use_again, easy, convenient_location
            )
        ) without rowid
        """
    )


def _v3_outbox(db: sqlite_utils.Database) -> None:
    # One row per backend call a transaction waits on (offline_store.outbox_items). The order
    # key is a keyed hash of what a transaction is about, so deliveries about one subject keep
    # their order. Transactions already waiting get their row, free and due at once.
    db.execute("alter table transactions add column order_key text")
    outbox_items.create_table(db)
    now = outbox_items.stamp(datetime.now(UTC))
    for state, effect in WAITING_ON.items():
        db.execute(
            "insert into outbox (transaction_id, reference, service, order_key, step,"
            " idempotency_key, status, next_attempt_at, created_at, updated_at)"
            " select transaction_id, reference, service, transaction_id, ?,"
            " transaction_id || ':' || ?, 'waiting', ?, ?, ? from transactions where state = ?",
            [effect.value, effect.value, now, now, now, state.value],
        )


def _v4_status_samples(db: sqlite_utils.Database) -> None:
    # The agent's status samples for the fleet monitor (offline_store.status_journal).
    db.execute(
        "create table status_samples (id integer primary key, at text not null,"
        " body text not null, shipped_at text)"
    )
    db.execute("create index status_unshipped on status_samples (shipped_at, id)")


def _v5_technician_lock(db: sqlite_utils.Database) -> None:
    # Wrong technician PINs and the lock they lead to (offline_store.technician_pin): in the
    # database, so a restart does not reset the count. The PIN's hash is a credential file.
    db.execute(
        "create table technician_lock (id integer primary key check (id = 1),"
        " failures integer not null, locked_until text)"
    )
    db.execute("insert into technician_lock (id, failures) values (1, 0)")


def _v6_repair(db: sqlite_utils.Database) -> None:
    # A technician's repair under way (offline_store.repair_record): it survives a restart,
    # so a kiosk rebooted mid-repair still reports maintenance until the repair is finished.
    db.execute("create table repair (id integer primary key check (id = 1), started_at text)")
    db.execute("insert into repair (id) values (1)")


def _v7_refused_samples(db: sqlite_utils.Database) -> None:
    # Status samples the fleet monitor refused for good (offline_store.status_journal): set
    # aside with the monitor's reason, so the ones after them keep flowing.
    db.execute("alter table status_samples add column refused text")


MIGRATIONS: tuple[Callable[[sqlite_utils.Database], None], ...] = (
    _v1_journal,
    _v2_survey,
    _v3_outbox,
    _v4_status_samples,
    _v5_technician_lock,
    _v6_repair,
    _v7_refused_samples,
)
"""Schema migrations in order; the file's ``user_version`` says how many have run."""
