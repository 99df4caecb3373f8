"""The worker that calls someone: a periodic pass over the incidents, deliveries retried.

One thread (``Notifier.start()``/``stop()``) computes the due events from the store
(``admin_tools.fleet.notifications``) every ``every`` seconds or when woken, and sends each
to every URL of its list through Apprise, retrying a failed delivery after a bounded,
doubling delay. Ingestion never waits for it: the thread shares only the store's
connection, and only for short reads and writes, never while sending. Each attempt is a
row of ``notification_attempts``; an event is done for a channel once one attempt
succeeded or ``attempts`` failed, so a restarted monitor neither repeats nor forgets one.
Events older than the first start of notifications are never sent (no flood of history).
Replicas of the monitor sharing a PostgreSQL database each claim a message before sending
it (``notification_claims``), so it is sent once.
"""

from __future__ import annotations

import functools
import heapq
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from admin_tools.fleet.availability import availability_report
from admin_tools.fleet.notifications import Audience, Channels, events_of, message
from admin_tools.fleet.store import FleetStore

logger = logging.getLogger(__name__)

Send = Callable[[str, str], str | None]
"""Send (title, body); return None when delivered, else what went wrong."""
IncidentSource = Callable[
    [float], tuple[Sequence[Mapping[str, Any]], Mapping[str, str], Mapping[str, str]]
]
"""Return (incident rows, site of each kiosk, device problems of each kiosk) at a time."""
LOOKBACK_SECONDS = 2 * 86400.0
SINCE_KEY = "notifications_since"
CLAIM_SECONDS = 3600.0
"""How long a replica's claim on a message holds (longer than all its attempts take)."""


@dataclass(frozen=True)
class Channel:
    """One Apprise URL: how it is shown (password hidden) and how to send to it."""

    label: str
    send: Send


def apprise_channel(url: str) -> Channel:
    """Return the channel of an Apprise URL, or raise ValueError (its password hidden)."""
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        scheme = url.partition("://")[0]
        raise ValueError(f"Apprise cannot use this {scheme}:// URL (see its wiki for the form)")
    shown = plugin.url(privacy=True)  # type: ignore[no-untyped-call]
    label = str(shown).partition("?")[0]

    def send(title: str, body: str) -> str | None:
        sender = apprise.Apprise()
        sender.add(plugin)
        with apprise.LogCapture(level=logging.WARNING) as log:  # type: ignore[no-untyped-call]
            delivered = bool(sender.notify(body=body, title=title))
        return None if delivered else (log.getvalue().strip()[-500:] or "not delivered")

    return Channel(label, send)


def store_incidents(store: FleetStore) -> IncidentSource:
    """Return the incidents of the last two days as ``GET /api/v1/availability`` has them."""

    def read(now: float) -> tuple[list[Any], dict[str, str], dict[str, str]]:
        histories = store.histories(until=now)
        sites = dict(store.kiosks())
        report = availability_report(
            histories, now - LOOKBACK_SECONDS, now, now, store.grace, sites=sites
        )
        latest = store.latest()
        problems = {
            kiosk_id: ", ".join(
                f"{name}: {value}"
                for name, value in sorted((info["devices"] or {}).items())
                if value != "ok"
            )
            for kiosk_id, info in latest.items()
        }
        return list(report["incidents"]), sites, problems

    return read


def record_attempt(
    store: FleetStore, key: tuple[str, str, str], attempt: int, error: str | None, at: float
) -> None:
    """Store one delivery attempt."""
    store.db.execute(
        "insert into notification_attempts (incident_id, event, channel, attempt, ok, error,"
        " at) values (?, ?, ?, ?, ?, ?, ?)",
        [*key, attempt, int(error is None), error or "", at],
    )


def attempts_of(store: FleetStore, incident: str) -> list[dict[str, Any]]:
    """Return an incident's delivery attempts, oldest first."""
    rows = store.db.all(
        "select event, channel, attempt, ok, error, at from notification_attempts"
        " where incident_id = ? order by at, id",
        [incident],
    )
    return [
        {"event": e, "channel": c, "attempt": a, "ok": bool(ok), "error": err, "at": at}
        for e, c, a, ok, err, at in rows
    ]


def _progress(
    store: FleetStore, incidents: set[str]
) -> dict[tuple[str, str, str], tuple[int, bool]]:
    """Return (attempts so far, delivered) of each (incident, event, channel) begun."""
    if not incidents:
        return {}
    marks = ", ".join("?" for _ in incidents)
    rows = store.db.all(
        "select incident_id, event, channel, max(attempt), max(ok) from notification_attempts"
        f" where incident_id in ({marks}) group by incident_id, event, channel",
        sorted(incidents),
    )
    return {(r[0], r[1], r[2]): (int(r[3]), bool(r[4])) for r in rows}


def claim(store: FleetStore, key: tuple[str, str, str], owner: str, now: float) -> bool:
    """Tell whether ``owner`` may send ``key``'s message: it claimed it first, or the
    claim of another (a replica that stopped) is older than ``CLAIM_SECONDS``."""
    with store.db.transaction() as tx:
        tx.execute(
            "insert into notification_claims (incident_id, event, channel, owner, claimed_at)"
            " values (?, ?, ?, ?, ?) on conflict (incident_id, event, channel) do update"
            " set owner = excluded.owner, claimed_at = excluded.claimed_at"
            " where notification_claims.claimed_at < ?",
            [*key, owner, now, now - CLAIM_SECONDS],
        )
        row = tx.one(
            "select owner from notification_claims where incident_id = ? and event = ?"
            " and channel = ?",
            list(key),
        )
    return row is not None and row[0] == owner


