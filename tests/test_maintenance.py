"""Maintenance mode's parts without the screen: the hidden gesture, where the PIN's hash
comes from, the repair that survives a restart, and what the fleet monitor hears of it.

The touchscreen itself is in tests/test_ui_maintenance.py (Xvfb).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakes import FakeClock
from fleet_support import ORIGIN, at, serve_fleet

from kiosk_app.config import KioskConfig
from kiosk_app.diagnose import pin_check
from kiosk_app.fleet_reporter import FleetReporter
from kiosk_app.kiosk_status import KioskStatus, publish
from kiosk_app.maintenance import GESTURE_SECONDS, CornerTaps, load_pin_hash
from offline_store.database import KioskDatabase
from offline_store.repair_record import RepairRecord
from offline_store.secret_hash import hash_secret
from offline_store.technician_pin import MAX_TRIES, PinGuard, PinOutcome
from transactions.errors import KioskError

PORTRAIT = (1080.0, 1920.0)
CORNER = (1060.0, 1900.0)  # near the top-right corner (Kivy counts y from the bottom)
NOW = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)


def taps(gesture: CornerTaps, times: list[float], where: tuple[float, float] = CORNER) -> bool:
    opened = False
    for moment in times:
        opened = gesture.touched(*where, *PORTRAIT, moment)
    return opened


def test_five_quick_taps_in_the_top_right_corner_open_the_pin_pad() -> None:
    gesture = CornerTaps()
    assert not taps(gesture, [0.0, 0.5, 1.0, 1.5])
    assert taps(gesture, [2.0])
    assert not taps(gesture, [2.5])  # counting starts again after it opened


def test_a_tap_elsewhere_or_slow_taps_do_not_open_it() -> None:
    gesture = CornerTaps()
    taps(gesture, [0.0, 0.4, 0.8, 1.2])
    assert not gesture.touched(540, 960, *PORTRAIT, 1.6)  # a citizen touching the screen
    assert not taps(gesture, [2.0])
    slow = CornerTaps()
    spaced = [n * (GESTURE_SECONDS / 3) for n in range(5)]  # five taps over 5.3 s
    assert not taps(slow, spaced)
    assert not taps(CornerTaps(), [0, 0.1, 0.2, 0.3, 0.4], where=(20.0, 1900.0))  # top-left


def test_the_corner_is_found_in_landscape_too() -> None:
    gesture = CornerTaps()
    for moment in (0.0, 0.2, 0.4, 0.6):
        assert not gesture.touched(1900, 1060, 1920, 1080, moment)
    assert gesture.touched(1900, 1060, 1920, 1080, 0.8)


def test_the_pin_hash_comes_from_the_systemd_credential_first_then_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    assert load_pin_hash(KioskConfig()) is None  # maintenance stays shut
    file_hash, credential_hash = hash_secret("482917"), hash_secret("730214")
    (tmp_path / "pin").write_text(file_hash + "\n", encoding="utf-8")
    config = replace(KioskConfig(), technician_pin_file=tmp_path / "pin")
    assert load_pin_hash(config) == file_hash
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "kiosk-technician-pin").write_text(credential_hash, encoding="utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    assert load_pin_hash(config) == credential_hash


def test_a_pin_file_that_is_missing_or_holds_the_pin_itself_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KioskError, match="cannot read the technician PIN"):
        load_pin_hash(replace(KioskConfig(), technician_pin_file=tmp_path / "none"))
    (tmp_path / "plain").write_text("482917\n", encoding="utf-8")
    with pytest.raises(KioskError, match="holds no PIN hash"):
        load_pin_hash(replace(KioskConfig(), technician_pin_file=tmp_path / "plain"))


def test_a_repair_survives_a_restart_until_it_is_finished(tmp_path: Path) -> None:
    database = KioskDatabase(tmp_path / "kiosk.db")
    record = RepairRecord(database)
    assert record.started() is None
    assert record.start(NOW) == NOW
    assert record.start(NOW + timedelta(minutes=5)) == NOW  # the same repair goes on
    database.close()
    restarted = KioskDatabase(tmp_path / "kiosk.db")
    again = RepairRecord(restarted)
    assert again.started() == NOW
    assert again.finish() == NOW
    assert again.started() is None
    restarted.close()


def test_a_repair_is_maintenance_whatever_else_is_wrong_and_keeps_the_reason() -> None:
    dead = {"payment_terminal": "down", "printer": "ok"}
    assert KioskStatus.of(None, frozenset(), devices=dead).state == "down"
    repairing = KioskStatus.of(None, frozenset(), devices=dead, repair=True)
    assert (repairing.state, repairing.reason) == ("maintenance", "payment_terminal")
    full = KioskStatus.of("storage_full", frozenset({"fine"}), repair=True)
    assert (full.state, full.reason) == ("maintenance", "storage_full")
    assert KioskStatus.of(None, frozenset(), repair=True).reason is None


def test_the_agent_reports_a_repair_even_on_a_full_disk_but_not_a_frozen_touchscreen(
    tmp_path: Path,
) -> None:
    clock = FakeClock(ORIGIN)
    config = replace(
        KioskConfig(), data_dir=tmp_path / "data", status_file=tmp_path / "status.json"
    )
    database = KioskDatabase(config.database_path)
    repairing = KioskStatus.of(None, frozenset(), repair=True)
    publish(config.status_path, replace(repairing, at=clock.now().isoformat()))
    full = FleetReporter(replace(config, min_free_mb=10**9), database, "token", clock=clock)
    sample = full.sample()
    assert (sample["state"], sample["reason"]) == ("maintenance", "storage_full")
    sold = [name for name, line in sample["services"].items() if line is True]
    assert sold == []  # nothing is sold during a repair
    assert {line["cause"] for line in sample["services"].values()} == {"maintenance"}
    clock.advance(46)  # the touchscreen stopped writing: a frozen UI is down, repair or not
    assert full.sample()["state"] == "down"
    database.close()


def test_the_incident_stays_open_during_the_repair_and_closes_when_it_is_finished(
    tmp_path: Path,
) -> None:
    kiosk = "gatineau-promenades-02"
    clock = FakeClock(ORIGIN)
    with serve_fleet(tmp_path, {kiosk: "Promenades Gatineau"}) as fleet:
        config = replace(
            KioskConfig(),
            kiosk_id=kiosk,
            data_dir=tmp_path / "data",
            status_file=tmp_path / "status.json",
            fleet_url=fleet.url,
            min_free_mb=0,
        )
        database = KioskDatabase(config.database_path)
        reporter = FleetReporter(config, database, fleet.tokens[kiosk], clock=clock)
        dead = {"payment_terminal": "down"}
        phases = [  # (seconds, what the touchscreen says)
            (600, KioskStatus.of(None, frozenset(), devices=dead)),  # terminal dead
            (1200, KioskStatus.of(None, frozenset(), devices=dead, repair=True)),  # repairing
            (600, KioskStatus.of(None, frozenset(), devices={"payment_terminal": "ok"})),
        ]
        for seconds, status in phases:
            for _ in range(seconds // 30):
                publish(config.status_path, replace(status, at=clock.now().isoformat()))
                reporter.tick()
                clock.advance(30)
        database.close()
        fleet.now(2400)
        report = fleet.availability(0, 2400).json()
    [incident] = report["incidents"]
    assert (incident["detected_at"], incident["cause"]) == (at(0), "device:payment_terminal")
    assert incident["duration_seconds"] == 1800  # from down, through the repair, to up
    assert incident["sla_breached"] is False
    [row] = report["kiosks"]
    assert row["availability_pct"] == 25.0  # only the last 10 minutes were operational


def test_an_empty_credential_as_installed_leaves_the_configured_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "kiosk-technician-pin").write_text("", encoding="utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    assert load_pin_hash(KioskConfig()) is None
    stored = hash_secret("482917")
    (tmp_path / "pin").write_text(stored, encoding="utf-8")
    assert load_pin_hash(replace(KioskConfig(), technician_pin_file=tmp_path / "pin")) == stored


def test_diagnose_from_a_shell_reads_the_installed_pin_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    installed = tmp_path / "technician-pin"
    installed.write_text("", encoding="utf-8")  # as install-kiosk.sh leaves it
    check = pin_check(KioskConfig(), installed)
    assert (check.status, check.fix) == ("degraded", f"kiosk technician pin --out {installed}")
    installed.write_text(hash_secret("482917"), encoding="utf-8")
    assert pin_check(KioskConfig(), installed).status == "ok"


def read_only(database: KioskDatabase, on: bool) -> None:
    with database.reading() as db:
        db.execute(f"PRAGMA query_only={'ON' if on else 'OFF'}")


def test_ten_wrong_pins_lock_maintenance_even_when_the_disk_refuses_writes(
    tmp_path: Path,
) -> None:
    database = KioskDatabase(tmp_path / "kiosk.db")
    guard = PinGuard(database, hash_secret("482917"))
    read_only(database, True)  # the disk the technician came to repair
    outcomes = [guard.attempt(f"10000{n}", NOW).outcome for n in range(MAX_TRIES)]
    assert outcomes == [PinOutcome.WRONG] * (MAX_TRIES - 1) + [PinOutcome.LOCKED]
    for minutes in (1, 29):  # the right PIN too: locked, kept in memory
        later = NOW + timedelta(minutes=minutes)
        assert guard.attempt("482917", later).outcome is PinOutcome.LOCKED
    assert guard.attempt("482917", NOW + timedelta(minutes=31)).outcome is PinOutcome.ACCEPTED
    database.close()


def test_a_repair_started_on_a_failing_disk_is_recorded_once_it_works_again(
    tmp_path: Path,
) -> None:
    database = KioskDatabase(tmp_path / "kiosk.db")
    record = RepairRecord(database)
    read_only(database, True)
    assert record.start(NOW) == NOW
    assert record.started() == NOW  # from memory meanwhile
    read_only(database, False)
    assert record.started() == NOW  # and written now
    database.close()
    again = KioskDatabase(tmp_path / "kiosk.db")
    assert RepairRecord(again).started() == NOW  # after a restart
    finishing = RepairRecord(again)
    read_only(again, True)
    assert finishing.finish() == NOW
    assert finishing.started() is None
    read_only(again, False)
    assert finishing.started() is None
    again.close()
    restarted = KioskDatabase(tmp_path / "kiosk.db")
    assert RepairRecord(restarted).started() is None  # the finish was recorded too
    restarted.close()
