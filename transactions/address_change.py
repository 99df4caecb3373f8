"""Change of address: one address typed once, sent to each programme the citizen ticks.

It looks like one transaction but is one per programme (health card, driver's licence,
Outdoors Card), each posted to its own ministry and each with its own outcome: a refusal by
one never undoes the others, and a ministry that cannot be reached gets the change later
(the transaction waits in SUBMIT_QUEUED and ``SagaRunner.resume_unfinished`` delivers it,
once, with the same idempotency key). The service is free: no card is ever asked for. One
receipt lists every programme's outcome and reference.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from transactions.addresses import Address
from transactions.errors import BackendError, ValidationError
from transactions.fees import kiosk_fee_cents
from transactions.health.identifiers import normalize_health_card_number
from transactions.natural_resources.identifiers import normalize_outdoor_card_number
from transactions.ports import Clock, HealthGateway, NaturalResourcesGateway, TransportGateway
from transactions.receipt import Block, Divider, Heading, QrCode, Receipt, ReceiptTexts, Row, Text
from transactions.records import Fields, LineItem, TransactionRecord
from transactions.saga.runner import SagaRunner, required_posting_value
from transactions.saga.states import SagaState
from transactions.transport.identifiers import normalize_licence_number

SERVICE = "address-change"
HEALTH_CARD = "health-card"
DRIVERS_LICENCE = "drivers-licence"
OUTDOOR_CARD = "outdoor-card"

IDENTIFIER_FORMATS: dict[str, Callable[[str], str]] = {
    HEALTH_CARD: normalize_health_card_number,
    DRIVERS_LICENCE: normalize_licence_number,
    OUTDOOR_CARD: normalize_outdoor_card_number,
}
"""The programmes an address can be sent to, in the order the screen lists them."""

PROGRAMME_TEXTS = {
    HEALTH_CARD: "receipt.address_change.health_card",
    DRIVERS_LICENCE: "receipt.address_change.drivers_licence",
    OUTDOOR_CARD: "receipt.address_change.outdoor_card",
}
REFUSAL_TEXTS = {
    "card_expired": "receipt.address_change.refused.card_expired",
    "card_not_found": "receipt.address_change.refused.not_found",
    "licence_not_found": "receipt.address_change.refused.not_found",
}
"""Refusals the citizen can act on; any other is printed as a generic refusal."""


class Status(enum.Enum):
    """Where one programme's change stands once the citizen leaves."""

    DONE = "done"
    REJECTED = "rejected"
    QUEUED = "queued"


@dataclass(frozen=True)
class ProgrammeChoice:
    """A programme the citizen ticked, with its card or licence number."""

    programme: str
    identifier: str


@dataclass(frozen=True)
class ProgrammeOutcome:
    """One programme's outcome, as the screen and the receipt show it."""

    programme: str
    status: Status
    reference: str
    confirmation: str | None
    failure_code: str | None

    @classmethod
    def of(cls, record: TransactionRecord) -> ProgrammeOutcome:
        """Return the outcome of one address-change transaction."""
        status = {SagaState.DONE: Status.DONE, SagaState.REJECTED: Status.REJECTED}
        return cls(
            programme=record.items[0].item_id,
            status=status.get(record.state, Status.QUEUED),
            reference=record.reference,
            confirmation=record.confirmation,
            failure_code=record.failure_code if record.state is SagaState.REJECTED else None,
        )


@dataclass(frozen=True)
class AddressChangeResult:
    """Every programme's outcome, the one receipt, and whether it came out of the printer."""

    outcomes: tuple[ProgrammeOutcome, ...]
    receipt: Receipt
    receipt_printed: bool


def choose_programme(programme: str, raw_identifier: str) -> ProgrammeChoice:
    """Return a ticked programme with its identifier normalized, or raise ValidationError.

    Codes: ``programme_unknown``, and the identifier's own format code
    (``health_card_format``, ``licence_number_format``, ``outdoor_card_format``).
    """
    normalize = IDENTIFIER_FORMATS.get(programme)
    if normalize is None:
        raise ValidationError(f"no programme {programme!r}", code="programme_unknown")
    return ProgrammeChoice(programme, normalize(raw_identifier))


