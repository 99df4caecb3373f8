"""Request and response bodies of the backend contract, documented for `/openapi.json`."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ministry_sandbox.program_models import (
    HealthCard,
    Licence,
    OutdoorCard,
    PlateText,
    Vehicle,
)

Jurisdiction = Literal["ontario", "toronto", "ottawa"]
NoticeStatus = Literal["unpaid", "paid"]
CardBrand = Literal["visa", "mastercard", "amex", "interac"]
AuthorizationStatus = Literal["approved", "declined"]
AuthorizationState = Literal["approved", "declined", "captured", "voided"]
DeclineReason = Literal["insufficient_funds", "card_declined"]
Program = Literal["fines", "payments", "transport", "health", "natural_resources"]
Operation = Literal[
    "pay",
    "authorize",
    "capture",
    "void",
    "renew_registration",
    "order_driver_record",
    "order_personalized_plate",
    "change_address",
    "renew_outdoor_card",
]
FixtureKind = Literal[
    "fines", "vehicles", "licences", "health_cards", "outdoor_cards", "plates_taken"
]


class _Request(BaseModel):
    """Base of request bodies: unknown fields are refused so client mistakes show up."""

    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    """Every error: a stable code and the same message in French and English."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": "notice_not_found",
                    "message_fr": "Aucun avis d'infraction ne porte le numéro 100042158731.",
                    "message_en": "No offence notice has the number 100042158731.",
                }
            ]
        }
    )

    error: str = Field(description="Stable machine-readable code, e.g. `notice_not_found`.")
    message_fr: str = Field(description="Message for the citizen, in French.")
    message_en: str = Field(description="Message for the citizen, in English.")
    unpaid_fines_cents: int | None = Field(
        default=None,
        description="Only with `unpaid_fines`: the total of the fines to pay first, in cents; "
        "absent otherwise.",
    )


# --- Fines ---------------------------------------------------------------------------------


class Notice(BaseModel):
    """An offence notice or parking ticket, as the fines backend knows it."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "notice_number": "100042158731",
                    "jurisdiction": "ontario",
                    "offence_fr": "Excès de vitesse",
                    "offence_en": "Speeding",
                    "amount_due_cents": 12500,
                    "due_date": "2026-12-15",
                    "status": "unpaid",
                    "defendant_name": "Éloïse Côté-Tremblay",
                }
            ]
        },
    )

    notice_number: str = Field(
        pattern=r"^[0-9]{12}$",
        description="12 digits: jurisdiction code, 9-digit serial, Luhn check digit.",
    )
    jurisdiction: Jurisdiction
    offence_fr: str = Field(min_length=1, description="The offence, in French.")
    offence_en: str = Field(min_length=1, description="The offence, in English.")
    amount_due_cents: int = Field(ge=0, description="Amount due, in cents (CAD).")
    due_date: dt.date = Field(description="Date the amount is due (YYYY-MM-DD).")
    status: NoticeStatus
    defendant_name: str = Field(min_length=1)


class NoticePayment(_Request):
    """One notice to pay and the amount the citizen pays for it."""

    notice_number: str = Field(min_length=1, examples=["100042158731"])
    amount_cents: int = Field(ge=0, description="Must equal the notice's amount due.")


class FinePaymentRequest(_Request):
    """Pay one or more notices at once, all or nothing."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "notices": [{"notice_number": "100042158731", "amount_cents": 12500}],
                    "authorization_id": "A-7QK2M9XD4B",
                    "kiosk_id": "kiosk-ottawa-01",
                }
            ]
        }
    )

    notices: list[NoticePayment] = Field(min_length=1, description="Distinct notices.")
    authorization_id: str = Field(min_length=1, description="The payment gateway's approval.")
    kiosk_id: str = Field(min_length=1)

    @field_validator("notices")
    @classmethod
    def _notices_are_distinct(cls, notices: list[NoticePayment]) -> list[NoticePayment]:
        numbers = [notice.notice_number for notice in notices]
        if len(set(numbers)) != len(numbers):
            raise ValueError("a notice appears more than once")
        return notices


class FinePaymentConfirmation(BaseModel):
    """The fines backend accepted the payment: every listed notice is now paid."""

    confirmation_number: str = Field(examples=["F-3K7Q9ZB2"])
    paid_at: str = Field(description="RFC 3339 UTC time.", examples=["2026-11-22T14:03:00Z"])
    total_cents: int
    notices: list[NoticePayment]


