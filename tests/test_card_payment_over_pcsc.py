"""A kiosk with a bare chip reader: the card is read through pcscd, the gateway pays.

Real pcscd with the vpcd virtual reader, a virtual EMV card written in the project, the
sandbox's payment gateway and ministry over HTTP, and the kiosk's SQLite journal.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from fakes import FakeClock, FakeTexts
from kiosk_runs import KIOSK, kiosk_env
from pcscd_support import Pcscd, wait_for_card_state

from device_drivers.gateway_card_terminal import GatewayCardTerminal
from device_drivers.pcsc.pcsc_reader import PcscCardReader
from device_drivers.sim import virtual_emv_card as cards
from device_drivers.sim.printer import SimulatedPrinter
from device_drivers.sim.virtual_emv_card import VirtualEmvCard
from ministry_sandbox.testing import SandboxClient
from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal
from transactions.fines.service import FinePayments, FineSteps
from transactions.ministries.fines_client import HttpMinistryGateway
from transactions.ministries.payments_client import HttpPaymentGateway
from transactions.saga.runner import SagaRunner
from transactions.saga.states import SagaState

SLOT = "Virtual PCD 00 00"


def empty_slots(pcscd: Pcscd) -> None:
    pcscd.start()
    for slot in (SLOT, "Virtual PCD 00 01"):
        wait_for_card_state(slot, present=False)


def test_a_chip_card_read_through_pcscd_pays_a_fine_at_the_gateway(
    pcscd: Pcscd, sandbox: SandboxClient, tmp_path: Path
) -> None:
    empty_slots(pcscd)
    notice = sandbox.add_notice(amount_due_cents=8800, defendant_name="Éloïse Côté-Tremblay")
    ministry = HttpMinistryGateway(sandbox.url)
    terminal = GatewayCardTerminal(
        PcscCardReader(SLOT, poll_seconds=0.1), HttpPaymentGateway(sandbox.url), wait_seconds=20
    )
    printer = SimulatedPrinter()
    database = KioskDatabase(tmp_path / "kiosk.db")
    runner = SagaRunner(
        journal=SqliteJournal(database),
        terminal=terminal,
        printer=printer,
        steps=lambda _s: FineSteps(ministry, "kiosk-pcsc", lambda _l: FakeTexts()),
        clock=FakeClock(),
    )
    fines = FinePayments(ministry)
    quote = fines.quote((fines.look_up(notice["notice_number"]),))
    record = runner.open("fine", "fr", quote.items(), quote.kiosk_fee_cents)

    with VirtualEmvCard(cards.mastercard()):  # the citizen inserts the card
        result = runner.pay(record)
    database.close()

    assert result.record.state is SagaState.DONE
    assert (result.record.card_brand, result.record.card_last4) == ("mastercard", "0434")
    mine = [e for e in sandbox.ledger() if e["idempotency_key"].startswith(record.transaction_id)]
    assert [(e["operation"], e["amount_cents"]) for e in mine] == [
        ("authorize", 8900),
        ("pay", 8800),
        ("capture", 8900),
    ]
    assert result.receipt is not None
    assert "mastercard **** 0434" in result.receipt.plain_text().lower()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("kiosk.db*"))
    assert b"5413330089010434" not in stored
    assert b"541333" not in stored


def diagnose(tmp_path: Path, reader_name: str = SLOT) -> tuple[int, dict[str, object]]:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[devices.card_reader]\ndriver = "pcsc"\nreader = "{reader_name}"\n'
        '[devices.payment_terminal]\ndriver = "gateway-card"\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [KIOSK, "diagnose", "devices", "--config", str(config), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=kiosk_env(),
        check=False,
    )
    return done.returncode, json.loads(done.stdout)


def reader_of(report: dict[str, object]) -> dict[str, object]:
    devices = report["devices"]
    assert isinstance(devices, list)
    found: dict[str, object] = next(d for d in devices if d["name"] == "card_reader")
    return found


def test_diagnose_reads_the_card_in_the_reader(pcscd: Pcscd, tmp_path: Path) -> None:
    empty_slots(pcscd)
    with VirtualEmvCard(cards.visa()):
        wait_for_card_state(SLOT, present=True)
        code, report = diagnose(tmp_path)
    assert code == 0
    assert report["verdict"] == "ok"
    assert reader_of(report)["card"] == {"brand": "visa", "last4": "0010", "expiry": "2028-12"}
    assert "4761739001010010" not in json.dumps(report)


def test_diagnose_with_the_reader_missing_says_the_kiosk_is_down(
    pcscd: Pcscd, tmp_path: Path
) -> None:
    empty_slots(pcscd)
    code, report = diagnose(tmp_path, reader_name="ACS ACR39U 00 00")
    assert code == 2
    assert report["verdict"] == "down"
    reader = reader_of(report)
    assert reader["status"] == "down"
    assert "cable" in str(reader["fix"])


def test_diagnose_with_pcscd_stopped_says_how_to_start_it(pcscd: Pcscd, tmp_path: Path) -> None:
    empty_slots(pcscd)
    with pcscd.stopped():
        code, report = diagnose(tmp_path)
    assert code == 2
    assert "pcscd" in str(reader_of(report)["fix"])
