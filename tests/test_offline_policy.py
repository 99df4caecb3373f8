"""Offline policy: a card is never approved offline; a change of address is taken anyway."""

from __future__ import annotations

from pathlib import Path

import pytest
from kiosk_runs import run_scenario
from service_visits import Visit

from kiosk_app.availability import BackendWatch
from kiosk_app.config import ConfigError, KioskConfig, parse_config
from kiosk_app.session_view import Step
from ministry_sandbox.testing import serve_sandbox
from transactions.services import SERVICES, unavailable_services

PAID = frozenset(SERVICES) - {"address-change"}


def test_with_the_gateway_down_every_paid_service_is_unavailable_and_address_change_is_not() -> (
    None
):
    policy = KioskConfig()
    down = unavailable_services(frozenset({"payments"}), policy.accepts_offline)
    assert down == PAID


def test_with_every_ministry_down_only_the_change_of_address_is_still_taken() -> None:
    policy = KioskConfig()
    everything = frozenset({"payments", "fines", "transport", "health", "natural-resources"})
    assert unavailable_services(everything, policy.accepts_offline) == PAID
    assert unavailable_services(frozenset({"health"}), policy.accepts_offline) == frozenset()
    assert unavailable_services(frozenset({"transport"}), policy.accepts_offline) == {
        "registration-renewal",
        "driver-record",
        "personalized-plate",
    }


def test_a_province_can_refuse_offline_changes_of_address() -> None:
    config = parse_config({"offline": {"address-change": "unavailable"}})
    down = unavailable_services(frozenset({"health"}), config.accepts_offline)
    assert down == {"address-change"}


def test_a_paid_service_cannot_be_set_to_queue_and_the_message_says_why() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config({"offline": {"registration-renewal": "queue"}})
    assert "offline.registration-renewal" in str(raised.value)
    assert '"unavailable"' in str(raised.value)
    with pytest.raises(ConfigError, match=r"offline\.address-change"):
        parse_config({"offline": {"address-change": "later"}})
    with pytest.raises(ConfigError, match=r"unknown key offline\.parking"):
        parse_config({"offline": {"parking": "queue"}})


def test_the_menu_does_not_open_a_service_shown_unavailable() -> None:
    visit = Visit()
    visit.to_menu()
    visit.session.set_unavailable(frozenset({"fine"}))
    assert visit.session.view.unavailable == {"fine"}
    visit.session.choose_service("fine")
    assert visit.step() is Step.MENU
    visit.session.wipe()  # a new visit still sees what is down
    assert visit.session.view.unavailable == {"fine"}
    visit.to_menu()
    visit.session.choose_service("address-change")
    assert visit.step() is Step.FORM


def test_the_watch_sees_the_gateway_go_and_come_back_over_http() -> None:
    seen: list[frozenset[str]] = []
    with serve_sandbox() as sandbox:
        watch = BackendWatch(sandbox.url, seen.append)
        assert watch.probe() == frozenset()
        sandbox.set_faults(outage=True, paths=["/payments"])
        assert watch.probe() == {"payments"}
        sandbox.set_faults(outage=True, paths=["/health/v1"])
        assert watch.probe() == {"health"}
        sandbox.clear_faults()
        assert watch.probe() == frozenset()
        watch.probe()  # no change: not reported again
        url = sandbox.url
    assert seen == [frozenset(), {"payments"}, {"health"}, frozenset()]
    gone = BackendWatch(url, seen.append)
    assert gone.probe() == {"payments", "fines", "transport", "health", "natural-resources"}


@pytest.mark.ui
def test_the_menu_greys_out_paid_services_while_the_gateway_is_down(tmp_path: Path) -> None:
    seen = run_scenario("offline_menu", str(tmp_path))
    assert not seen.get("timed_out")
    assert seen["greyed"] == [
        "service_driver_record",
        "service_fine",
        "service_outdoor_card",
        "service_personalized_plate",
        "service_registration_renewal",
    ]
    assert "Non disponible pour le moment" in seen["fine_text"]
    assert "Non disponible" not in seen["address_text"]
    assert seen["after_tapping_fine"] == "menu"
    assert seen["fine_back"]
    assert seen["after_tapping_address"] == "form"