# --- Payment gateway -----------------------------------------------------------------------


class Card(BaseModel):
    """The card as the gateway reports it: never more than the last four digits."""

    model_config = ConfigDict(extra="forbid")

    brand: CardBrand
    last4: str = Field(pattern=r"^[0-9]{4}$", examples=["4242"])


class AuthorizationRequest(_Request):
    """Reserve an amount on a card."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "amount_cents": 12500,
                    "currency": "CAD",
                    "card": {"brand": "visa", "last4": "4242"},
                    "merchant_reference": "txn-0001",
                }
            ]
        }
    )

    amount_cents: int = Field(gt=0)
    currency: Literal["CAD"]
    card: Card
    merchant_reference: str = Field(
        min_length=1, max_length=200, description="The kiosk's transaction id."
    )


class Authorization(BaseModel):
    """The gateway's answer to an authorization request (approved or declined)."""

    authorization_id: str = Field(examples=["A-7QK2M9XD4B"])
    status: AuthorizationStatus
    decline_reason: DeclineReason | None = Field(
        description="Set when declined: last four `0002` → card_declined, "
        "`9995` → insufficient_funds."
    )
    amount_cents: int
    merchant_reference: str
    card: Card


class AuthorizationWithState(Authorization):
    """An authorization and where it stands now."""

    state: AuthorizationState


class AuthorizationList(BaseModel):
    """Authorizations for one merchant reference, oldest first."""

    authorizations: list[AuthorizationWithState]


class CaptureRequest(_Request):
    """Capture all or part of an approved authorization."""

    amount_cents: int = Field(gt=0, description="At most the amount authorized.")


class CaptureResult(BaseModel):
    """The captured authorization."""

    authorization_id: str
    state: Literal["captured"]
    amount_cents: int = Field(description="The amount captured.")


class VoidRequest(_Request):
    """Release an authorization; the body is an empty object."""


class VoidResult(BaseModel):
    """The voided authorization."""

    authorization_id: str
    state: Literal["voided"]


# --- Sandbox controls ----------------------------------------------------------------------


class LedgerEntry(BaseModel):
    """One operation the sandbox carried out."""

    program: Program
    operation: Operation
    idempotency_key: str
    reference: str = Field(
        description="Confirmation number (every programme) or authorization id (payments)."
    )
    amount_cents: int = Field(description="The amount paid or authorized; 0 for an address change.")
    at: str = Field(description="RFC 3339 UTC time.", examples=["2026-11-22T14:03:00Z"])


class Ledger(BaseModel):
    """Every operation carried out, in the order accepted; replays add nothing."""

    entries: list[LedgerEntry]


class Fixtures(_Request):
    """Records to add, or to replace when the key already exists; each kind is optional."""

    fines: list[Notice] = Field(default_factory=list, description="Keyed by notice number.")
    vehicles: list[Vehicle] = Field(default_factory=list, description="Keyed by plate.")
    licences: list[Licence] = Field(default_factory=list, description="Keyed by number.")
    health_cards: list[HealthCard] = Field(default_factory=list, description="Keyed by number.")
    outdoor_cards: list[OutdoorCard] = Field(default_factory=list, description="By number.")
    plates_taken: list[PlateText] = Field(
        default_factory=list, description="Personalized plate texts already issued."
    )


class FixturesLoaded(BaseModel):
    """The result of loading fixtures."""

    loaded: dict[FixtureKind, int] = Field(
        description="How many records of each kind the request gave, for the kinds it named.",
        examples=[{"fines": 2, "vehicles": 1}],
    )


class FaultSettings(_Request):
    """Faults to inject; they replace the faults in force. Absent fields mean no fault."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"latency_ms": 300, "fail_next_writes": 2, "paths": ["/fines/v1"]}]
        }
    )

    latency_ms: int = Field(default=0, ge=0, le=60_000, description="Delay before processing.")
    outage: bool = Field(default=False, description="Answer 503 backend_unavailable.")
    fail_next_writes: int = Field(
        default=0, ge=0, description="Answer 503 to the next n matching POSTs, unprocessed."
    )
    retry_after_s: int | None = Field(
        default=None,
        ge=0,
        le=86_400,
        description="Send `Retry-After` with this many seconds on the injected 503s.",
    )
    paths: list[str] = Field(
        default_factory=list,
        description="Path prefixes the faults apply to; empty means every path. "
        "`/_sandbox` is never affected.",
    )
