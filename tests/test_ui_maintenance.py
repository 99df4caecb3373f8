"""Maintenance mode on the touchscreen, under Xvfb: the hidden gesture and the PIN, a test
page on the real ESC/POS network driver and the printer emulator, paper replaced, a test
card, the outbox, diagnostics, a repair started and finished (the state the fleet monitor
gets), and ten wrong PINs locking maintenance across a restart."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from kiosk_runs import run_scenario

from offline_store.secret_hash import hash_secret

PIN = "482917"  # the scenario's PIN


@pytest.fixture(scope="module")
def kiosk_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("maintenance") / "data"
    data.mkdir()
    (data / "technician-pin").write_text(hash_secret(PIN) + "\n", encoding="utf-8")
    return data


@pytest.fixture(scope="module")
def repair(kiosk_data: Path) -> dict[str, Any]:
    return run_scenario("maintenance_mode", str(kiosk_data), "repair")


def test_the_gesture_and_the_pin_open_maintenance_a_wrong_pin_says_tries_left(
    repair: dict[str, Any],
) -> None:
    assert "error" not in repair, repair
    assert repair["screen_at_start"] == "attract"
    assert repair["pad_after_broken_gesture"] is False  # a tap elsewhere starts again
    assert repair["pad_message_at_open"] == ""
    assert repair["wrong_pin_message"] == (
        "NIP incorrect. Essais restants avant le verrouillage : 9"
    )
    assert repair["title_in_english"] == "Maintenance of kiosk demo-kiosk-01"


def test_a_test_page_prints_and_paper_replaced_reads_the_printer_again(
    repair: dict[str, Any],
) -> None:
    assert repair["test_page_result"] == "BON · device printer: ready; test page printed"
    assert len(repair["pages"]) == 1
    assert "Imprimante prête. / Printer ready." in repair["pages"][0]
    # The roll still empty: the technician is told, and the kiosk publishes it.
    assert "EN PANNE · device printer" in repair["paper_still_out"]
    assert "load paper" in repair["paper_still_out"]
    assert repair["printer_published_while_out"] == "down"
    assert "BON · device printer" in repair["paper_replaced"]
    assert repair["printer_published_after"] == "ok"


def test_the_test_card_the_outbox_and_diagnostics_show_on_screen(repair: dict[str, Any]) -> None:
    assert "card: mastercard **** 5454, 2029-08" in repair["card_result"]
    assert "À VÉRIFIER · outbox: 1 waiting; oldest K-7Q4M-2XPD" in repair["outbox_result"]
    assert "systemctl status kiosk-agent" in repair["outbox_result"]  # 9 days old
    assert "K-7Q4M-2XPD: fine post_queued" in repair["outbox_result"]
    diagnostics = repair["diagnostics_result"]
    for check in ("verdict", "device printer", "database", "disk", "touchscreen"):
        assert f"· {check}:" in diagnostics
    assert "BON · technician PIN: set" in diagnostics


def test_a_repair_puts_the_kiosk_in_maintenance_until_it_is_finished(
    repair: dict[str, Any],
) -> None:
    assert repair["agent_sends_during_repair"] == "maintenance"
    assert repair["screen_during_repair"] == "out_of_service"  # no citizen meanwhile
    assert repair["code_during_repair"] == "maintenance"
    assert repair["state_line_back"].startswith("Réparation en cours depuis ")
    assert repair["repair_finished"].startswith("Réparation terminée après 0 min")
    assert repair["agent_sends_after_repair"] == "up"  # the monitor closes the incident
    assert repair["screen_after"] == "attract"


def test_every_maintenance_action_is_logged_without_the_pin_or_the_card(
    repair: dict[str, Any], kiosk_data: Path
) -> None:
    log = (kiosk_data / "kiosk.log").read_text(encoding="utf-8")
    for line in (
        "maintenance: PIN pad opened",
        "maintenance: PIN wrong",
        "maintenance: PIN accepted",
        "maintenance: opened",
        "maintenance: test page, printer ok",
        "maintenance: paper replaced, printer down",
        "maintenance: paper replaced, printer ok",
        "maintenance: test card, card_reader ok",
        "maintenance: outbox viewed, 1 waiting, 0 refused",
        "maintenance: diagnostics, verdict",
        "maintenance: repair started at",
        "maintenance: repair finished after 0 min",
        "maintenance: closed by the technician",
    ):
        assert line in log, line
    assert PIN not in log
    assert "111111" not in log  # the wrong PIN either
    assert "5454" not in log
    assert "mastercard" not in log.lower()


def test_ten_wrong_pins_lock_maintenance_and_a_restart_keeps_the_lock_and_the_repair(
    repair: dict[str, Any], kiosk_data: Path
) -> None:
    assert "error" not in repair  # the first visit is over: same data, new processes
    lockout = run_scenario("maintenance_mode", str(kiosk_data), "lockout")
    assert "error" not in lockout, lockout
    assert lockout["locked_message"].startswith(
        "Trop d'essais : la maintenance est verrouillée jusqu'à "
    )
    assert lockout["closed_when_left_alone"] is True
    assert lockout["state_at_end"] == "maintenance"
    log = (kiosk_data / "kiosk.log").read_text(encoding="utf-8")
    assert re.search(r"maintenance: closed after 12\d s without a touch", log)

    restarted = run_scenario("maintenance_mode", str(kiosk_data), "restarted")
    assert "error" not in restarted, restarted
    assert restarted["screen_at_start"] == "out_of_service"  # the repair goes on
    assert restarted["state_at_start"] == "maintenance"
    assert restarted["pad_message_at_open"] == lockout["locked_message"]
    assert restarted["right_pin_while_locked"] == lockout["locked_message"]
    assert restarted["panel_opened"] is False
    log = (kiosk_data / "kiosk.log").read_text(encoding="utf-8")
    assert log.count("technician PIN refused: locked until") == 1  # the right PIN, refused
    for attempt in range(10):
        assert f"90000{attempt}" not in log  # no wrong PIN in the log either


@pytest.mark.parametrize("size", ["1080x1920", "1920x1080"])
def test_the_pin_pad_and_the_panel_fit_the_screen_in_both_orientations(
    tmp_path: Path, size: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "technician-pin").write_text(hash_secret(PIN) + "\n", encoding="utf-8")
    seen = run_scenario("maintenance_mode", str(data), "audit", size)
    assert "error" not in seen, seen
    assert set(seen["problems"]) == {"pin pad", "panel (fr)", "panel (en)"}
    assert seen["problems"] == {name: [] for name in seen["problems"]}