def submit_address_change(
    runner: SagaRunner,
    address: Address,
    choices: Sequence[ProgrammeChoice],
    *,
    language: str,
    texts: ReceiptTexts,
    clock: Clock,
) -> AddressChangeResult:
    """Send ``address`` to every chosen programme, each on its own, then print one receipt.

    Raises ValidationError ``programme_missing`` (nothing ticked) or ``programme_repeated``
    before anything is sent; after that nothing raises for a ministry's answer.
    """
    if not choices:
        raise ValidationError("no programme chosen", code="programme_missing")
    if len({choice.programme for choice in choices}) != len(choices):
        raise ValidationError("a programme is chosen twice", code="programme_repeated")
    outcomes = []
    for choice in choices:
        record = runner.open(
            SERVICE,
            language,
            (LineItem(choice.programme, 0),),
            kiosk_fee_cents(SERVICE),
            posting_data=posting_data(choice, address),
        )
        outcomes.append(ProgrammeOutcome.of(runner.submit(record).record))
    receipt = build_address_change_receipt(
        address, outcomes, texts, clock.now().isoformat(), language
    )
    return AddressChangeResult(tuple(outcomes), receipt, runner.print_receipt(receipt))


def posting_data(choice: ProgrammeChoice, address: Address) -> Fields:
    """Return what posting one programme's change needs: its identifier and the address."""
    fields = [(name, value) for name, value in address.fields().items() if value is not None]
    return (("identifier", choice.identifier), *fields)


class AddressChangeSteps:
    """The change of address's part of the saga: post to the programme's own ministry."""

    def __init__(
        self,
        *,
        transport: TransportGateway,
        health: HealthGateway,
        natural_resources: NaturalResourcesGateway,
        kiosk_id: str,
        texts: Callable[[str], ReceiptTexts],
    ) -> None:
        self._post_to = {
            HEALTH_CARD: health.change_card_address,
            DRIVERS_LICENCE: transport.change_licence_address,
            OUTDOOR_CARD: natural_resources.change_outdoor_card_address,
        }
        self._kiosk_id = kiosk_id
        self._texts = texts

    def post(self, record: TransactionRecord, idempotency_key: str) -> str:
        """Record the new address with the programme's ministry; return its confirmation."""
        programme = record.items[0].item_id
        post_to = self._post_to.get(programme)
        if post_to is None:
            raise BackendError(programme, code="programme_unknown", permanent=True)
        identifier = required_posting_value(record, "identifier")
        try:
            address = Address.from_fields(dict(record.posting_data))
        except KeyError as err:
            raise BackendError(
                "address missing for posting", code="posting_data_missing", permanent=True
            ) from err
        return post_to(identifier, address, self._kiosk_id, idempotency_key)

    def receipt(self, record: TransactionRecord, printed_at: str) -> Receipt:
        """Return a receipt for this one programme (the visit prints one for all of them)."""
        data = dict(record.posting_data)
        address = Address.from_fields(data) if "street_name" in data else None
        texts = self._texts(record.language)
        outcomes = [ProgrammeOutcome.of(record)]
        return build_address_change_receipt(address, outcomes, texts, printed_at, record.language)


def build_address_change_receipt(
    address: Address | None,
    outcomes: Sequence[ProgrammeOutcome],
    texts: ReceiptTexts,
    printed_at: str,
    language: str,
) -> Receipt:
    """Return the one receipt of a change of address: the address, then each programme."""
    blocks: list[Block] = [
        Heading(texts.text("receipt.kiosk_name")),
        Text(texts.text("receipt.address_change.title")),
        Row(texts.text("receipt.date"), texts.timestamp(printed_at)),
        Divider(),
    ]
    if address is not None:
        blocks.append(Text(texts.text("receipt.address_change.new_address")))
        blocks += [Text(line) for line in address.lines()]
        blocks.append(Divider())
    for outcome in outcomes:
        blocks += _outcome_blocks(outcome, texts)
        blocks.append(Divider())
    blocks.append(Row(texts.text("receipt.total"), texts.money(0)))
    references = " ".join(outcome.reference for outcome in outcomes)
    blocks += [QrCode(references), Text(texts.text("receipt.keep"))]
    first = outcomes[0].reference if outcomes else ""
    return Receipt(language=language, reference=first, blocks=tuple(blocks))


def _outcome_blocks(outcome: ProgrammeOutcome, texts: ReceiptTexts) -> list[Block]:
    name = PROGRAMME_TEXTS.get(outcome.programme)
    blocks: list[Block] = [
        Text(texts.text(name) if name else outcome.programme),
        Row(texts.text("receipt.reference"), outcome.reference, emphasis=True),
    ]
    match outcome.status:
        case Status.DONE:
            blocks.append(Text(texts.text("receipt.address_change.done")))
            if outcome.confirmation:
                blocks.append(Row(texts.text("receipt.confirmation"), outcome.confirmation))
        case Status.QUEUED:
            blocks.append(Text(texts.text("receipt.address_change.queued")))
        case Status.REJECTED:
            reason = REFUSAL_TEXTS.get(outcome.failure_code or "", "receipt.address_change.refused")
            blocks.append(Text(texts.text(reason)))
    return blocks
