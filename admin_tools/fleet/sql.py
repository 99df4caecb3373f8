"""One small SQL layer over SQLite and PostgreSQL for the fleet monitor.

Statements are written once with ``?`` placeholders and the SQL both engines speak
(``on conflict … do update``); for PostgreSQL the placeholders become ``%s``. The schema is
the only part written twice. A connection is shared by the server's threads under a lock:
the monitor's writes are short, and PostgreSQL replicas each hold their own.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from transactions.errors import KioskError

logger = logging.getLogger(__name__)
T = TypeVar("T")

SCHEMA_SQLITE = """
create table if not exists kiosks (
    kiosk_id text primary key, site text not null, token_hash text not null);
create table if not exists users (
    name text primary key, role text not null, password_hash text not null);
create table if not exists runs (
    id integer primary key autoincrement, kiosk_id text not null, state text not null,
    start_at double precision not null, last_at double precision not null, times text not null);
create index if not exists runs_by_kiosk on runs (kiosk_id, start_at);
create table if not exists counters (
    kiosk_id text not null, month text not null, at double precision not null,
    body text not null, primary key (kiosk_id, month));
create table if not exists settings (key text primary key, value text not null);
create table if not exists latest (
    kiosk_id text primary key, at double precision not null, state text not null,
    services text not null, devices text not null, outbox_depth integer not null,
    version text not null);
create table if not exists notification_attempts (
    id integer primary key autoincrement, incident_id text not null, event text not null,
    channel text not null, attempt integer not null, ok integer not null, error text not null,
    at double precision not null);
create index if not exists notification_attempts_by_incident
    on notification_attempts (incident_id, event, channel);
create table if not exists notification_claims (
    incident_id text not null, event text not null, channel text not null,
    owner text not null, claimed_at double precision not null,
    primary key (incident_id, event, channel));