def notifications_since(store: FleetStore, now: float) -> float:
    """Return when notifications first started on this store (``now`` on the first call)."""
    store.db.execute(
        "insert into settings (key, value) values (?, ?) on conflict (key) do nothing",
        [SINCE_KEY, repr(now)],
    )
    row = store.db.one("select value from settings where key = ?", [SINCE_KEY])
    return float(row[0]) if row else now


@dataclass(order=True)
class _Job:
    ready: float
    order: int
    key: tuple[str, str, str] = field(compare=False)
    title: str = field(compare=False)
    body: str = field(compare=False)
    channel: Channel = field(compare=False)
    attempt: int = field(compare=False)


class Notifier:
    """Own the thread that tells each list of its incidents' events."""

    def __init__(
        self,
        store: FleetStore,
        channels: Mapping[Audience, Sequence[Channel]],
        public_url: str,
        clock: Callable[[], float] = time.time,
        *,
        source: IncidentSource | None = None,
        every: float = 15.0,
        attempts: int = 5,
        backoff: tuple[float, float] = (10.0, 600.0),
    ) -> None:
        self.store = store
        self.channels = channels
        self.public_url = public_url
        self.clock = clock
        self.source = source or store_incidents(store)
        self.every, self.attempts, self.backoff = every, attempts, backoff
        self._jobs: list[_Job] = []
        self._queued: set[tuple[str, str, str]] = set()
        self._order = 0
        self._since = 0.0
        self._owner = secrets.token_hex(8)
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker (notifications begin now on a store that never had them)."""
        self._since = notifications_since(self.store, self.clock())
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="fleet-notifier", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the worker; a delivery under way ends first (Apprise's own timeouts)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Look at the incidents now rather than at the next pass."""
        with self._lock:
            self._idle.clear()
            self._wake.set()

    def settled(self, timeout: float) -> bool:
        """Wait until a pass ran since the last ``wake`` and every delivery it queued
        ended (delivered or given up); tell whether it did within ``timeout`` seconds."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        next_pass = 0.0
        while not self._stopping.is_set():
            if self._wake.is_set() or time.monotonic() >= next_pass:
                self._wake.clear()
                self._guarded(self._pass)
                next_pass = time.monotonic() + self.every
            if self._jobs and self._jobs[0].ready <= time.monotonic():
                job = heapq.heappop(self._jobs)
                self._guarded(functools.partial(self._deliver, job))
                continue
            with self._lock:
                if not self._wake.is_set() and not self._jobs:
                    self._idle.set()
            ready = self._jobs[0].ready if self._jobs else next_pass
            self._wake.wait(max(0.0, min(ready, next_pass) - time.monotonic()))

    def _guarded(self, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:  # the database down, a bug: the worker lives on, tries again
            logger.exception("notifications: a pass failed; trying again at the next one")

    def _pass(self) -> None:
        """Queue every due event not yet delivered nor given up, oldest first."""
        rows, sites, problems = self.source(self.clock())
        due = sorted(
            (d for row in rows for d in events_of(row, problems) if d.at >= self._since),
            key=lambda d: d.at,
        )
        progress = _progress(self.store, {d.incident_id for d in due})
        for event in due:
            for channel in self.channels.get(event.audience, ()):
                key = (event.incident_id, event.event.value, channel.label)
                tried, delivered = progress.get(key, (0, False))
                if key in self._queued or delivered or tried >= self.attempts:
                    continue
                if not claim(self.store, key, self._owner, self.clock()):
                    continue  # another replica of the monitor sends it
                title, body = message(event, sites, self.public_url)
                self._queue(_Job(0.0, 0, key, title, body, channel, tried + 1), 0.0)
                logger.info("notifying %s of %s %s", channel.label, *key[:2])

    def _queue(self, job: _Job, delay: float) -> None:
        self._order += 1
        job.ready, job.order = time.monotonic() + delay, self._order
        self._queued.add(job.key)
        heapq.heappush(self._jobs, job)

    def _deliver(self, job: _Job) -> None:
        try:
            error = job.channel.send(job.title, job.body)
        except Exception as err:  # a plugin's bug must not end the worker
            error = f"{type(err).__name__}: {err}"
        try:
            record_attempt(self.store, job.key, job.attempt, error, self.clock())
        except Exception:  # the database down: the delivery stands, its record is lost
            logger.exception("could not record a notification attempt")
        if error is None or job.attempt >= self.attempts:
            self._queued.discard(job.key)
            if error is not None:
                logger.error(
                    "gave up notifying %s of %s %s: %s", job.channel.label, *job.key[:2], error
                )
            return
        first, cap = self.backoff
        job.attempt += 1
        self._queue(job, min(cap, first * 2 ** (job.attempt - 2)))


def channels_of(channels: Channels) -> dict[Audience, list[Channel]]:
    """Return each list's channels from its URLs, or raise ValueError on an unusable one."""
    return {audience: [apprise_channel(u) for u in channels.of(audience)] for audience in Audience}
