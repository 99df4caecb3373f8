"""The technician's PIN: a scrypt hash only; 10 wrong tries lock it for 30 min, across restarts."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk_runs import KIOSK, kiosk_env

from offline_store.database import KioskDatabase
from offline_store.secret_hash import check_secret, hash_secret
from offline_store.technician_pin import MAX_TRIES, PinGuard, PinOutcome

NOW = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)  # a technician in a mall at 9 pm
PIN = "482917"


def test_ten_wrong_pins_lock_for_30_minutes_and_a_restart_keeps_the_lock(tmp_path: Path) -> None:
    stored = hash_secret(PIN)
    database = KioskDatabase(tmp_path / "kiosk.db")
    guard = PinGuard(database, stored)
    assert guard.attempt("000000", NOW).tries_left == MAX_TRIES - 1
    assert guard.attempt(PIN, NOW).outcome is PinOutcome.ACCEPTED  # a right one resets
    for number in range(MAX_TRIES - 1):
        answer = guard.attempt(f"11111{number}", NOW)
        assert (answer.outcome, answer.tries_left) == (PinOutcome.WRONG, MAX_TRIES - 1 - number)
    locked = guard.attempt("222222", NOW)
    assert locked.outcome is PinOutcome.LOCKED
    assert locked.locked_until == NOW + timedelta(minutes=30)
    database.close()

    restarted = KioskDatabase(tmp_path / "kiosk.db")  # the kiosk was restarted
    again = PinGuard(restarted, stored)
    assert again.attempt(PIN, NOW + timedelta(minutes=29)).outcome is PinOutcome.LOCKED
    assert again.attempt(PIN, NOW + timedelta(minutes=31)).outcome is PinOutcome.ACCEPTED
    restarted.close()


def test_no_pin_set_opens_nothing(tmp_path: Path) -> None:
    database = KioskDatabase(tmp_path / "kiosk.db")
    assert PinGuard(database, None).attempt("123456", NOW).outcome is PinOutcome.WRONG
    database.close()


def test_the_command_writes_only_a_hash_readable_by_its_owner(tmp_path: Path) -> None:
    out = tmp_path / "technician-pin"
    done = subprocess.run(
        [KIOSK, "technician", "pin", "--out", str(out)],
        input=PIN + "\n", capture_output=True, text=True, timeout=60, env=kiosk_env(), check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    stored = out.read_text(encoding="utf-8")
    assert PIN not in stored
    assert check_secret(PIN, stored)
    assert out.stat().st_mode & 0o777 == 0o600
    short = subprocess.run(
        [KIOSK, "technician", "pin"], input="12\n", capture_output=True, text=True,
        timeout=60, env=kiosk_env(), check=False,
    )  # fmt: skip
    assert short.returncode == 2
    assert "6 to 12 digits" in short.stderr