"""
SCHEMA_POSTGRES = SCHEMA_SQLITE.replace(
    "integer primary key autoincrement", "bigserial primary key"
)


class DatabaseUnavailable(KioskError):
    """Raise when the monitor's database cannot be reached now: try again later.

    A write that raised it may have been applied or not (its commit's answer was lost): only
    writes that change nothing when repeated are tried again (``FleetStore.add_samples``).
    """

    code = "fleet_database_unavailable"


class Database:
    """A connection with ``execute``/``one``/``all`` and transactions.

    When PostgreSQL cut the connection (a restart, a failover), the next call opens a new
    one (``reconnect``); a read outside a transaction that met the cut is run once more on
    the new connection, anything else raises ``DatabaseUnavailable``.
    """

    def __init__(
        self,
        connection: Any,
        placeholder: str,
        schema: str,
        reconnect: Callable[[], Any] | None = None,
    ) -> None:
        self._connection = connection
        self._placeholder = placeholder
        self._schema = schema
        self._reconnect = reconnect
        self._lock = threading.RLock()
        self._in_transaction = False

    def _sql(self, sql: str) -> str:
        return sql if self._placeholder == "?" else sql.replace("?", self._placeholder)

    def _lost(self) -> bool:
        """Tell whether the server cut the connection (psycopg marks it broken)."""
        return self._reconnect is not None and bool(
            self._connection.closed or self._connection.broken
        )

    def _usable(self) -> None:
        """Open a new connection if the last one was cut; never within a transaction."""
        if not self._lost() or self._reconnect is None:
            return
        if self._in_transaction:
            raise DatabaseUnavailable("the connection to the database was cut mid-transaction")
        self._connection = self._reconnect()
        logger.info("reconnected to the database")

    def _call(self, work: Callable[[], T], *, read: bool) -> T:
        """Run ``work`` on a usable connection; a read outside a transaction whose
        connection was cut is run again on a new one."""
        with self._lock:
            again = read and not self._in_transaction
            self._usable()
            try:
                return work()
            except Exception as err:
                if not self._lost():
                    raise
                if not again:
                    raise DatabaseUnavailable(f"the database cut the connection: {err}") from err
                logger.warning("the database cut the connection; reading again")
            self._usable()
            try:
                return work()
            except Exception as err:
                if self._lost():
                    raise DatabaseUnavailable(f"the database cut the connection: {err}") from err
                raise

    def migrate(self) -> None:
        """Create what is missing."""
        with self.transaction() as tx:
            for statement in filter(str.strip, self._schema.split(";")):
                tx.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """Run the block as one transaction (under the connection's lock)."""
        with self._lock:
            self._usable()
            self._begin()
            self._in_transaction = True
            try:
                yield self
            except BaseException:
                if not self._lost():  # the server rolled back what it had of it
                    self._connection.rollback()
                raise
            else:
                self._call(self._connection.commit, read=False)
            finally:
                self._in_transaction = False

    def _begin(self) -> None:
        if self._placeholder == "?":
            self._connection.execute("begin immediate")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement."""

        def work() -> None:
            cursor = self._connection.cursor()
            cursor.execute(self._sql(sql), list(params))
            cursor.close()
            if not self._in_transaction:
                self._connection.commit()

        self._call(work, read=False)

    def lock(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Lock the rows ``sql`` selects until the transaction ends (PostgreSQL's
        ``for update``; SQLite's ``begin immediate`` has locked the whole file already)."""
        if self._placeholder != "?":
            self.all(sql + " for update", params)

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement per row."""

        def work() -> None:
            cursor = self._connection.cursor()
            cursor.executemany(self._sql(sql), [list(row) for row in rows])
            cursor.close()
            if not self._in_transaction:
                self._connection.commit()

        self._call(work, read=False)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Return every row of a query."""

        def work() -> list[tuple[Any, ...]]:
            cursor = self._connection.cursor()
            cursor.execute(self._sql(sql), list(params))
            rows = [tuple(row) for row in cursor.fetchall()]
            cursor.close()
            if not self._in_transaction:
                self._connection.commit()  # PostgreSQL opened a transaction to read
            return rows

        return self._call(work, read=True)

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """Return the first row of a query, or None."""
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._reconnect = None
            self._connection.close()


POSTGRESQL_DEFAULTS = {
    "connect_timeout": "10",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
    "tcp_user_timeout": "60000",
    "application_name": "kiosk-fleet",
}
"""Unless the URL says otherwise: give up connecting after 10 s, and notice a server that
vanished without closing (a dead host) within about a minute, waiting for an answer
(keepalives) or sending (unacknowledged data), instead of hanging."""


def connect_postgresql(url: str) -> Any:
    """Open a psycopg connection to ``url``, or raise ``DatabaseUnavailable``."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        settings = {**POSTGRESQL_DEFAULTS, **conninfo_to_dict(url)}
    except psycopg.ProgrammingError:
        # Not the URL itself in the message: it may hold a password.
        raise ValueError("the database URL is not a valid postgresql:// URL") from None
    try:
        return psycopg.connect(make_conninfo("", **settings))
    except psycopg.OperationalError as err:
        raise DatabaseUnavailable(f"PostgreSQL cannot be reached: {err}") from err


def connect(url: str) -> Database:
    """Open ``url``: ``postgresql://…``, ``sqlite:///path`` or a plain file path."""
    if url.startswith(("postgresql://", "postgres://")):
        return Database(
            connect_postgresql(url), "%s", SCHEMA_POSTGRES, lambda: connect_postgresql(url)
        )
    path = Path(url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    connection.execute("pragma journal_mode=wal")
    connection.execute("pragma synchronous=full")  # an accepted sample survives a power cut
    return Database(_AutocommitSqlite(connection), "?", SCHEMA_SQLITE)


class _AutocommitSqlite:
    """sqlite3 in autocommit mode with explicit ``begin``: commit/rollback only if open."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str) -> None:
        self._connection.execute(sql)

    def cursor(self) -> sqlite3.Cursor:
        return self._connection.cursor()

    def commit(self) -> None:
        if self._connection.in_transaction:
            self._connection.execute("commit")

    def rollback(self) -> None:
        if self._connection.in_transaction:
            self._connection.execute("rollback")

    def close(self) -> None:
        self._connection.close()
