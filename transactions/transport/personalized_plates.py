"""Ordering personalized plates: the kiosk's rules, the ministry's availability, the order.

The text is checked against the kiosk's own rules first (:mod:`plate_text`), then the
ministry says whether it would issue it (``taken``, or ``refused`` by its own list) and at
what fee. The order itself may still be refused (``plate_taken`` when someone else was
quicker): the saga then gives the money back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from transactions.errors import ValidationError
from transactions.fees import FeeSplit, kiosk_fee_cents
from transactions.ports import TransportGateway
from transactions.receipt import Block, Receipt, ReceiptTexts, Row, Text
from transactions.receipt_blocks import paid_receipt
from transactions.records import Fields, LineItem, TransactionRecord
from transactions.saga.runner import Posted, required_authorization, required_posting_value
from transactions.transport.identifiers import normalize_licence_number
from transactions.transport.plate_text import normalize_plate_text
from transactions.transport.values import PlateAvailability, PlateOrder

SERVICE = "personalized-plate"

UNAVAILABLE_CODES = {"taken": "plate_taken", "refused": "plate_refused"}
"""The ministry's reason → the error code the screen translates."""


@dataclass(frozen=True)
class PlateQuote(FeeSplit):
    """A plate text the ministry would issue: its fee and the kiosk fee, kept apart."""

    text: str
    licence_number: str
    fee_cents: int
    kiosk_fee_cents: int

    @property
    def ministry_amount_cents(self) -> int:
        """Return the ministry's fee for the plates."""
        return self.fee_cents

    def items(self) -> tuple[LineItem, ...]:
        """Return the plate text and its fee as the journal's line item."""
        return (LineItem(self.text, self.fee_cents),)

    def posting_data(self) -> Fields:
        """Return what the order's posting needs beyond the item: the holder's licence."""
        return (("licence_number", self.licence_number),)

    def receipt_data(self) -> Fields:
        """Return what the receipt shows beyond the item: nothing until the ministry answers."""
        return ()


class PersonalizedPlates:
    """The personalized plates service as the screens use it."""

    def __init__(self, gateway: TransportGateway) -> None:
        self._gateway = gateway

    def check(self, raw_text: str) -> PlateAvailability:
        """Return the plate text the ministry would issue, or raise an error the screen can say.

        PlateTextInvalidError (``plate_text_invalid`` with its ``reason``) or ValidationError
        ``plate_text_refused`` from the kiosk's rules; ValidationError ``plate_taken`` or
        ``plate_refused`` from the ministry's answer; BackendUnavailable if unreachable.
        """
        text = normalize_plate_text(raw_text)
        availability = self._gateway.plate_availability(text)
        if not availability.available:
            code = UNAVAILABLE_CODES.get(availability.reason or "", "plate_refused")
            raise ValidationError(f"{text} cannot be ordered", code=code)
        return availability

    def quote(self, availability: PlateAvailability, raw_licence: str) -> PlateQuote:
        """Return the amounts for ordering the plate for the holder of ``raw_licence``."""
        return PlateQuote(
            text=availability.text,
            licence_number=normalize_licence_number(raw_licence),
            fee_cents=availability.fee_cents,
            kiosk_fee_cents=kiosk_fee_cents(SERVICE),
        )


class PlateSteps:
    """The personalized plate's part of the saga: posting and receipt."""

    def __init__(
        self, gateway: TransportGateway, kiosk_id: str, texts: Callable[[str], ReceiptTexts]
    ) -> None:
        self._gateway = gateway
        self._kiosk_id = kiosk_id
        self._texts = texts

    def post(self, record: TransactionRecord, idempotency_key: str) -> Posted:
        """Order the plate; return the confirmation and the delivery delay."""
        authorization_id = required_authorization(record)
        [item] = record.items
        order = PlateOrder(
            text=item.item_id,
            licence_number=required_posting_value(record, "licence_number"),
            fee_cents=item.amount_cents,
            authorization_id=authorization_id,
            kiosk_id=self._kiosk_id,
        )
        answer = self._gateway.order_plate(order, idempotency_key)
        return Posted(answer.confirmation_number, (("delivery_weeks", str(answer.delivery_weeks)),))

    def receipt(self, record: TransactionRecord, printed_at: str) -> Receipt:
        """Return the plate order's receipt in the transaction's language."""
        return build_plate_receipt(record, self._texts(record.language), printed_at)


def build_plate_receipt(record: TransactionRecord, texts: ReceiptTexts, printed_at: str) -> Receipt:
    """Return the receipt: the plate text, amounts and, once ordered, the delivery delay."""
    [item] = record.items
    lines: list[Block] = [Row(texts.text("receipt.plate.text"), item.item_id, emphasis=True)]
    done: list[Block] = []
    weeks = record.receipt_value("delivery_weeks")
    if weeks:
        done.append(Text(texts.text("receipt.plate.delivery", weeks=weeks)))
    title = texts.text("receipt.plate.title")
    return paid_receipt(record, texts, printed_at, title=title, lines=lines, done=done)
