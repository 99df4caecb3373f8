"""Paying fines: look notices up, quote the total, and post the payment to the ministry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from transactions.errors import ValidationError
from transactions.fees import FeeSplit, kiosk_fee_cents
from transactions.fines.notices import FinePosting, Notice, normalize_notice_number
from transactions.fines.receipt import build_fine_receipt
from transactions.ports import MinistryGateway
from transactions.receipt import Receipt, ReceiptTexts
from transactions.records import Fields, LineItem, TransactionRecord
from transactions.saga.runner import required_authorization

SERVICE = "fine"
MAX_NOTICES = 5
"""Notices one payment may cover: enough for a family, short enough for one screen."""


@dataclass(frozen=True)
class FineQuote(FeeSplit):
    """The notices to pay, the ministry's amount and the kiosk fee, kept apart."""

    notices: tuple[Notice, ...]
    kiosk_fee_cents: int

    @property
    def ministry_amount_cents(self) -> int:
        """Return the sum the ministry receives."""
        return sum(n.amount_due_cents for n in self.notices)

    def items(self) -> tuple[LineItem, ...]:
        """Return the notices as journal line items."""
        return tuple(LineItem(n.notice_number, n.amount_due_cents) for n in self.notices)

    def posting_data(self) -> Fields:
        """Return what posting needs beyond the notices: nothing."""
        return ()

    def receipt_data(self) -> Fields:
        """Return what the receipt shows beyond the notices: nothing."""
        return ()


class FinePayments:
    """The fines service as the screens use it."""

    def __init__(self, gateway: MinistryGateway) -> None:
        self._gateway = gateway

    def look_up(self, raw_number: str, already_chosen: tuple[Notice, ...] = ()) -> Notice:
        """Return the unpaid notice the citizen typed, or raise an error the screen can say.

        Raises ValidationError for a malformed, repeated or already-paid number,
        BackendError(permanent=True) with code ``notice_not_found`` for an unknown one,
        and BackendUnavailable when the ministry cannot be reached.
        """
        number = normalize_notice_number(raw_number)
        if any(n.notice_number == number for n in already_chosen):
            raise ValidationError("notice already in this payment", code="notice_already_added")
        if len(already_chosen) >= MAX_NOTICES:
            raise ValidationError("too many notices", code="too_many_notices")
        notice = self._gateway.look_up_notice(number)
        if notice.paid:
            raise ValidationError("this notice is already paid", code="notice_already_paid")
        return notice

    def quote(self, notices: tuple[Notice, ...]) -> FineQuote:
        """Return the amounts for paying ``notices`` in one transaction."""
        if not notices:
            raise ValidationError("no notice to pay", code="notice_number_empty")
        return FineQuote(notices=notices, kiosk_fee_cents=kiosk_fee_cents(SERVICE))


class FineSteps:
    """The fines service's part of the saga: posting and receipt."""

    def __init__(
        self, gateway: MinistryGateway, kiosk_id: str, texts: Callable[[str], ReceiptTexts]
    ) -> None:
        self._gateway = gateway
        self._kiosk_id = kiosk_id
        self._texts = texts

    def post(self, record: TransactionRecord, idempotency_key: str) -> str:
        """Record the payment of the notices with the ministry; return its confirmation."""
        authorization_id = required_authorization(record)
        posting = FinePosting(
            notices=tuple((item.item_id, item.amount_cents) for item in record.items),
            authorization_id=authorization_id,
            kiosk_id=self._kiosk_id,
        )
        return self._gateway.pay_notices(posting, idempotency_key).confirmation_number

    def receipt(self, record: TransactionRecord, printed_at: str) -> Receipt:
        """Return the fine receipt in the transaction's language."""
        return build_fine_receipt(record, self._texts(record.language), printed_at)
