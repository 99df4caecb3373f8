"""The fine payment receipt."""

from __future__ import annotations

from transactions.fines.notices import JURISDICTIONS
from transactions.receipt import Block, Divider, Heading, QrCode, Receipt, ReceiptTexts, Row, Text
from transactions.records import TransactionRecord
from transactions.saga.states import SagaState


def build_fine_receipt(record: TransactionRecord, texts: ReceiptTexts, printed_at: str) -> Receipt:
    """Return the receipt for a fine payment; the card shows as brand and last four only."""
    blocks: list[Block] = [
        Heading(texts.text("receipt.kiosk_name")),
        Text(texts.text("receipt.fine.title")),
        Row(texts.text("receipt.date"), texts.timestamp(printed_at)),
        Row(texts.text("receipt.reference"), record.reference, emphasis=True),
        Divider(),
    ]
    for item in record.items:
        jurisdiction = JURISDICTIONS.get(item.item_id[:2], "ontario")
        blocks.append(Text(texts.text(f"receipt.fine.jurisdiction.{jurisdiction}")))
        blocks.append(
            Row(
                texts.text("receipt.fine.notice", number=item.item_id),
                texts.money(item.amount_cents),
            )
        )
    blocks += [
        Divider(),
        Row(texts.text("receipt.ministry_amount"), texts.money(record.ministry_amount_cents)),
        Row(texts.text("receipt.kiosk_fee"), texts.money(record.kiosk_fee_cents)),
        Row(texts.text("receipt.total"), texts.money(record.total_cents), emphasis=True),
        Divider(),
    ]
    if record.card_brand and record.card_last4:
        card = texts.text(f"card.brand.{record.card_brand}")
        blocks.append(Row(texts.text("receipt.card"), f"{card} **** {record.card_last4}"))
    if record.authorization_id:
        blocks.append(Row(texts.text("receipt.authorization"), record.authorization_id))
    blocks += _status_blocks(record, texts)
    blocks += [Divider(), QrCode(record.reference), Text(texts.text("receipt.keep"))]
    return Receipt(language=record.language, reference=record.reference, blocks=tuple(blocks))


def _status_blocks(record: TransactionRecord, texts: ReceiptTexts) -> list[Block]:
    if record.confirmation:
        return [
            Row(texts.text("receipt.fine.confirmation"), record.confirmation),
            Text(texts.text("receipt.fine.paid")),
        ]
    if record.state is SagaState.POST_QUEUED:
        return [Text(texts.text("receipt.fine.pending"))]
    return []
