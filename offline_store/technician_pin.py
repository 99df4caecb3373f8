"""The technician's PIN: checked against its scrypt hash, with a lock after wrong tries.

The hash comes from a credential file (``kiosk technician pin`` makes it); the count of
wrong tries and the lock are in the kiosk's database, so a restart does not reset them:
10 wrong PINs in a row lock maintenance for 30 minutes. While locked, no PIN is even
checked. If the database cannot record (or read) a wrong try or the lock, they are kept in
memory, so a failing disk does not lift the lock.
"""

from __future__ import annotations

import enum
import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from offline_store.database import KioskDatabase
from offline_store.secret_hash import check_secret
from transactions.errors import StorageError

logger = logging.getLogger(__name__)

MAX_TRIES = 10
LOCK = timedelta(minutes=30)


class PinOutcome(enum.Enum):
    """What a PIN attempt gave."""

    ACCEPTED = "accepted"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass(frozen=True)
class PinAnswer:
    """The outcome, the tries left before the lock, and until when it is locked."""

    outcome: PinOutcome
    tries_left: int
    locked_until: datetime | None = None


class PinGuard:
    """Check PINs against ``stored_hash`` (None: no PIN set, maintenance cannot open)."""

    def __init__(self, database: KioskDatabase, stored_hash: str | None) -> None:
        self._database = database
        self._hash = stored_hash
        self._memory: tuple[int, datetime | None] = (0, None)
        """The last count and lock decided here: used when the database cannot be read or
        written (a full or failing disk), so the lock holds then too."""
        self._attempts = threading.Lock()

    def _state(self) -> tuple[int, datetime | None]:
        memory_failures, memory_locked = self._memory
        try:
            with self._database.reading() as db:
                failures, locked = db.execute(
                    "select failures, locked_until from technician_lock where id = 1"
                ).fetchone()
        except (StorageError, sqlite3.Error):
            logger.error("technician lock not read (storage); using the one kept in memory")
            return self._memory
        stored = datetime.fromisoformat(locked) if locked else None
        latest = max((m for m in (stored, memory_locked) if m is not None), default=None)
        return max(int(failures), memory_failures), latest

    def _save(self, failures: int, locked_until: datetime | None) -> None:
        self._memory = (failures, locked_until)
        try:
            with self._database.transaction() as db:
                db.execute(
                    "update technician_lock set failures = ?, locked_until = ? where id = 1",
                    [failures, locked_until.isoformat() if locked_until else None],
                )
        except (StorageError, sqlite3.Error):
            logger.error("technician lock not recorded (storage); kept in memory")

    def locked_until(self, now: datetime) -> datetime | None:
        """Return until when maintenance is locked, or None."""
        _failures, locked = self._state()
        return locked if locked is not None and locked > now else None

    def attempt(self, pin: str, now: datetime | None = None) -> PinAnswer:
        """Check one PIN (one at a time: two quick attempts never lose a wrong try)."""
        with self._attempts:
            return self._attempt(pin, now or datetime.now(UTC))

    def _attempt(self, pin: str, now: datetime) -> PinAnswer:
        failures, locked = self._state()
        if locked is not None and locked > now:
            logger.warning("technician PIN refused: locked until %s", locked.isoformat())
            return PinAnswer(PinOutcome.LOCKED, 0, locked)
        if self._hash is not None and check_secret(pin, self._hash):
            self._save(0, None)
            logger.info("technician PIN accepted")
            return PinAnswer(PinOutcome.ACCEPTED, MAX_TRIES)
        failures += 1
        if failures >= MAX_TRIES:
            until = now + LOCK
            self._save(0, until)
            logger.warning("technician PIN wrong %d times: locked until %s", MAX_TRIES, until)
            return PinAnswer(PinOutcome.LOCKED, 0, until)
        self._save(failures, None)
        logger.warning("technician PIN wrong (%d of %d)", failures, MAX_TRIES)
        return PinAnswer(PinOutcome.WRONG, MAX_TRIES - failures)
