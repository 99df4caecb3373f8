"""Ordering a driver's record summary: verify the licence, quote, post, print the summary.

The licence number and the holder's date of birth are verified with the ministry before
anything is paid (``licence_not_found``, ``date_of_birth_mismatch``). The summary the
ministry returns with its confirmation is what the citizen pays for: the receipt prints it
(class, status, expiry, demerit points, convictions in the receipt's language).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from transactions.fees import FeeSplit, kiosk_fee_cents
from transactions.ports import Clock, TransportGateway
from transactions.receipt import Block, Receipt, ReceiptTexts, Row, Text
from transactions.receipt_blocks import paid_receipt
from transactions.records import Fields, LineItem, TransactionRecord
from transactions.saga.runner import Posted, required_authorization, required_posting_value
from transactions.transport.identifiers import normalize_licence_number, parse_date_of_birth
from transactions.transport.values import Conviction, DriverRecordOrder, DriverRecordSummary

SERVICE = "driver-record"

STATUS_TEXTS = {
    "valid": "receipt.driver_record.status.valid",
    "suspended": "receipt.driver_record.status.suspended",
    "expired": "receipt.driver_record.status.expired",
}


@dataclass(frozen=True)
class VerifiedLicence:
    """A licence whose holder gave the right date of birth, and the record's fee."""

    licence_number: str
    date_of_birth: str
    status: str
    record_fee_cents: int


@dataclass(frozen=True)
class DriverRecordQuote(FeeSplit):
    """The record's fee and the kiosk fee, kept apart."""

    licence: VerifiedLicence
    kiosk_fee_cents: int

    @property
    def ministry_amount_cents(self) -> int:
        """Return the ministry's fee for the record."""
        return self.licence.record_fee_cents

    def items(self) -> tuple[LineItem, ...]:
        """Return the record as the journal's line item (no personal data in it)."""
        return (LineItem(SERVICE, self.licence.record_fee_cents),)

    def posting_data(self) -> Fields:
        """Return what the order's posting needs: the licence and the date of birth."""
        return (
            ("licence_number", self.licence.licence_number),
            ("date_of_birth", self.licence.date_of_birth),
        )

    def receipt_data(self) -> Fields:
        """Return what the receipt shows beyond the item: nothing until the ministry answers."""
        return ()


class DriverRecords:
    """The driver's record service as the screens use it."""

    def __init__(self, gateway: TransportGateway, clock: Clock) -> None:
        self._gateway = gateway
        self._clock = clock

    def verify(self, raw_licence: str, raw_date_of_birth: str) -> VerifiedLicence:
        """Return the licence once the ministry confirmed its holder's date of birth.

        ValidationError ``licence_number_format`` / ``date_of_birth_invalid`` for what was
        typed; BackendError(permanent) ``licence_not_found`` / ``date_of_birth_mismatch``.
        """
        licence_number = normalize_licence_number(raw_licence)
        born = parse_date_of_birth(raw_date_of_birth, self._clock.now().date()).isoformat()
        check = self._gateway.verify_licence(licence_number, born)
        return VerifiedLicence(licence_number, born, check.status, check.record_fee_cents)

    def quote(self, licence: VerifiedLicence) -> DriverRecordQuote:
        """Return the amounts for ordering the record of ``licence``."""
        return DriverRecordQuote(licence=licence, kiosk_fee_cents=kiosk_fee_cents(SERVICE))


class DriverRecordSteps:
    """The driver's record's part of the saga: posting and receipt."""

    def __init__(
        self, gateway: TransportGateway, kiosk_id: str, texts: Callable[[str], ReceiptTexts]
    ) -> None:
        self._gateway = gateway
        self._kiosk_id = kiosk_id
        self._texts = texts

    def post(self, record: TransactionRecord, idempotency_key: str) -> Posted:
        """Order the record; return the confirmation with the summary for the receipt."""
        authorization_id = required_authorization(record)
        order = DriverRecordOrder(
            licence_number=required_posting_value(record, "licence_number"),
            date_of_birth=required_posting_value(record, "date_of_birth"),
            fee_cents=record.ministry_amount_cents,
            authorization_id=authorization_id,
            kiosk_id=self._kiosk_id,
        )
        answer = self._gateway.order_driver_record(order, idempotency_key)
        return Posted(answer.confirmation_number, summary_fields(answer.summary))

    def receipt(self, record: TransactionRecord, printed_at: str) -> Receipt:
        """Return the record's receipt, with the summary, in the transaction's language."""
        return build_driver_record_receipt(record, self._texts(record.language), printed_at)


def summary_fields(summary: DriverRecordSummary) -> Fields:
    """Return the summary as record fields (kept only until the transaction finishes)."""
    fields: list[tuple[str, str]] = [
        ("licence_class", summary.licence_class),
        ("status", summary.status),
        ("expiry", summary.expiry),
        ("demerit_points", str(summary.demerit_points)),
    ]
    for index, conviction in enumerate(summary.convictions):
        fields += [
            (f"conviction.{index}.date", conviction.date),
            (f"conviction.{index}.offence_fr", conviction.offence_fr),
            (f"conviction.{index}.offence_en", conviction.offence_en),
        ]
    return tuple(fields)


def summary_from(record: TransactionRecord) -> DriverRecordSummary | None:
    """Return the summary kept on ``record``, or None before the ministry answered."""
    data = dict(record.receipt_data)
    if "licence_class" not in data:
        return None
    convictions: list[Conviction] = []
    while f"conviction.{len(convictions)}.date" in data:
        prefix = f"conviction.{len(convictions)}."
        convictions.append(
            Conviction(
                data[prefix + "date"], data[prefix + "offence_fr"], data[prefix + "offence_en"]
            )
        )
    return DriverRecordSummary(
        licence_class=data["licence_class"],
        status=data["status"],
        expiry=data["expiry"],
        demerit_points=int(data["demerit_points"]),
        convictions=tuple(convictions),
    )


def build_driver_record_receipt(
    record: TransactionRecord, texts: ReceiptTexts, printed_at: str
) -> Receipt:
    """Return the receipt: amounts and, once the ministry answered, the record's summary."""
    lines: list[Block] = [
        Row(texts.text("receipt.driver_record.item"), texts.money(record.ministry_amount_cents))
    ]
    summary = summary_from(record)
    done = _summary_blocks(summary, texts, record.language) if summary else []
    title = texts.text("receipt.driver_record.title")
    return paid_receipt(record, texts, printed_at, title=title, lines=lines, done=done)


def _summary_blocks(
    summary: DriverRecordSummary, texts: ReceiptTexts, language: str
) -> list[Block]:
    status_key = STATUS_TEXTS.get(summary.status)
    blocks: list[Block] = [
        Text(texts.text("receipt.driver_record.summary")),
        Row(texts.text("receipt.driver_record.class"), summary.licence_class),
        Row(
            texts.text("receipt.driver_record.status"),
            texts.text(status_key) if status_key else summary.status,
        ),
        Row(texts.text("receipt.driver_record.expiry"), texts.date(summary.expiry)),
        Row(texts.text("receipt.driver_record.demerit_points"), str(summary.demerit_points)),
    ]
    if not summary.convictions:
        return [*blocks, Text(texts.text("receipt.driver_record.no_convictions"))]
    blocks.append(Text(texts.text("receipt.driver_record.convictions")))
    blocks += [Row(texts.date(c.date), c.offence(language)) for c in summary.convictions]
    return blocks
