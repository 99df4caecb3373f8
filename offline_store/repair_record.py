"""A technician's repair under way: when it started, kept in the kiosk's database.

While a repair is under way the kiosk reports ``maintenance`` to the fleet monitor and takes
no citizen. It survives a restart (a technician often reboots the kiosk mid-repair). If the
database cannot record it (the disk being repaired is full), it is kept in memory.
"""

from __future__ import annotations

import logging
from datetime import datetime

from offline_store.database import KioskDatabase
from transactions.errors import StorageError

logger = logging.getLogger(__name__)


class RepairRecord:
    """Start, finish and read the kiosk's repair."""

    def __init__(self, database: KioskDatabase) -> None:
        self._database = database
        self._memory: datetime | None = None
        self._in_memory = False

    def started(self) -> datetime | None:
        """Return when the repair under way started, or None if there is none."""
        if self._in_memory:
            return self._memory
        try:
            with self._database.reading() as db:
                (at,) = db.execute("select started_at from repair where id = 1").fetchone()
        except StorageError:
            return self._memory
        return datetime.fromisoformat(at) if at else None

    def start(self, now: datetime) -> datetime:
        """Begin a repair now (or keep the one under way); return when it started."""
        began = self.started()
        if began is not None:
            return began
        self._save(now)
        return now

    def finish(self) -> datetime | None:
        """End the repair; return when it had started (None: there was none)."""
        began = self.started()
        self._save(None)
        return began

    def _save(self, at: datetime | None) -> None:
        self._memory = at
        try:
            with self._database.transaction() as db:
                db.execute(
                    "update repair set started_at = ? where id = 1",
                    [at.isoformat() if at else None],
                )
            self._in_memory = False
        except StorageError:
            self._in_memory = True
            logger.error("repair state not recorded (storage); kept in memory")
