"""The fine saga with the real clients, simulated terminal and SQLite journal, over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fakes import FakeClock, FakeTexts

from device_drivers.sim.payment_terminal import SimulatedCard, SimulatedPaymentTerminal
from device_drivers.sim.printer import SimulatedPrinter
from ministry_sandbox.testing import SandboxClient
from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal
from transactions.fines.service import FinePayments, FineSteps
from transactions.ministries.fines_client import HttpMinistryGateway
from transactions.ministries.payments_client import HttpPaymentGateway
from transactions.records import TransactionRecord
from transactions.saga.runner import RetryPolicy, SagaRunner
from transactions.saga.states import SagaState


class Kiosk:
    """The kiosk's real adapters around one SQLite file; a new instance is a restart."""

    def __init__(self, url: str, db_path: Path) -> None:
        self.ministry = HttpMinistryGateway(url)
        self.terminal = SimulatedPaymentTerminal(HttpPaymentGateway(url), SimulatedCard())
        self.printer = SimulatedPrinter()
        self.database = KioskDatabase(db_path)
        self.journal = SqliteJournal(self.database)
        self.runner = SagaRunner(
            journal=self.journal,
            terminal=self.terminal,
            printer=self.printer,
            steps=lambda _service: FineSteps(self.ministry, "kiosk-test", lambda _l: FakeTexts()),
            clock=FakeClock(),
            retry=RetryPolicy(delays=(0.0,)),
        )

    def open(self, *numbers: str) -> TransactionRecord:
        fines = FinePayments(self.ministry)
        notices: tuple[Any, ...] = ()
        for number in numbers:
            notices = (*notices, fines.look_up(number, notices))
        quote = fines.quote(notices)
        return self.runner.open("fine", "fr", quote.items(), quote.kiosk_fee_cents)


def entries(sandbox: SandboxClient, record: TransactionRecord) -> list[tuple[str, str, int]]:
    """Return (program, operation, amount) of the ledger entries of one transaction."""
    return [
        (e["program"], e["operation"], e["amount_cents"])
        for e in sandbox.ledger()
        if e["idempotency_key"].startswith(record.transaction_id)
    ]


def test_a_fine_paid_over_http_is_authorized_posted_then_captured_once(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    toronto = sandbox.add_notice(amount_due_cents=3000)
    ottawa = sandbox.add_notice(jurisdiction="ottawa", amount_due_cents=4500)
    kiosk = Kiosk(sandbox.url, tmp_path / "kiosk.db")
    record = kiosk.open(toronto["notice_number"], ottawa["notice_number"])
    kiosk.terminal.tap()
    result = kiosk.runner.pay(record)
    assert result.record.state is SagaState.DONE
    assert entries(sandbox, record) == [
        ("payments", "authorize", 7600),
        ("fines", "pay", 7500),
        ("payments", "capture", 7600),
    ]


def test_a_posting_refused_for_good_voids_the_payment(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    notice = sandbox.add_notice(amount_due_cents=5500)
    kiosk = Kiosk(sandbox.url, tmp_path / "kiosk.db")
    record = kiosk.open(notice["notice_number"])
    # Someone paid it at a counter while the citizen was at the kiosk.
    sandbox.load_fines({**notice, "status": "paid"})
    kiosk.terminal.tap()
    result = kiosk.runner.pay(record)
    assert result.record.state is SagaState.REVERSED
    assert result.record.failure_code == "notice_already_paid"
    assert entries(sandbox, record) == [("payments", "authorize", 5600), ("payments", "void", 5600)]


def test_a_posting_the_ministry_cannot_receive_is_delivered_once_after_restart(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    notice = sandbox.add_notice(amount_due_cents=12000)
    kiosk = Kiosk(sandbox.url, tmp_path / "kiosk.db")
    record = kiosk.open(notice["notice_number"])
    sandbox.set_faults(outage=True, paths=["/fines/v1/payments"])
    try:
        kiosk.terminal.tap()
        queued = kiosk.runner.pay(record)
    finally:
        sandbox.clear_faults()
    assert queued.record.state is SagaState.POST_QUEUED
    assert queued.receipt is not None
    assert entries(sandbox, record) == [("payments", "authorize", 12100)]

    kiosk.database.close()
    restarted = Kiosk(sandbox.url, tmp_path / "kiosk.db")
    [finished] = restarted.runner.resume_unfinished()
    assert finished.state is SagaState.DONE
    assert restarted.printer.jobs == []  # the citizen is gone: no receipt printed into the void
    assert entries(sandbox, record) == [
        ("payments", "authorize", 12100),
        ("fines", "pay", 12000),
        ("payments", "capture", 12100),
    ]
    assert restarted.runner.resume_unfinished() == []


def test_a_payment_interrupted_before_its_outcome_is_voided_on_restart(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    notice = sandbox.add_notice(amount_due_cents=2500)
    kiosk = Kiosk(sandbox.url, tmp_path / "kiosk.db")
    record = kiosk.open(notice["notice_number"])
    # The gateway approved, but the kiosk stopped before writing the outcome down.
    gateway = HttpPaymentGateway(sandbox.url)
    gateway.authorize(2600, "visa", "4242", record.transaction_id, record.key("authorize"))
    kiosk.journal.record_outcome(
        TransactionRecord(**{**record.__dict__, "state": SagaState.AUTHORIZING}), "pay", "pay"
    )
    kiosk.database.close()

    restarted = Kiosk(sandbox.url, tmp_path / "kiosk.db")
    [finished] = restarted.runner.resume_unfinished()
    assert finished.state is SagaState.REVERSED
    assert [op for _, op, _ in entries(sandbox, record)] == ["authorize", "void"]
    assert not HttpMinistryGateway(sandbox.url).look_up_notice(notice["notice_number"]).paid
