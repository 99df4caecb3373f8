"""Renewing a vehicle registration (the plate sticker): look up, quote a term, post, receipt.

The citizen gives the plate (or the renewal notice mailed to them) and their driver's
licence number; the ministry answers with the terms it offers (1 or 2 years) or refuses:
``vehicle_not_found``, ``vehicle_not_owned``, ``unpaid_fines``, ``no_valid_insurance``
arrive as BackendError(permanent=True) with that code, before anything is paid. The receipt
is the proof of renewal until the sticker arrives by mail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from transactions.errors import ValidationError
from transactions.fees import FeeSplit, kiosk_fee_cents
from transactions.ports import TransportGateway
from transactions.receipt import Block, Receipt, ReceiptTexts, Row, Text
from transactions.receipt_blocks import paid_receipt, years_text
from transactions.records import Fields, LineItem, TransactionRecord
from transactions.saga.runner import Posted, required_authorization, required_posting_value
from transactions.transport.identifiers import (
    normalize_licence_number,
    normalize_plate,
    normalize_renewal_notice,
)
from transactions.transport.values import Registration, RegistrationRenewal, RenewalTerm

SERVICE = "registration-renewal"


@dataclass(frozen=True)
class RenewalOffer:
    """A registration the citizen may renew, with the licence that proved ownership."""

    registration: Registration
    licence_number: str

    @property
    def terms(self) -> tuple[RenewalTerm, ...]:
        """Return the terms on offer, shortest first."""
        return tuple(sorted(self.registration.terms, key=lambda term: term.years))


@dataclass(frozen=True)
class RegistrationQuote(FeeSplit):
    """One term chosen: the ministry's fee and the kiosk fee, kept apart."""

    registration: Registration
    licence_number: str
    term: RenewalTerm
    kiosk_fee_cents: int

    @property
    def ministry_amount_cents(self) -> int:
        """Return the ministry's fee for the term."""
        return self.term.fee_cents

    def items(self) -> tuple[LineItem, ...]:
        """Return the plate and the term's fee as the journal's line item."""
        return (LineItem(self.registration.plate, self.term.fee_cents),)

    def posting_data(self) -> Fields:
        """Return what the renewal's posting needs beyond the item."""
        return (("licence_number", self.licence_number), ("years", str(self.term.years)))

    def receipt_data(self) -> Fields:
        """Return what the receipt shows beyond the item."""
        return (
            ("vehicle", self.registration.vehicle.description()),
            ("years", str(self.term.years)),
        )


class RegistrationRenewals:
    """The registration renewal service as the screens use it."""

    def __init__(self, gateway: TransportGateway) -> None:
        self._gateway = gateway

    def look_up(self, raw_plate: str, raw_licence: str) -> RenewalOffer:
        """Return the renewal offer for a plate, or raise an error the screen can say.

        ValidationError for a malformed plate or licence number; BackendError(permanent)
        with the ministry's refusal code; BackendUnavailable when it cannot be reached.
        """
        plate = normalize_plate(raw_plate)
        licence_number = normalize_licence_number(raw_licence)
        return RenewalOffer(
            self._gateway.registration_by_plate(plate, licence_number), licence_number
        )

    def look_up_by_notice(self, raw_notice: str, raw_licence: str) -> RenewalOffer:
        """Return the renewal offer for the vehicle a renewal notice names.

        The notice finds the plate; the licence is then checked against it as for
        :meth:`look_up`, so ``vehicle_not_owned`` and the other refusals come before paying.
        """
        notice = normalize_renewal_notice(raw_notice)
        licence_number = normalize_licence_number(raw_licence)
        plate = self._gateway.registration_by_notice(notice).plate
        return RenewalOffer(
            self._gateway.registration_by_plate(plate, licence_number), licence_number
        )

    def quote(self, offer: RenewalOffer, years: int) -> RegistrationQuote:
        """Return the amounts for ``years``; ``renewal_term_unavailable`` if not on offer."""
        for term in offer.terms:
            if term.years == years:
                return RegistrationQuote(
                    registration=offer.registration,
                    licence_number=offer.licence_number,
                    term=term,
                    kiosk_fee_cents=kiosk_fee_cents(SERVICE),
                )
        raise ValidationError(f"no {years}-year term", code="renewal_term_unavailable")


class RegistrationSteps:
    """The registration renewal's part of the saga: posting and receipt."""

    def __init__(
        self, gateway: TransportGateway, kiosk_id: str, texts: Callable[[str], ReceiptTexts]
    ) -> None:
        self._gateway = gateway
        self._kiosk_id = kiosk_id
        self._texts = texts

    def post(self, record: TransactionRecord, idempotency_key: str) -> Posted:
        """Renew the registration with the ministry; return the confirmation and new expiry."""
        authorization_id = required_authorization(record)
        [item] = record.items
        renewal = RegistrationRenewal(
            plate=item.item_id,
            licence_number=required_posting_value(record, "licence_number"),
            years=int(required_posting_value(record, "years")),
            fee_cents=item.amount_cents,
            authorization_id=authorization_id,
            kiosk_id=self._kiosk_id,
        )
        answer = self._gateway.renew_registration(renewal, idempotency_key)
        return Posted(answer.confirmation_number, (("new_expiry", answer.new_expiry),))

    def receipt(self, record: TransactionRecord, printed_at: str) -> Receipt:
        """Return the renewal receipt in the transaction's language."""
        return build_registration_receipt(record, self._texts(record.language), printed_at)


def build_registration_receipt(
    record: TransactionRecord, texts: ReceiptTexts, printed_at: str
) -> Receipt:
    """Return the receipt: plate, vehicle, term, amounts and, once renewed, the new expiry."""
    [item] = record.items
    lines: list[Block] = [Row(texts.text("receipt.registration.plate"), item.item_id)]
    vehicle = record.receipt_value("vehicle")
    if vehicle:
        lines.append(Row(texts.text("receipt.registration.vehicle"), vehicle))
    years = record.receipt_value("years")
    if years:
        lines.append(Row(texts.text("receipt.registration.term"), years_text(texts, int(years))))
    done: list[Block] = []
    new_expiry = record.receipt_value("new_expiry")
    if new_expiry:
        label = texts.text("receipt.registration.new_expiry")
        done.append(Row(label, texts.date(new_expiry), emphasis=True))
    done.append(Text(texts.text("receipt.registration.proof")))
    title = texts.text("receipt.registration.title")
    return paid_receipt(record, texts, printed_at, title=title, lines=lines, done=done)
