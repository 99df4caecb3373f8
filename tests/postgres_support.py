"""A private PostgreSQL server for the tests, from Debian's packages (system-packages/fleet.txt).

``initdb`` makes a throwaway cluster in a fresh folder and ``pg_ctl`` serves it on a free
loopback port, trusting local connections; it is stopped and removed at the end. PostgreSQL
will not run as root, so under root (CI) it runs as the ``postgres`` user the package made.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def _bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    assert found, "PostgreSQL is in system-packages/fleet.txt: run make test (it installs it)"
    return str(found[-1])


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class PostgresServer:
    """A private server's folder and port; ``stop`` and ``start`` restart it (tests of
    reconnection)."""

    folder: Path
    port: int

    @property
    def url(self) -> str:
        """Return the URL of its ``postgres`` database, as the superuser ``fleet``."""
        return f"postgresql://fleet@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Serve the cluster and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_server_user(
                [
                    _bin("pg_ctl"),
                    "-D",
                    str(self.folder / "data"),
                    "-o",
                    options,
                    "-w",
                    "-l",
                    str(self.folder / "log"),
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        """Stop it as an administrator would (fast: open connections are cut)."""
        subprocess.run(
            _as_server_user(
                [_bin("pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop"]
            ),
            check=False,
            capture_output=True,
        )


@contextmanager
def private_postgres() -> Iterator[PostgresServer]:
    """Run a throwaway PostgreSQL; yield it (its URL, ``stop`` and ``start``)."""
    folder = Path(tempfile.mkdtemp(prefix="kiosk-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(folder, account.pw_uid, account.pw_gid)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subprocess.run(
        _as_server_user(
            [_bin("initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "fleet", "--no-sync"]
        ),
        check=True,
        capture_output=True,
    )
    server = PostgresServer(folder, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Run a throwaway PostgreSQL; yield its URL."""
    with private_postgres() as server:
        yield server.url
