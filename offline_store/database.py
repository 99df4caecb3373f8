"""Open the kiosk's SQLite file the one way it is opened, and bring its schema up to date."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from offline_store.migration_copies import copy_before_upgrade
from offline_store.pii import NoPiiKey, PiiCipher, load_key
from offline_store.schema import MIGRATIONS as MIGRATIONS  # named here for its callers
from transactions.errors import StorageError
from transactions.version import software_version

logger = logging.getLogger(__name__)


def set_aside(path: Path) -> Path:
    """Move a damaged database (and its WAL and shared memory) aside; return its new name."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    moved = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            source.rename(moved.with_name(moved.name + suffix))
    return moved


class DamagedDatabaseError(sqlite3.DatabaseError):
    """Raise when ``PRAGMA quick_check`` finds a damaged file."""


_DAMAGE_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def _primary_code(err: sqlite3.Error) -> int | None:
    code = getattr(err, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF  # extended codes keep the primary low


def is_damage(err: sqlite3.Error) -> bool:
    """Return True only for real corruption: a file set aside for this is lost to the kiosk.

    A lock held by another process, an I/O error or a full disk is not damage: the file
    is healthy (or unreachable for now) and must stay where the UI and the agent find it.
    """
    return isinstance(err, DamagedDatabaseError) or _primary_code(err) in _DAMAGE_CODES


def storage_error(err: sqlite3.Error) -> StorageError:
    """Return what a failed open or write means for the kiosk: busy, full, read-only, or
    unwritable."""
    text = str(err).lower()
    if _primary_code(err) in _BUSY_CODES or "locked" in text:
        return StorageError(
            f"the kiosk's database is busy: another process holds it ({err})",
            code="storage_busy",
        )
    if "full" in text:
        return StorageError(f"the kiosk's disk is full: {err}", code="storage_full")
    if "readonly" in text or "read-only" in text:
        return StorageError(f"the kiosk's database is read-only: {err}", code="storage_read_only")
    return StorageError(f"the kiosk's database cannot be written: {err}", code="storage_failed")


PASSING = frozenset({"storage_busy", "storage_failed", "storage_full", "storage_read_only"})
"""Why a healthy database may not open now yet open later: held by another process, a
failing or full disk. The kiosk waits (out of service) and tries again; it never resets."""

PROBE_BYTES = 64 * 1024
"""How much a storage probe asks to write (then rolls back): a few pages more than now."""

BUSY_SECONDS = 10.0
"""How long a statement waits for another process's lock before the kiosk calls it busy."""


def read_only_connection(path: Path, busy_seconds: float = BUSY_SECONDS) -> sqlite3.Connection:
    """Return a read-only connection to the kiosk's file, as a technician's command reads it.

    Reading a WAL file makes SQLite create its ``-wal`` and ``-shm`` files when they are
    missing (the kiosk stopped). Made by root (``sudo kiosk …``), they would lock the kiosk
    user out of its own database: they are given to the database's owner.
    """
    sidecars = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    missing = [sidecar for sidecar in sidecars if not sidecar.exists()]
    connection = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro",
        uri=True,
        check_same_thread=False,
        isolation_level=None,
        timeout=busy_seconds,
    )
    try:
        connection.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        connection.execute("select count(*) from sqlite_master").fetchone()
    except BaseException:
        connection.close()
        raise
    if os.geteuid() == 0:
        owner = path.stat()
        for sidecar in missing:
            with contextlib.suppress(FileNotFoundError):
                os.chown(sidecar, owner.st_uid, owner.st_gid)
    return connection


