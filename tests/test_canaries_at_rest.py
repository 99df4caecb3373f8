"""A canary card number and canary personal data through 100 transactions leave no trace.

Fifty fines are paid with a canary chip card read through the real pcscd and vpcd reader
(the kiosk reads its number to pay at the gateway), and fifty changes of address carry a
canary street, unit and health card number, all on one kiosk with its own logging at
DEBUG. Afterwards the database, its WAL, the log and the printed receipts are searched:
the card number never appears (in digits or as the card's BCD), and no personal data is
left once the ministries confirmed.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from outbox_support import change_health_address, kiosk_config
from pcscd_support import Pcscd, wait_for_card_state

from device_drivers.sim import virtual_emv_card as cards
from device_drivers.sim.printer import SimulatedPrinter
from device_drivers.sim.virtual_emv_card import VirtualEmvCard
from kiosk_app.bootstrap import build_kiosk
from kiosk_app.cli import setup_logging
from kiosk_app.config import DeviceConfig
from ministry_sandbox.testing import SandboxClient
from transactions.saga.states import SagaState

SLOT = "Virtual PCD 00 00"
CANARY_PAN = "4761739099887766"  # Luhn-valid, used nowhere else
CANARY_STREET = "rue du Canari-Éloïse"
CANARY_UNIT = "app. 7z"


def test_no_card_number_and_no_personal_data_at_rest_after_100_transactions(
    pcscd: Pcscd, sandbox: SandboxClient, tmp_path: Path
) -> None:
    pcscd.start()
    wait_for_card_state(SLOT, present=False)
    config = replace(
        kiosk_config(tmp_path / "data", sandbox.url),
        card_reader=DeviceConfig("pcsc", {"reader": SLOT}),
        payment_terminal=DeviceConfig("gateway-card", {"wait_seconds": 20}),
    )
    log_file = tmp_path / "kiosk.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    # The sandbox serves from this process in tests: its lines are the backend's, not ours.
    handler.addFilter(lambda entry: not entry.name.startswith("ministry_sandbox"))
    root = logging.getLogger()
    previous_level = root.level
    setup_logging(logging.DEBUG, handler)  # the kiosk's own set-up, at its most verbose
    canary_card = replace(cards.visa(), pan=CANARY_PAN)
    health_cards: list[str] = []
    receipts: list[bytes] = []
    try:
        kiosk = build_kiosk(config)
        assert isinstance(kiosk.printer, SimulatedPrinter)
        for number in range(50):
            notice = sandbox.add_notice(amount_due_cents=4000 + number * 25)
            quote = kiosk.fines.quote((kiosk.fines.look_up(notice["notice_number"]),))
            record = kiosk.runner.open_quote("fine", "fr", quote)
            with VirtualEmvCard(canary_card):
                paid = kiosk.runner.pay(record)
            assert paid.record.state is SagaState.DONE, paid.record.failure_code
            assert paid.record.card_last4 == "7766"

            card = str(sandbox.add_health_card()["health_card_number"])
            health_cards.append(card)
            changed = change_health_address(kiosk, card, CANARY_STREET, CANARY_UNIT)
            assert [o.status.value for o in changed.outcomes] == ["done"]
        receipts = list(kiosk.printer.jobs)
        kiosk.close()
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
        logging.getLogger("urllib3").setLevel(logging.NOTSET)
        handler.close()

    files = sorted((tmp_path / "data").glob("kiosk.db*"))
    assert files, "the database was where the test looked"
    at_rest = {path.name: path.read_bytes() for path in files}
    at_rest["kiosk.log"] = log_file.read_bytes()
    assert len(receipts) >= 50
    at_rest["receipts"] = b"".join(receipts)
    assert len(at_rest["kiosk.log"]) > 10_000  # the log did record the visits

    card_number = {
        "digits": CANARY_PAN.encode(),
        "bcd": bytes.fromhex(CANARY_PAN),
        "first six and last four": CANARY_PAN[:6].encode() + b"******" + CANARY_PAN[-4:].encode(),
    }
    personal = {  # searched case-blind: whatever normalization did to them
        "street": "canari-éloïse".encode(),
        "street, upper": "CANARI-ÉLOÏSE".encode(),
        "unit": CANARY_UNIT.encode(),
        **{f"health card {card}": card.encode() for card in health_cards[:5]},
    }
    hits = {f"card number, {what}, in {where}": blob.count(needle)
            for where, blob in at_rest.items() for what, needle in card_number.items()}  # fmt: skip
    hits |= {
        f"{what} in {where}": blob.lower().count(needle.lower())
        for where, blob in at_rest.items()
        for what, needle in personal.items()
        if where != "receipts"  # the citizen's receipt may show the new address
    }
    assert {k: v for k, v in hits.items() if v} == {}
