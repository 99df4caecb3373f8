"""Open the kiosk's SQLite file the one way it is opened, and bring its schema up to date."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from offline_store import outbox_items
from offline_store.pii import PiiCipher, load_key
from transactions.errors import StorageError
from transactions.saga.states import WAITING_ON

logger = logging.getLogger(__name__)


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


MIGRATIONS: tuple[Callable[[sqlite_utils.Database], None], ...] = (
    _v1_journal,
    _v2_survey,
    _v3_outbox,
    _v4_status_samples,
    _v5_technician_lock,
    _v6_repair,
)
"""Schema migrations in order; the file's ``user_version`` says how many have run."""


def set_aside(path: Path) -> Path:
    """Move a damaged database (and its WAL and shared memory) aside; return its new name."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    moved = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            source.rename(moved.with_name(moved.name + suffix))
    return moved


def storage_error(err: sqlite3.OperationalError) -> StorageError:
    """Return what a failed write means for the kiosk: full, read-only, or unwritable."""
    text = str(err).lower()
    if "full" in text:
        return StorageError(f"the kiosk's disk is full: {err}", code="storage_full")
    if "readonly" in text or "read-only" in text:
        return StorageError(f"the kiosk's database is read-only: {err}", code="storage_read_only")
    return StorageError(f"the kiosk's database cannot be written: {err}", code="storage_failed")


PROBE_BYTES = 64 * 1024
"""How much a storage probe asks to write (then rolls back): a few pages more than now."""


class KioskDatabase:
    """The kiosk's SQLite file, shared by the threads of one process under a lock."""

    def __init__(self, path: Path, key_file: Path | None = None) -> None:
        """Open (or create) ``path``; personal data is sealed with the key in ``key_file``
        (default: ``<path stem>.key`` beside it, made on first start; a systemd credential
        wins, see offline_store.pii)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.pii = PiiCipher(load_key(key_file or path.with_suffix(".key")))
        self.path = path
        self._lock = threading.RLock()
        self.set_aside: Path | None = None
        """Where a damaged file found at start was moved (kept for recovery), else None."""
        try:
            self.db = self._open(path)
        except sqlite3.DatabaseError as err:
            self.set_aside = set_aside(path)
            logger.error(
                "database %s is damaged (%s): moved to %s for recovery; starting a fresh one",
                path,
                err,
                self.set_aside,
            )
            self.db = self._open(path)

    def _open(self, path: Path) -> sqlite_utils.Database:
        """Open ``path``, check it and bring its schema up to date; DatabaseError if damaged."""
        connection = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        try:
            self.db = sqlite_utils.Database(connection)
            self.db.enable_wal()
            # FULL: a row the kiosk acknowledged survives a power cut (SQLite docs, "PRAGMA
            # synchronous"); NORMAL in WAL mode may lose the last commits.
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            # Deleted personal data is overwritten with zeros, not left in free pages.
            self.db.execute("PRAGMA secure_delete=ON")
            verdict = self.db.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {verdict}")
            self._migrate()
        except sqlite3.DatabaseError:
            connection.close()
            raise
        return self.db

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """Run the block as one atomic write (BEGIN IMMEDIATE … COMMIT)."""
        with self._lock:
            try:
                self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                except BaseException:
                    if self.db.conn.in_transaction:  # SQLite may have rolled back already
                        self.db.execute("ROLLBACK")
                    raise
                self.db.execute("COMMIT")
            except sqlite3.OperationalError as err:
                raise storage_error(err) from err

    @contextmanager
    def reading(self) -> Iterator[sqlite_utils.Database]:
        """Read under the lock, so no other thread's write interleaves."""
        with self._lock:
            yield self.db

    def storage_problem(self, min_free_bytes: int) -> str | None:
        """Return why a transaction could not be recorded now (a StorageError code), or None.

        The disk must keep ``min_free_bytes`` free, and a write that needs new pages must go
        through: the probe writes them in a transaction it rolls back, so nothing stays.
        """
        try:
            free = shutil.disk_usage(self.path.parent).free
        except OSError:
            return "storage_failed"
        if free < min_free_bytes:
            return "storage_full"
        with self._lock:
            try:
                self.db.execute("BEGIN IMMEDIATE")
                try:
                    self.db.execute("create table storage_probe (filler blob)")
                    self.db.execute("insert into storage_probe values (zeroblob(?))", [PROBE_BYTES])
                finally:
                    if self.db.conn.in_transaction:
                        self.db.execute("ROLLBACK")
            except sqlite3.OperationalError as err:
                return storage_error(err).code
        return None

    def schema_version(self) -> int:
        """Return how many migrations this file has had."""
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def checkpoint(self) -> None:
        """Copy the WAL into the main file and empty it, so purged data leaves the WAL too.

        Best effort: a reader in another process may hold it back; the next one catches up.
        """
        with self._lock:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self.db.conn.close()

    def _migrate(self) -> None:
        version = self.schema_version()
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction() as db:
                migration(db)
                db.execute(f"PRAGMA user_version={number}")
            logger.info("database %s migrated to version %d", self.path, number)
