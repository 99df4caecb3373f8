"""Where `kiosk-fleet` keeps its data when no --db is given.

As a service (systemd sets $STATE_DIRECTORY and $CREDENTIALS_DIRECTORY) it uses the URL of
the credential ``kiosk-fleet-database-url``, else ``fleet.db`` in its state directory.
Anywhere else it refuses and names --db, rather than starting an empty monitor in a new
``fleet.db`` wherever the command happened to run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from admin_tools.fleet.store import FleetStore

FLEET = str(Path(sys.executable).parent / "kiosk-fleet")
KIOSK = "trois-rivières-aréna-04"
SITE = "Colisée, 1er étage, porte 3"
PASSWORD = "mot-de-passe-très-secret"


def fleet(
    folder: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """Run kiosk-fleet in ``folder`` with systemd's variables only as given in ``env``."""
    clean = {
        k: v for k, v in os.environ.items() if k not in ("STATE_DIRECTORY", "CREDENTIALS_DIRECTORY")
    }
    return subprocess.run(
        [FLEET, *args],
        cwd=folder,
        env={**clean, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


COMMANDS = {
    "serve": ["serve", "--port", "0"],
    "kiosks add": ["kiosks", "add", KIOSK, "--site", SITE],
    "users add": ["users", "add", "ops-éloïse", "--role", "ops"],
    "report": ["report", "--month", "2026-11"],
    "simulate": ["simulate", "--kiosks", "1", "--days", "0.01"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_without_db_outside_systemd_a_command_refuses_naming_db_and_makes_no_file(
    tmp_path: Path, command: str
) -> None:
    done = fleet(tmp_path, *COMMANDS[command], stdin="une phrase de passe longue\n")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--db" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_as_a_service_the_commands_keep_fleet_db_in_the_state_directory(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)  # systemd makes it (StateDirectory=kiosk-fleet)
    here = tmp_path / "here"
    here.mkdir()
    added = fleet(here, *COMMANDS["kiosks add"], STATE_DIRECTORY=str(state))
    assert added.returncode == 0, added.stderr
    report = fleet(here, *COMMANDS["report"], STATE_DIRECTORY=str(state))
    assert report.returncode == 0, report.stderr
    assert list(here.iterdir()) == []
    store = FleetStore(str(state / "fleet.db"))
    assert store.kiosks() == [(KIOSK, SITE)]
    store.close()


def credentials_with(folder: Path, url: str) -> Path:
    """Return a credentials folder as systemd hands it over, holding the database URL."""
    credentials = folder / "credentials"
    credentials.mkdir(mode=0o700)
    (credentials / "kiosk-fleet-database-url").write_text(url + "\n", encoding="utf-8")
    return credentials


def test_an_empty_database_credential_means_the_state_directory(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    credentials = credentials_with(tmp_path, "")  # what install-fleet.sh leaves for SQLite
    added = fleet(
        tmp_path,
        *COMMANDS["kiosks add"],
        STATE_DIRECTORY=str(state),
        CREDENTIALS_DIRECTORY=str(credentials),
    )
    assert added.returncode == 0, added.stderr
    assert (state / "fleet.db").is_file()


def test_the_database_credential_wins_and_its_password_is_never_shown(
    tmp_path: Path, postgres_url: str
) -> None:
    name = f"fleet_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"create database {name}")
    # The private server trusts loopback: any password gets in, so one can be given.
    address = postgres_url.removeprefix("postgresql://fleet@").rsplit("/", 1)[0]
    url = f"postgresql://fleet:{PASSWORD}@{address}/{name}"
    state = tmp_path / "state"
    state.mkdir()
    env = {
        "STATE_DIRECTORY": str(state),
        "CREDENTIALS_DIRECTORY": str(credentials_with(tmp_path, url)),
    }
    added = fleet(tmp_path, *COMMANDS["kiosks add"], **env)
    assert added.returncode == 0, added.stderr
    simulated = fleet(tmp_path, *COMMANDS["simulate"], **env)
    assert simulated.returncode == 0, simulated.stderr
    assert "fleet:***@" in simulated.stdout
    assert PASSWORD not in simulated.stdout + simulated.stderr + added.stderr
    assert list(state.iterdir()) == []
    store = FleetStore(url)
    assert (KIOSK, SITE) in store.kiosks()
    store.close()


def test_an_unreachable_database_is_a_message_and_exit_1_not_a_traceback(
    tmp_path: Path,
) -> None:
    import socket

    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = fleet(
        tmp_path, *COMMANDS["kiosks add"], "--db", f"postgresql://fleet@127.0.0.1:{port}/x"
    )
    assert done.returncode == 1
    assert "PostgreSQL cannot be reached" in done.stderr
    assert "Traceback" not in done.stderr
