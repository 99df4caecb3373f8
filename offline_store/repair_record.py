"""A technician's repair under way: when it started, kept in the kiosk's database.

While a repair is under way the kiosk reports ``maintenance`` to the fleet monitor and takes
no citizen. It survives a restart (a technician often reboots the kiosk mid-repair). If the
database cannot record it (the disk being repaired is full), it is kept in memory and
written as soon as the database takes it.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime

from offline_store.database import KioskDatabase
from transactions.errors import StorageError

logger = logging.getLogger(__name__)


class RepairRecord:
    """Start, finish and read the kiosk's repair."""

    def __init__(self, database: KioskDatabase) -> None:
        self._database = database
        self._memory: datetime | None = None
        self._unsaved = False
        """The last start or finish is only in memory: it is written as soon as it can be."""

    def started(self) -> datetime | None:
        """Return when the repair under way started, or None if there is none."""
        if self._unsaved:
            self._write(self._memory)  # the disk may be back: keep it across a restart now
            return self._memory
        try:
            with self._database.reading() as db:
                (at,) = db.execute("select started_at from repair where id = 1").fetchone()
        except (StorageError, sqlite3.Error):
            logger.error("repair state not read (storage); using the one kept in memory")
            return self._memory
        self._memory = datetime.fromisoformat(at) if at else None
        return self._memory

    def start(self, now: datetime) -> datetime:
        """Begin a repair now (or keep the one under way); return when it started."""
        began = self.started()
        if began is not None:
            return began
        self._memory = now
        self._write(now)
        return now

    def finish(self) -> datetime | None:
        """End the repair; return when it had started (None: there was none)."""
        began = self.started()
        self._memory = None
        self._write(None)
        return began

    def _write(self, at: datetime | None) -> None:
        try:
            with self._database.transaction() as db:
                db.execute(
                    "update repair set started_at = ? where id = 1",
                    [at.isoformat() if at else None],
                )
        except (StorageError, sqlite3.Error):
            if not self._unsaved:
                logger.error("repair state not recorded (storage); kept in memory for now")
            self._unsaved = True
            return
        if self._unsaved:
            logger.info("repair state recorded now that the storage works")
        self._unsaved = False
