"""The fleet monitor's storage: kiosks and their tokens, users, runs of samples, last state.

SQLite by default (a file path or ``sqlite:///path``); PostgreSQL with a
``postgresql://`` URL (``admin_tools.fleet.sql``). What is stored per kiosk is its runs
(``admin_tools.fleet.timeline``), with their sample times run-length encoded and what their
samples said beyond the state (``timeline.condition``: each service's cause, the reason),
and the newest sample's details (services as sent, devices, warnings, reason, outbox depth,
version) for the dashboard: not one row per sample.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from admin_tools.fleet import runs_codec
from admin_tools.fleet.sql import Database, DatabaseUnavailable, connect
from admin_tools.fleet.timeline import Run, Span, add_sample, condition, runs_of
from offline_store.secret_hash import check_secret, hash_secret

logger = logging.getLogger(__name__)

GRACE_SECONDS = 60.0
ROLES = ("ops", "technician")
ADDED_COLUMNS = (("runs", "detail"), ("latest", "reason"), ("latest", "warnings"))
"""Text columns added to databases made before them (``FleetStore._add_columns``)."""


@dataclass(frozen=True)
class Sample:
    """One status sample of one kiosk (``at`` in seconds since the epoch)."""

    at: float
    state: str
    services: dict[str, Any]
    """Each service: ``True``, ``False`` (an older kiosk, no cause) or
    ``{"available": False, "cause": …}``."""
    devices: dict[str, Any]
    outbox_depth: int
    version: str
    counters: list[dict[str, Any]] = field(default_factory=list)
    """The month's counters (``api.MonthCounters``), for the monthly report."""
    reason: str = ""
    """Why the kiosk is down or degraded, in its words (``storage_full``…)."""
    warnings: dict[str, str] = field(default_factory=dict)
    """Devices that work but need attention (``{"printer": "paper_low"}``)."""

    @property
    def detail(self) -> str:
        """What the sample says beyond its state, as its run keeps it."""
        return condition(self.state, self.services, self.reason)


