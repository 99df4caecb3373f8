"""The kiosk's status journal: a sample of its state every 15 s, kept until shipped.

Its table comes with migration 4 (``offline_store.database``).

The agent records a sample whether or not the fleet monitor answers, and ships the oldest
unshipped ones in batches; samples recorded while the monitor was away go out when it is
back, so the fleet's history has no false gaps. Shipped samples are kept a week (for a
technician), then pruned. No personal data: states, services, devices, counts, a version.

A sample the monitor refuses for good (a 4xx other than 401 and 429) is set aside with the
monitor's reason (migration 7): it leaves the queue, so it never blocks the ones after it,
and `kiosk diagnose` counts it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from offline_store.database import KioskDatabase

KEEP_SHIPPED = timedelta(days=7)
REASON_CHARS = 300
"""How much of the monitor's answer is kept as the reason for a refusal."""


class StatusJournal:
    """Record samples; hand out and mark the unshipped ones, oldest first."""

    def __init__(self, database: KioskDatabase) -> None:
        self._database = database

    def record(self, sample: dict[str, Any]) -> None:
        """Store one sample (its ``at`` is an RFC 3339 UTC time)."""
        with self._database.transaction() as db:
            db.execute(
                "insert into status_samples (at, body) values (?, ?)",
                [sample["at"], json.dumps(sample, sort_keys=True)],
            )

    def unshipped(self, limit: int) -> list[tuple[int, dict[str, Any]]]:
        """Return up to ``limit`` samples not yet shipped, oldest first, with their ids."""
        with self._database.reading() as db:
            rows = db.execute(
                "select id, body from status_samples where shipped_at is null order by id limit ?",
                [limit],
            ).fetchall()
        return [(int(row[0]), json.loads(row[1])) for row in rows]

    def shipped(self, ids: list[int], now: datetime) -> None:
        """Mark samples as accepted by the monitor; prune those shipped long ago."""
        self._mark(ids, now, refused=None)

    def refused(self, ids: list[int], reason: str, now: datetime) -> None:
        """Set samples aside that the monitor refused for good, with its reason."""
        self._mark(ids, now, refused=reason[:REASON_CHARS])

    def _mark(self, ids: list[int], now: datetime, refused: str | None) -> None:
        """Take samples out of the queue (accepted, or refused with a reason); prune those
        out of it for longer than ``KEEP_SHIPPED``."""
        if not ids:
            return
        stamp = now.astimezone(UTC).isoformat()
        marks = ", ".join("?" for _ in ids)
        with self._database.transaction() as db:
            db.execute(
                f"update status_samples set shipped_at = ?, refused = ? where id in ({marks})",
                [stamp, refused, *ids],
            )
            db.execute(
                "delete from status_samples where shipped_at < ?",
                [(now - KEEP_SHIPPED).astimezone(UTC).isoformat()],
            )

    def refusals(self) -> tuple[int, str | None]:
        """Return how many kept samples the monitor refused, and its last reason."""
        with self._database.reading() as db:
            count = db.execute(
                "select count(*) from status_samples where refused is not null"
            ).fetchone()[0]
            last = db.execute(
                "select refused from status_samples where refused is not null"
                " order by id desc limit 1"
            ).fetchone()
        return int(count), (str(last[0]) if last else None)

    def depth(self) -> int:
        """Return how many samples wait to be shipped."""
        with self._database.reading() as db:
            row = db.execute(
                "select count(*) from status_samples where shipped_at is null"
            ).fetchone()
        return int(row[0])
