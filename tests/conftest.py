"""Shared fixtures: a real sandbox over HTTP, one per test module."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pcscd_support import Pcscd
from postgres_support import postgres_server

from ministry_sandbox.testing import SandboxClient, serve_sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxClient]:
    """Serve a fresh seeded sandbox on a free loopback port for this test module."""
    with serve_sandbox() as client:
        yield client


@pytest.fixture(scope="session")
def pcscd() -> Iterator[Pcscd]:
    """Run the real pcscd with the vpcd virtual readers for the whole session."""
    daemon = Pcscd()
    daemon.start()
    yield daemon
    daemon.stop()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Run a private PostgreSQL server for the whole session; yield its URL."""
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def fleet_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Return a fresh, empty fleet database URL: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "fleet.db")
    import psycopg

    server: str = request.getfixturevalue("postgres_url")
    name = f"fleet_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"create database {name}")
    return server.rsplit("/", 1)[0] + f"/{name}"
