"""The fleet monitor on PostgreSQL lives through a restart of its database server.

A private server (``postgres_support``) is stopped and started again mid-test, as an
administrator's ``systemctl restart postgresql`` would: while it is down the monitor
answers "unavailable" at once (503 over HTTP, never a 500 and never a hang), and once it is
back the very next request is served on a new connection.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from fleet_server_support import served_from_the_credential
from fleet_support import OPS
from postgres_support import PostgresServer, private_postgres

from admin_tools.fleet.sql import DatabaseUnavailable
from admin_tools.fleet.store import FleetStore, Sample

KIOSK = "lévis-desjardins-03"
SITE = "Galeries Chagnon, local 112-B"


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    """A private PostgreSQL for this module alone: its restarts must not cut other tests'."""
    with private_postgres() as running:
        yield running


def fresh_database(server: PostgresServer) -> str:
    """Create an empty database on ``server``; return its URL."""
    name = f"fleet_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.url, autocommit=True) as admin:
        admin.execute(f"create database {name}")
    return server.url.rsplit("/", 1)[0] + f"/{name}"


def samples(first: float, count: int, state: str = "up") -> list[Sample]:
    """Return ``count`` samples 15 s apart from ``first``."""
    return [
        Sample(first + 15 * i, state, {"fine": True}, {"printer": "ok"}, 0, "1.4.0")
        for i in range(count)
    ]


def test_the_store_refuses_at_once_while_postgresql_is_down_and_serves_again_after(
    server: PostgresServer,
) -> None:
    store = FleetStore(fresh_database(server))
    try:
        store.add_kiosk(KIOSK, SITE)
        origin = 1_795_000_000.0
        assert store.add_samples(KIOSK, samples(origin, 4)) == 4
        server.stop()
        try:
            with pytest.raises(DatabaseUnavailable):
                store.add_samples(KIOSK, samples(origin + 60, 4))
            with pytest.raises(DatabaseUnavailable):
                store.runs(KIOSK)
        finally:
            server.start()
        assert store.add_samples(KIOSK, samples(origin + 120, 4)) == 4
        runs = store.runs(KIOSK)
    finally:
        store.close()
    # The samples refused during the outage are not there; the kiosk sends them again.
    assert [(run.state, run.times[0], run.times[-1]) for run in runs] == [
        ("up", origin, origin + 45),
        ("up", origin + 120, origin + 165),
    ]


def test_a_read_on_a_connection_cut_by_the_restart_is_answered_on_a_new_one(
    server: PostgresServer,
) -> None:
    store = FleetStore(fresh_database(server))
    try:
        store.add_kiosk(KIOSK, SITE)
        server.stop()
        server.start()
        assert store.kiosks() == [(KIOSK, SITE)]
    finally:
        store.close()


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def posted(url: str, token: str, first: float, count: int) -> requests.Response:
    body = {
        "kiosk_id": KIOSK,
        "samples": [
            {"at": rfc3339(first + 15 * i), "state": "up", "services": {"fine": True}}
            for i in range(count)
        ],
    }
    return requests.post(
        f"{url}/api/v1/samples",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def availability(url: str, start: float, end: float) -> requests.Response:
    return requests.get(
        f"{url}/api/v1/availability",
        params={"start": rfc3339(start), "end": rfc3339(end)},
        auth=OPS,
        timeout=30,
    )


def test_the_served_monitor_answers_503_during_a_postgresql_restart_and_serves_again_after(
    server: PostgresServer, tmp_path: Path
) -> None:
    database_url = fresh_database(server)
    store = FleetStore(database_url)
    token = store.add_kiosk(KIOSK, SITE)
    store.add_user(OPS[0], "ops", OPS[1])
    store.close()
    origin = time.time() - 300
    seen: dict[str, Any] = {}
    with served_from_the_credential(database_url, tmp_path) as url:
        seen["before"] = posted(url, token, origin, 10).status_code
        server.stop()
        try:
            during = [posted(url, token, origin + 150, 2), availability(url, origin, origin + 1)]
        finally:
            server.start()
        seen["during"] = [answer.status_code for answer in during]
        seen["retry_after"] = during[0].headers.get("retry-after")
        seen["after"] = posted(url, token, origin + 150, 10).status_code
        report = availability(url, origin, time.time() + 3600)
    assert seen == {"before": 202, "during": [503, 503], "retry_after": "5", "after": 202}
    assert "database" in during[0].json()["detail"]
    assert report.status_code == 200, report.text
    assert [kiosk["kiosk_id"] for kiosk in report.json()["kiosks"]] == [KIOSK]
    store = FleetStore(database_url)
    runs = store.runs(KIOSK)
    store.close()
    assert [len(run.times) for run in runs] == [20]  # both batches, each once
    assert not list(tmp_path.glob("*.db"))  # the credential's database, no file here
