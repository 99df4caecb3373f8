"""What the journal keeps about one transaction: no personal data beyond what posting needs."""

from __future__ import annotations

from dataclasses import dataclass

from transactions.fees import FeeSplit
from transactions.saga.states import SagaState

Fields = tuple[tuple[str, str], ...]
"""Named text values, in order: hashable and immutable like the rest of the record."""


@dataclass(frozen=True)
class LineItem:
    """One thing the citizen pays for, e.g. one fine notice."""

    item_id: str
    amount_cents: int


@dataclass(frozen=True)
class TransactionRecord(FeeSplit):
    """The state of one transaction, as stored after every step.

    The card appears only as brand and last four digits; the full number never reaches
    this record. Personal data goes in ``posting_data`` only when posting needs it, and it
    is dropped as soon as the ministry has answered for good; ``receipt_data`` is dropped
    once the transaction is finished (see ``SagaRunner``).
    """

    transaction_id: str
    service: str
    language: str
    state: SagaState
    items: tuple[LineItem, ...]
    kiosk_fee_cents: int
    reference: str
    created_at: str
    authorization_id: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    confirmation: str | None = None
    failure_code: str | None = None
    receipt_printed: bool = False
    posting_data: Fields = ()
    """What posting needs beyond the items (licence number, date of birth, address…)."""
    receipt_data: Fields = ()
    """What the receipt shows beyond the items (term, new expiry, the record's summary…)."""

    @property
    def ministry_amount_cents(self) -> int:
        """Return what the ministry receives (the sum of the items)."""
        return sum(item.amount_cents for item in self.items)

    def posting_value(self, name: str) -> str | None:
        """Return one field of ``posting_data``, or None when it is absent."""
        return dict(self.posting_data).get(name)

    def receipt_value(self, name: str) -> str | None:
        """Return one field of ``receipt_data``, or None when it is absent."""
        return dict(self.receipt_data).get(name)

    def subject(self) -> str:
        """Return what this transaction is about: its service, items and identifier.

        Deliveries about the same subject (one card in one programme, one notice) are made
        in the order they were accepted, so an older address never overwrites a newer one.
        """
        parts = (self.service, *(item.item_id for item in self.items))
        return "|".join((*parts, self.posting_value("identifier") or ""))

    def key(self, step: str) -> str:
        """Return the idempotency key of ``step`` for this transaction."""
        return f"{self.transaction_id}:{step}"
