"""`kiosk-fleet`: register kiosks and users from the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from admin_tools.fleet.store import FleetStore

FLEET = str(Path(sys.executable).parent / "kiosk-fleet")


def fleet(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLEET, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def test_a_kiosk_gets_a_token_once_and_a_user_reads_the_password_from_stdin(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "fleet.db")
    added = fleet("kiosks", "add", "gatineau-plateau-07", "--site", "Les Promenades", "--db", db)
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip()
    assert len(token) >= 40
    again = fleet("kiosks", "add", "gatineau-plateau-07", "--site", "Les Promenades", "--db", db)
    assert again.returncode == 2
    assert "already registered" in again.stderr

    user = fleet(
        "users", "add", "ops-zoé", "--role", "ops", "--db", db, stdin="un mot de passe long\n"
    )
    assert user.returncode == 0, user.stderr
    short = fleet("users", "add", "tech", "--role", "technician", "--db", db, stdin="court\n")
    assert short.returncode == 2
    assert "at least 12 characters" in short.stderr

    store = FleetStore(db)
    assert store.kiosk_token_ok("gatineau-plateau-07", token)
    assert store.user_role("ops-zoé", "un mot de passe long") == "ops"
    store.close()


def test_every_command_has_help() -> None:
    for command in ("serve", "kiosks", "users", "report", "simulate"):
        done = fleet(command, "--help")
        assert done.returncode == 0
        assert "--db" in done.stdout or "add" in done.stdout
