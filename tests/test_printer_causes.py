"""The kiosk's own printer decides what it sells: the real UI under Xvfb, the ESC/POS
network driver and the TCP printer emulator (tests/scenarios/printer_silent.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from kiosk_runs import run_scenario

PAID = [
    "service_driver_record",
    "service_fine",
    "service_outdoor_card",
    "service_personalized_plate",
    "service_registration_renewal",
]


@pytest.mark.ui
def test_paper_low_keeps_every_service_and_a_silent_printer_greys_out_the_paid_ones(
    tmp_path: Path,
) -> None:
    seen = run_scenario("printer_silent", str(tmp_path), timeout=240)
    assert "timed_out_in_phase" not in seen, seen
    assert seen["low"] == {"state": "up", "greyed": []}
    assert seen["silent"]["state"] == "degraded"
    assert seen["silent"]["greyed"] == PAID  # the change of address is still sold
    assert set(seen["silent"]["causes"].values()) == {"device:printer"}
    assert "address-change" not in seen["silent"]["causes"]
    assert seen["silent"]["reason"].startswith("printer: printer did not answer")
    assert seen["back"] == {"state": "up", "greyed": []}