class KioskDatabase:
    """The kiosk's SQLite file, shared by the threads of one process under a lock."""

    def __init__(
        self,
        path: Path,
        key_file: Path | None = None,
        *,
        read_only: bool = False,
        need_key: bool = True,
        busy_seconds: float = BUSY_SECONDS,
    ) -> None:
        """Open (or create) ``path``; personal data is sealed with the key in ``key_file``
        (default: ``<path stem>.key`` beside it, made on first start; a systemd credential
        wins, see offline_store.pii).

        ``read_only`` (technicians' commands) opens an existing file as it is: nothing is
        created, migrated, moved aside or locked for writing, and a missing key is an error.
        ``need_key=False`` opens without the key (none is made), for what touches no
        personal data: a technician's outbox listing or retry. A file
        that is busy, unreadable or on a failing disk raises StorageError (``storage_busy``,
        ``storage_failed``…) and is never moved: only a damaged one is, at a kiosk's start.
        """
        self.path = path
        self.read_only = read_only
        self._busy_ms = int(busy_seconds * 1000)
        self._lock = threading.RLock()
        self.set_aside: Path | None = None
        """Where a damaged file found at start was moved (kept for recovery), else None."""
        key_path = key_file or path.with_suffix(".key")
        if read_only:
            if not path.is_file():
                raise StorageError(
                    f"no kiosk database at {path}: check kiosk.data_dir", code="storage_missing"
                )
            self.pii = PiiCipher(load_key(key_path, create=False)) if need_key else NoPiiKey()
            self.db = self._opened(self._open_read_only)
            return
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError, IsADirectoryError):
            # Private from the first byte, whatever the umask: SQLite gives its WAL and
            # shared-memory files the database's own mode.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        # Only the default key beside the file is ever made: a key named in the config
        # (the installed kiosk's credential file) that cannot be read is an error, never
        # a reason to seal data with a second key.
        self.pii = (
            PiiCipher(load_key(key_path, create=key_file is None)) if need_key else NoPiiKey()
        )
        try:
            self.db = self._open(path)
        except sqlite3.Error as err:
            if not is_damage(err):
                raise storage_error(err) from err
            self.set_aside = set_aside(path)
            logger.error(
                "database %s is damaged (%s): moved to %s for recovery; starting a fresh one",
                path,
                err,
                self.set_aside,
            )
            self.db = self._opened(self._open)

    def _opened(self, opener: Callable[[Path], sqlite_utils.Database]) -> sqlite_utils.Database:
        try:
            return opener(self.path)
        except sqlite3.Error as err:
            raise storage_error(err) from err

    def _connect(self, target: str) -> sqlite3.Connection:
        connection = sqlite3.connect(
            target,
            uri=target.startswith("file:"),
            check_same_thread=False,
            isolation_level=None,
            timeout=self._busy_ms / 1000,
        )
        connection.execute(f"PRAGMA busy_timeout={self._busy_ms}")
        return connection

    def _open_read_only(self, path: Path) -> sqlite_utils.Database:
        """Open ``path`` for reading only: no WAL switch, no migration, no probe."""
        connection = read_only_connection(path, self._busy_ms / 1000)
        try:
            db = sqlite_utils.Database(connection)
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > len(MIGRATIONS):
                raise StorageError(
                    f"{path} was written by a newer kiosk (schema {version}, this one knows "
                    f"{len(MIGRATIONS)}): use the kiosk software that wrote it",
                    code="storage_newer",
                )
        except BaseException:
            connection.close()
            raise
        return db

    def _open(self, path: Path) -> sqlite_utils.Database:
        """Open ``path``, check it and bring its schema up to date; DatabaseError if damaged."""
        connection = self._connect(str(path))
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
                raise DamagedDatabaseError(f"integrity check failed: {verdict}")
            self._migrate()
        except BaseException:
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
        """Bring the schema up to date in one transaction, first copying an existing file
        aside (offline_store.migration_copies); refuse a file from a newer kiosk."""
        latest = len(MIGRATIONS)
        if self._known_schema(latest) == latest:
            return  # up to date: no write lock taken
        with self.transaction() as db:
            # Under the write lock: the agent starting beside the touchscreen waits here,
            # then finds the upgrade done. One transaction: a failed upgrade leaves the old
            # file whole, never a schema half-way.
            version = self._known_schema(latest)
            if version == latest:
                return
            if version >= 1:
                copy = copy_before_upgrade(self.path, latest)
                logger.info(
                    "database %s (schema %d) copied to %s before its upgrade to schema %d",
                    self.path,
                    version,
                    copy,
                    latest,
                )
            for migration in MIGRATIONS[version:]:
                migration(db)
            db.execute(f"PRAGMA user_version={latest}")
        logger.info("database %s migrated from schema %d to %d", self.path, version, latest)

    def _known_schema(self, latest: int) -> int:
        """Return the file's schema version; StorageError if a newer kiosk wrote it."""
        version = self.schema_version()
        if version > latest:
            raise StorageError(
                f"{self.path} was written by a newer kiosk (schema {version}; this kiosk, "
                f"release {software_version()}, knows schema {latest} at most): install the "
                f"newer release again, or restore {self.path.name}.before-v{version}-…, the "
                "copy made beside it before that upgrade",
                code="storage_newer",
            )
        return version
