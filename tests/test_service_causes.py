"""Each unavailable service carries its cause, from the touchscreen's state to the sample.

The derivation is pure (``kiosk_app.kiosk_status``); the reporter's sample is read from the
state file the touchscreen writes and reaches a real monitor over HTTP
(tests/fleet_support.py), where the causes are stored with the kiosk's runs.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from fakes import FakeClock
from fleet_support import ORIGIN, reporter_config, serve_fleet, ui_publishes

from kiosk_app.availability import BackendWatch
from kiosk_app.config import ConfigError, KioskConfig, parse_config
from kiosk_app.fleet_reporter import FleetReporter, service_availability
from kiosk_app.kiosk_status import KioskStatus, read_status, service_causes
from ministry_sandbox.testing import serve_sandbox
from offline_store.database import KioskDatabase
from transactions.services import SERVICES

KIOSK = "laval-carrefour-2b"
PAID = frozenset(SERVICES) - {"address-change"}


def test_a_printer_that_does_not_answer_takes_the_paid_services_and_leaves_the_address_change() -> (
    None
):
    status = KioskStatus.of(None, frozenset(), devices={"printer": "unknown"})
    assert status.state == "degraded"
    assert status.causes == dict.fromkeys(sorted(PAID), "device:printer")
    assert "address-change" not in status.unavailable


def test_a_kiosk_degraded_by_its_printer_gives_what_the_printer_said_as_its_reason() -> None:
    out = KioskStatus.of(
        None, frozenset({"fine"}), devices={"printer": "down"}, details={"printer": "out of paper"}
    )
    assert (out.state, out.reason) == ("degraded", "printer: out of paper")
    silent = KioskStatus.of(None, frozenset(), devices={"printer": "unknown"}, details={})
    assert silent.reason == "printer: unknown"
    long = KioskStatus.of(
        None, frozenset(), devices={"printer": "down"}, details={"printer": "é" * 300}
    )
    assert long.reason is not None
    assert len(long.reason) == 200  # what the monitor takes
    assert KioskStatus.of(None, frozenset({"fine"})).reason is None  # a ministry: no reason


def test_paper_near_its_end_is_a_warning_and_the_kiosk_stays_up() -> None:
    status = KioskStatus.of(None, frozenset(), devices={"printer": "degraded"})
    assert (status.state, status.causes) == ("up", {})
    assert status.warnings == {"printer": "paper_low"}


def test_a_ministry_down_is_the_backends_cause_and_nothing_answering_is_the_networks() -> None:
    ministry = KioskStatus.of(None, frozenset({"fine"}))
    assert (ministry.state, ministry.causes) == ("degraded", {"fine": "backend"})
    cut = KioskStatus.of(None, frozenset(SERVICES), network=True)
    assert set(cut.causes.values()) == {"network"}


def test_the_watch_blames_the_network_only_when_no_backend_can_even_be_connected_to() -> None:
    seen: list[frozenset[str]] = []
    with serve_sandbox() as sandbox:
        watch = BackendWatch(sandbox.url, seen.append)
        sandbox.set_faults(outage=True, paths=["/"])  # every backend answers 5xx
        assert len(watch.probe()) == 5
        assert watch.network is False
        url = sandbox.url
    assert len(watch.probe()) == 5  # the sandbox is gone: nothing accepts a connection
    assert watch.network is True
    assert len(seen) == 2  # the same backends down, now for another cause: reported
    gone = BackendWatch(url, seen.append)
    gone.probe()
    assert gone.network is True


def test_the_operators_printer_wins_over_a_ministry_down_for_the_same_service() -> None:
    causes = service_causes(
        SERVICES,
        backend_down=frozenset({"fine", "outdoor-card"}),
        devices={"printer": "down"},
        needs_printer=frozenset({"fine"}),
    )
    assert causes == {"fine": "device:printer", "outdoor-card": "backend"}


def test_a_service_set_to_sell_with_the_reference_on_screen_stays_sellable_without_printer() -> (
    None
):
    config = parse_config(
        {"printing": {"fine": "reference-on-screen", "address-change": "unavailable"}}
    )
    assert "fine" not in config.needs_printer
    assert "address-change" in config.needs_printer
    status = KioskStatus.of(
        None, frozenset(), devices={"printer": "down"}, needs_printer=config.needs_printer
    )
    assert "fine" not in status.causes
    assert status.causes["address-change"] == "device:printer"


def test_by_default_paid_services_need_the_printer_and_the_address_change_does_not() -> None:
    assert KioskConfig().needs_printer == PAID
    assert parse_config({}).printing["address-change"] == "reference-on-screen"


def test_a_printing_setting_that_is_not_a_choice_stops_the_start_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"printing\.fine.*unavailable, reference-on-screen"):
        parse_config({"printing": {"fine": "on-screen"}})
    with pytest.raises(ConfigError, match=r"unknown key printing\.parking"):
        parse_config({"printing": {"parking": "unavailable"}})


def test_a_state_file_from_before_causes_is_read_with_its_services_down_for_their_backend(
    tmp_path: Path,
) -> None:
    old = asdict(KioskStatus.of(None, frozenset({"fine"})))
    del old["causes"], old["warnings"]
    path = tmp_path / "status.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    status = read_status(path)
    assert status is not None
    assert (status.causes, status.warnings) == ({"fine": "backend"}, {})


def test_a_kiosk_that_sells_nothing_gives_every_service_the_cause_of_its_reason() -> None:
    def causes(state: str, reason: str | None) -> set[object]:
        lines = service_availability(state, reason, {}).values()
        return {line["cause"] for line in lines if isinstance(line, dict)}

    assert causes("down", "storage_full") == {"storage"}
    assert causes("down", "storage_busy") == {"storage"}
    assert causes("down", "ui_not_responding") == {"software"}
    assert causes("down", "payment_terminal") == {"device:payment_terminal"}
    assert causes("maintenance", "storage_full") == {"maintenance"}
    assert service_availability("up", None, {}) == dict.fromkeys(SERVICES, True)


def test_the_sample_says_why_each_service_cannot_be_sold_and_the_monitor_keeps_it(
    tmp_path: Path,
) -> None:
    clock = FakeClock(ORIGIN)
    with serve_fleet(tmp_path, {KIOSK: "Carrefour Laval, local 2-B"}) as fleet:
        config = reporter_config(tmp_path, fleet.url, KIOSK)
        database = KioskDatabase(config.database_path)
        reporter = FleetReporter(config, database, fleet.tokens[KIOSK], clock=clock)
        status = KioskStatus.of(
            None, frozenset({"outdoor-card"}), devices={"printer": "unknown", "scanner": "ok"}
        )
        ui_publishes(config, clock, status)
        taken = reporter.sample()
        assert reporter.tick() == 1
        database.close()
        latest = fleet.store.latest()[KIOSK]
        [run] = fleet.store.runs(KIOSK)
    assert taken["state"] == "degraded"
    assert taken["services"]["address-change"] is True
    assert taken["services"]["registration-renewal"] == {
        "available": False,
        "cause": "device:printer",
    }
    assert taken["services"]["outdoor-card"]["cause"] == "device:printer"
    assert latest["services"]["fine"] == {"available": False, "cause": "device:printer"}
    said = json.loads(run.detail)["services"]
    assert said["fine"] == "device:printer"
    assert said["address-change"] is True


def test_paper_low_reaches_the_monitor_as_a_warning_of_a_kiosk_that_is_up(
    tmp_path: Path,
) -> None:
    clock = FakeClock(ORIGIN)
    with serve_fleet(tmp_path, {KIOSK: "Bibliothèque Marc-Favreau"}) as fleet:
        config = reporter_config(tmp_path, fleet.url, KIOSK)
        database = KioskDatabase(config.database_path)
        reporter = FleetReporter(config, database, fleet.tokens[KIOSK], clock=clock)
        status = KioskStatus.of(None, frozenset(), devices={"printer": "degraded"})
        ui_publishes(config, clock, status)
        assert reporter.tick() == 1
        database.close()
        latest = fleet.store.latest()[KIOSK]
    assert latest["state"] == "up"
    assert latest["warnings"] == {"printer": "paper_low"}
    assert set(latest["services"].values()) == {True}


def test_a_touchscreen_gone_silent_is_reported_down_with_its_reason_kept_by_the_monitor(
    tmp_path: Path,
) -> None:
    clock = FakeClock(ORIGIN)
    with serve_fleet(tmp_path, {KIOSK: "Galeries d'Anjou, unité 14"}) as fleet:
        config = reporter_config(tmp_path, fleet.url, KIOSK)
        database = KioskDatabase(config.database_path)
        reporter = FleetReporter(config, database, fleet.tokens[KIOSK], clock=clock)
        assert reporter.tick() == 1  # no state file: the touchscreen never started
        database.close()
        latest = fleet.store.latest()[KIOSK]
        [run] = fleet.store.runs(KIOSK)
    assert (latest["state"], latest["reason"]) == ("down", "ui_not_responding")
    assert json.loads(run.detail)["reason"] == "ui_not_responding"
    assert {line["cause"] for line in latest["services"].values()} == {"software"}
