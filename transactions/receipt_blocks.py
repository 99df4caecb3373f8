"""The parts every paid service's receipt shares: heading, amounts, card, status, footer.

Each service's receipt is ``opening + its own lines + payment + status + closing``; the
wording comes from the application's :class:`ReceiptTexts`, in the citizen's language.
"""

from __future__ import annotations

from transactions.receipt import Block, Divider, Heading, QrCode, Receipt, ReceiptTexts, Row, Text
from transactions.records import TransactionRecord
from transactions.saga.states import SagaState


def opening(
    record: TransactionRecord, texts: ReceiptTexts, title: str, printed_at: str
) -> list[Block]:
    """Return the kiosk's name, the service's title, the date and the reference."""
    return [
        Heading(texts.text("receipt.kiosk_name")),
        Text(title),
        Row(texts.text("receipt.date"), texts.timestamp(printed_at)),
        Row(texts.text("receipt.reference"), record.reference, emphasis=True),
        Divider(),
    ]


def payment(record: TransactionRecord, texts: ReceiptTexts) -> list[Block]:
    """Return the ministry's amount and the kiosk fee apart, the total, and the card."""
    blocks: list[Block] = [
        Divider(),
        Row(texts.text("receipt.ministry_fee"), texts.money(record.ministry_amount_cents)),
        Row(texts.text("receipt.kiosk_fee"), texts.money(record.kiosk_fee_cents)),
        Row(texts.text("receipt.total"), texts.money(record.total_cents), emphasis=True),
        Divider(),
    ]
    if record.card_brand and record.card_last4:
        card = texts.text(f"card.brand.{record.card_brand}")
        blocks.append(Row(texts.text("receipt.card"), f"{card} **** {record.card_last4}"))
    if record.authorization_id:
        blocks.append(Row(texts.text("receipt.authorization"), record.authorization_id))
    return blocks


def closing(record: TransactionRecord, texts: ReceiptTexts) -> list[Block]:
    """Return the reference as a QR code and the help line."""
    return [Divider(), QrCode(record.reference), Text(texts.text("receipt.keep"))]


def paid_receipt(
    record: TransactionRecord,
    texts: ReceiptTexts,
    printed_at: str,
    *,
    title: str,
    lines: list[Block],
    done: list[Block],
) -> Receipt:
    """Return a paid service's receipt: its own ``lines``, then the payment and the status.

    ``done`` is printed only once the ministry has confirmed (the sticker notice, the new
    expiry, the record's summary…).
    """
    blocks = opening(record, texts, title, printed_at) + lines + payment(record, texts)
    if record.confirmation:
        blocks += [
            Row(texts.text("receipt.confirmation"), record.confirmation),
            Text(texts.text("receipt.done")),
        ]
        blocks += [Divider(), *done] if done else []
    elif record.state is SagaState.POST_QUEUED:
        blocks.append(Text(texts.text("receipt.pending")))
    blocks += closing(record, texts)
    return Receipt(language=record.language, reference=record.reference, blocks=tuple(blocks))


def years_text(texts: ReceiptTexts, years: int) -> str:
    """Return ``1 year`` / ``2 years`` in the receipt's language."""
    if years == 1:
        return texts.text("receipt.years.one")
    return texts.text("receipt.years.many", years=str(years))
