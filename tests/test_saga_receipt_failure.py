"""A receipt that cannot be made or printed never hides a payment that went through."""

from __future__ import annotations

import pytest
from fakes import FakeJournal, FakeKiosk, build_kiosk

from transactions.receipt import Receipt
from transactions.records import TransactionRecord
from transactions.saga.runner import Posted, SagaRunner, ServiceSteps
from transactions.saga.states import SagaState

SPEEDING = "100042158731"  # $125.00

Kiosk = FakeKiosk[FakeJournal]


@pytest.fixture
def kiosk() -> Kiosk:
    return build_kiosk()


def test_a_printer_raising_an_unexpected_error_still_finishes_the_payment(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    def garbled(receipt: Receipt) -> None:
        "Côté".encode("ascii")  # a driver that cannot encode an accent

    monkeypatch.setattr(kiosk.printer, "print_receipt", garbled)
    record = kiosk.open_fine(SPEEDING)

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.DONE
    assert result.record.receipt_printed is False
    assert result.receipt is not None, "the screen can still show the reference"
    assert result.receipt.reference == record.reference
    assert len(kiosk.ministry.postings) == 1
    assert kiosk.terminal.charged_cents == 12500 + 100
    assert kiosk.journal.records[record.transaction_id] == result.record
    assert kiosk.journal.unfinished() == []


class ReceiptBug:
    """A service's steps whose receipt cannot be built (a missing text, a bad format)."""

    def __init__(self, steps: ServiceSteps) -> None:
        self._steps = steps

    def post(self, record: TransactionRecord, idempotency_key: str) -> str | Posted:
        return self._steps.post(record, idempotency_key)

    def receipt(self, record: TransactionRecord, printed_at: str) -> Receipt:
        raise KeyError("receipt.fine.title")


def test_a_receipt_that_cannot_be_built_still_finishes_the_payment(kiosk: Kiosk) -> None:
    steps = kiosk.steps()
    runner = SagaRunner(
        journal=kiosk.journal,
        terminal=kiosk.terminal,
        printer=kiosk.printer,
        steps=lambda service: ReceiptBug(steps[service]),
        clock=kiosk.clock,
    )
    record = kiosk.open_fine(SPEEDING)

    result = runner.pay(record)

    assert result.record.state is SagaState.DONE
    assert result.record.receipt_printed is False
    assert result.receipt is None
    assert kiosk.printer.receipts == []
    assert len(kiosk.ministry.postings) == 1
    assert kiosk.terminal.charged_cents == 12500 + 100
    assert kiosk.journal.unfinished() == []
