"""Renewing an Outdoors Card (hunting and fishing): look up, quote, post, receipt.

A card expired more than three years ago cannot be renewed at a kiosk: the ministry says so
(``renewable: false`` on look-up, ``409 card_not_renewable`` on renewal) and the citizen is
sent to a counter. The card number is posting data only; the receipt shows its last four
digits and, once renewed, the new expiry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from transactions.errors import ValidationError
from transactions.fees import FeeSplit, kiosk_fee_cents
from transactions.natural_resources.identifiers import last_four, normalize_outdoor_card_number
from transactions.natural_resources.values import OutdoorCard, OutdoorCardRenewal
from transactions.ports import NaturalResourcesGateway
from transactions.receipt import Block, Receipt, ReceiptTexts, Row, Text
from transactions.receipt_blocks import paid_receipt, years_text
from transactions.records import Fields, LineItem, TransactionRecord
from transactions.saga.runner import Posted, required_authorization, required_posting_value

SERVICE = "outdoor-card"


@dataclass(frozen=True)
class OutdoorCardQuote(FeeSplit):
    """A renewable card: the ministry's fee and the kiosk fee, kept apart."""

    card: OutdoorCard
    kiosk_fee_cents: int

    @property
    def ministry_amount_cents(self) -> int:
        """Return the ministry's renewal fee."""
        return self.card.renewal_fee_cents

    def items(self) -> tuple[LineItem, ...]:
        """Return the renewal as the journal's line item (no card number in it)."""
        return (LineItem(SERVICE, self.card.renewal_fee_cents),)

    def posting_data(self) -> Fields:
        """Return what the renewal's posting needs: the card number."""
        return (("card_number", self.card.card_number),)

    def receipt_data(self) -> Fields:
        """Return what the receipt shows: the card's last four digits and the term."""
        return (
            ("card_last4", last_four(self.card.card_number)),
            ("years", str(self.card.renewal_years)),
        )


class OutdoorCardRenewals:
    """The Outdoors Card renewal service as the screens use it."""

    def __init__(self, gateway: NaturalResourcesGateway) -> None:
        self._gateway = gateway

    def look_up(self, raw_number: str) -> OutdoorCard:
        """Return the card the citizen typed, or raise an error the screen can say.

        ValidationError ``outdoor_card_format`` or ``card_not_renewable`` (a counter must
        see the holder); BackendError(permanent) ``card_not_found``; BackendUnavailable.
        """
        card = self._gateway.look_up_outdoor_card(normalize_outdoor_card_number(raw_number))
        if not card.renewable:
            raise ValidationError("renew this card at a counter", code="card_not_renewable")
        return card

    def quote(self, card: OutdoorCard) -> OutdoorCardQuote:
        """Return the amounts for renewing ``card``."""
        return OutdoorCardQuote(card=card, kiosk_fee_cents=kiosk_fee_cents(SERVICE))


class OutdoorCardSteps:
    """The Outdoors Card renewal's part of the saga: posting and receipt."""

    def __init__(
        self, gateway: NaturalResourcesGateway, kiosk_id: str, texts: Callable[[str], ReceiptTexts]
    ) -> None:
        self._gateway = gateway
        self._kiosk_id = kiosk_id
        self._texts = texts

    def post(self, record: TransactionRecord, idempotency_key: str) -> Posted:
        """Renew the card with the ministry; return the confirmation and the new expiry."""
        authorization_id = required_authorization(record)
        renewal = OutdoorCardRenewal(
            card_number=required_posting_value(record, "card_number"),
            fee_cents=record.ministry_amount_cents,
            authorization_id=authorization_id,
            kiosk_id=self._kiosk_id,
        )
        answer = self._gateway.renew_outdoor_card(renewal, idempotency_key)
        return Posted(answer.confirmation_number, (("new_expiry", answer.new_expiry),))

    def receipt(self, record: TransactionRecord, printed_at: str) -> Receipt:
        """Return the renewal receipt in the transaction's language."""
        return build_outdoor_card_receipt(record, self._texts(record.language), printed_at)


def build_outdoor_card_receipt(
    record: TransactionRecord, texts: ReceiptTexts, printed_at: str
) -> Receipt:
    """Return the receipt: the card's last four, the term, amounts, and the new expiry."""
    lines: list[Block] = []
    last4 = record.receipt_value("card_last4")
    if last4:
        lines.append(Row(texts.text("receipt.outdoor_card.card"), f"**** {last4}"))
    years = record.receipt_value("years")
    if years:
        lines.append(Row(texts.text("receipt.outdoor_card.term"), years_text(texts, int(years))))
    done: list[Block] = []
    new_expiry = record.receipt_value("new_expiry")
    if new_expiry:
        label = texts.text("receipt.outdoor_card.new_expiry")
        done.append(Row(label, texts.date(new_expiry), emphasis=True))
        done.append(Text(texts.text("receipt.outdoor_card.carry")))
    title = texts.text("receipt.outdoor_card.title")
    return paid_receipt(record, texts, printed_at, title=title, lines=lines, done=done)