class FleetStore:
    """Everything the monitor keeps, behind one connection (thread-safe, see ``sql``)."""

    def __init__(self, url: str, grace: float = GRACE_SECONDS) -> None:
        self.db: Database = connect(url)
        self.grace = grace
        self.db.migrate()
        self._add_columns()
        self._token_cache: dict[str, str] = {}

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def _add_columns(self) -> None:
        """Add the columns of ``ADDED_COLUMNS`` a database made before them lacks."""
        for table, column in ADDED_COLUMNS:
            if self._has_column(table, column):
                continue
            logger.info("adding the column %s.%s", table, column)
            try:
                with self.db.transaction() as tx:
                    tx.execute(f"alter table {table} add column {column} text not null default ''")
            except Exception:
                if not self._has_column(table, column):  # else: another replica added it
                    raise

    def _has_column(self, table: str, column: str) -> bool:
        try:
            with self.db.transaction() as tx:
                tx.one(f"select {column} from {table} limit 1")
        except Exception:  # sqlite3 and psycopg each have their own "no such column"
            return False
        return True

    # -- kiosks and users --------------------------------------------------------------
    def add_kiosk(self, kiosk_id: str, site: str) -> str:
        """Register a kiosk; return its new token (only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        with self.db.transaction() as tx:
            if tx.one("select 1 from kiosks where kiosk_id = ?", [kiosk_id]):
                raise ValueError(f"kiosk {kiosk_id} is already registered")
            tx.execute(
                "insert into kiosks (kiosk_id, site, token_hash) values (?, ?, ?)",
                [kiosk_id, site, hash_secret(token)],
            )
        return token

    def kiosk_token_ok(self, kiosk_id: str, token: str) -> bool:
        """Tell whether ``token`` is the kiosk's (a known kiosk with the right token)."""
        if self._token_cache.get(kiosk_id) == hashlib.sha256(token.encode()).hexdigest():
            return True  # scrypt is slow on purpose: checked once per token and process
        row = self.db.one("select token_hash from kiosks where kiosk_id = ?", [kiosk_id])
        if row is None or not check_secret(token, row[0]):
            return False
        self._token_cache[kiosk_id] = hashlib.sha256(token.encode()).hexdigest()
        return True

    def kiosks(self) -> list[tuple[str, str]]:
        """Return (kiosk id, site) of every registered kiosk."""
        return [(row[0], row[1]) for row in self.db.all("select kiosk_id, site from kiosks")]

    def add_user(self, name: str, role: str, password: str) -> None:
        """Register a dashboard and API user."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if len(password) < 12:
            raise ValueError("the password must have at least 12 characters")
        with self.db.transaction() as tx:
            if tx.one("select 1 from users where name = ?", [name]):
                raise ValueError(f"user {name} already exists")
            tx.execute(
                "insert into users (name, role, password_hash) values (?, ?, ?)",
                [name, role, hash_secret(password)],
            )

    def user_role(self, name: str, password: str) -> str | None:
        """Return the user's role if the password is right, else None."""
        row = self.db.one("select role, password_hash from users where name = ?", [name])
        if row is None or not check_secret(password, row[1]):
            return None
        return str(row[0])

    def session_secret(self) -> bytes:
        """Return the key that signs dashboard sessions (made once, shared by replicas)."""
        with self.db.transaction() as tx:
            row = tx.one("select value from settings where key = 'session_secret'")
            if row is None:
                value = secrets.token_hex(32)
                tx.execute(
                    "insert into settings (key, value) values ('session_secret', ?)", [value]
                )
                return bytes.fromhex(value)
        return bytes.fromhex(row[0])

    # -- samples -------------------------------------------------------------------------
    def add_samples(self, kiosk_id: str, samples: Iterable[Sample]) -> int:
        """Fold samples into the kiosk's runs in one transaction; return how many were given.

        The runs touched are those within the grace period of the batch; they are read,
        the samples added (``timeline.add_sample``), and written back.
        """
        # Times are kept to the millisecond (as stored): a repeat must match itself.
        batch = sorted(
            (replace(s, at=round(s.at * 1000) / 1000) for s in samples), key=lambda s: s.at
        )
        if not batch:
            return 0
        try:
            self._fold(kiosk_id, batch)
        except DatabaseUnavailable:
            # The connection was cut (PostgreSQL restarted), maybe after the commit: fold
            # the batch once more on a new one. A batch folded twice changes nothing
            # (repeated samples merge into the same runs; counters and latest keep the
            # newest), so the kiosk's samples are never counted twice.
            logger.warning(
                "connection cut while storing samples of %s: folding them again", kiosk_id
            )
            self._fold(kiosk_id, batch)
        return len(batch)

    def _fold(self, kiosk_id: str, batch: list[Sample]) -> None:
        """Fold a sorted batch into the kiosk's runs, counters and latest, in one transaction."""
        low, high = batch[0].at - self.grace, batch[-1].at + self.grace
        with self.db.transaction() as tx:
            # Two replicas given the same kiosk's batches at once take turns (PostgreSQL;
            # SQLite's writes are serial already).
            tx.lock("select 1 from kiosks where kiosk_id = ?", [kiosk_id])
            rows = tx.all(
                "select id, state, times, last_at, detail from runs where kiosk_id = ?"
                " and last_at >= ?"
                " and start_at <= ? order by start_at",
                [kiosk_id, low, high],
            )
            if all(row[3] < batch[0].at for row in rows):
                self._append(tx, kiosk_id, rows[-1] if rows else None, batch)
            else:
                self._merge(tx, kiosk_id, rows, batch)
            self._keep_counters(tx, kiosk_id, batch)
            newest = batch[-1]
            tx.execute(
                "insert into latest (kiosk_id, at, state, services, devices, outbox_depth,"
                " version, reason, warnings) values (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " on conflict (kiosk_id) do update set"
                " at = excluded.at, state = excluded.state, services = excluded.services,"
                " devices = excluded.devices, outbox_depth = excluded.outbox_depth,"
                " version = excluded.version, reason = excluded.reason,"
                " warnings = excluded.warnings where excluded.at > latest.at",
                [
                    kiosk_id,
                    newest.at,
                    newest.state,
                    json.dumps(newest.services, sort_keys=True),
                    json.dumps(newest.devices, sort_keys=True),
                    newest.outbox_depth,
                    newest.version,
                    newest.reason,
                    json.dumps(newest.warnings, sort_keys=True),
                ],
            )

    def runs(self, kiosk_id: str) -> list[Run]:
        """Return one kiosk's runs with their sample times, in order."""
        rows = self.db.all(
            "select state, times, detail from runs where kiosk_id = ? order by start_at",
            [kiosk_id],
        )
        return [Run(state, runs_codec.decode(times), detail) for state, times, detail in rows]

    @staticmethod
    def _keep_counters(tx: Database, kiosk_id: str, batch: list[Sample]) -> None:
        """Keep each month's newest counters of the kiosk (they only grow within a month)."""
        newest: dict[str, tuple[float, dict[str, Any]]] = {}
        for sample in batch:
            for counters in sample.counters:
                month = str(counters["month"])
                if month not in newest or sample.at > newest[month][0]:
                    newest[month] = (sample.at, counters)
        for month, (at, counters) in newest.items():
            tx.execute(
                "insert into counters (kiosk_id, month, at, body) values (?, ?, ?, ?)"
                " on conflict (kiosk_id, month) do update set at = excluded.at,"
                " body = excluded.body where excluded.at > counters.at",
                [kiosk_id, month, at, json.dumps(counters, sort_keys=True)],
            )

    def month_counters(self, month: str) -> dict[str, dict[str, Any]]:
        """Return each kiosk's newest counters for ``month``."""
        rows = self.db.all("select kiosk_id, body from counters where month = ?", [month])
        return {kiosk_id: json.loads(body) for kiosk_id, body in rows}

    def _append(
        self, tx: Database, kiosk_id: str, last: tuple[Any, ...] | None, batch: list[Sample]
    ) -> None:
        """The usual case: every sample is newer than the kiosk's newest run."""
        fresh = runs_of([(s.at, s.state, s.detail) for s in batch], self.grace)
        joins = (
            last is not None and fresh and (fresh[0].state, fresh[0].detail) == (last[1], last[4])
        )
        if joins and last is not None and fresh[0].start - last[3] <= self.grace:
            head = fresh.pop(0)
            tx.execute(
                "update runs set last_at = ?, times = ? where id = ?",
                [head.last, runs_codec.extend(last[2], last[3], head.times), last[0]],
            )
        self._insert(tx, kiosk_id, fresh)

    def _merge(
        self, tx: Database, kiosk_id: str, rows: list[tuple[Any, ...]], batch: list[Sample]
    ) -> None:
        """Late, repeated or out-of-order samples: rebuild the runs they touch."""
        before = [Run(row[1], runs_codec.decode(row[2]), row[4]) for row in rows]
        after = before
        for sample in batch:
            after = add_sample(after, sample.at, sample.state, self.grace, sample.detail)
        if after == before:
            return
        marks = ", ".join("?" for _ in rows)
        tx.execute(f"delete from runs where id in ({marks})", [row[0] for row in rows])
        self._insert(tx, kiosk_id, after)

    @staticmethod
    def _insert(tx: Database, kiosk_id: str, runs: list[Run]) -> None:
        if runs:
            tx.execute_many(
                "insert into runs (kiosk_id, state, start_at, last_at, times, detail)"
                " values (?, ?, ?, ?, ?, ?)",
                [
                    [kiosk_id, r.state, r.start, r.last, runs_codec.encode(r.times), r.detail]
                    for r in runs
                ],
            )

    def histories(self, until: float | None = None) -> dict[str, list[Span]]:
        """Return every registered kiosk's runs (those starting before ``until``), in order,
        without their inner sample times (reports need only where each run starts and ends)."""
        found: dict[str, list[Span]] = {kiosk_id: [] for kiosk_id, _site in self.kiosks()}
        sql = "select kiosk_id, state, start_at, last_at, detail from runs"
        params: list[Any] = []
        if until is not None:
            sql += " where start_at < ?"
            params.append(until)
        for kiosk_id, state, start, last, detail in self.db.all(
            sql + " order by kiosk_id, start_at", params
        ):
            found.setdefault(kiosk_id, []).append(Span(state, start, last, detail))
        return found

    def latest(self) -> dict[str, dict[str, Any]]:
        """Return each kiosk's newest sample's details, with its site."""
        rows = self.db.all(
            "select k.kiosk_id, k.site, l.at, l.state, l.services, l.devices, l.outbox_depth,"
            " l.version, l.reason, l.warnings"
            " from kiosks k left join latest l on l.kiosk_id = k.kiosk_id"
        )
        return {
            row[0]: {
                "site": row[1],
                "at": row[2],
                "state": row[3],
                "services": json.loads(row[4]) if row[4] else {},
                "devices": json.loads(row[5]) if row[5] else {},
                "outbox_depth": row[6],
                "version": row[7],
                "reason": row[8] or "",
                "warnings": json.loads(row[9]) if row[9] else {},
            }
            for row in rows
        }
