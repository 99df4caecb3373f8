"""Request and response bodies of the transport backend, documented for `/openapi.json`."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ministry_sandbox.plate_rules import normalise_plate_text
from ministry_sandbox.program_models import (
    Conviction,
    LicenceNumber,
    LicenceStatus,
    PaidRequest,
    PlateText,
)

RenewalYears = Literal[1, 2]
PlateUnavailableReason = Literal["taken", "refused"]


# --- Registrations ---------------------------------------------------------------------------


class VehicleDescription(BaseModel):
    """The vehicle, as the registration shows it."""

    year: int
    make: str
    model: str


class RegistrationTerm(BaseModel):
    """A renewal term on offer and its fee."""

    years: RenewalYears
    fee_cents: int


class RegistrationQuote(BaseModel):
    """A registration the citizen may renew, and the terms on offer."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "plate": "CBKR274",
                    "vehicle": {"year": 2019, "make": "Toyota", "model": "Corolla"},
                    "current_expiry": "2027-03-09",
                    "terms": [{"years": 1, "fee_cents": 5900}, {"years": 2, "fee_cents": 11800}],
                }
            ]
        }
    )

    plate: str
    vehicle: VehicleDescription
    current_expiry: dt.date = Field(description="Date the registration expires (YYYY-MM-DD).")
    terms: list[RegistrationTerm]


class RenewalRequest(PaidRequest):
    """Renew a registration for 1 or 2 years."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "licence_number": "C60234567890123",
                    "years": 1,
                    "fee_cents": 5900,
                    "authorization_id": "A-7QK2M9XD4B",
                    "kiosk_id": "kiosk-ottawa-01",
                }
            ]
        }
    )

    licence_number: LicenceNumber = Field(description="The owner's licence, without dashes.")
    years: RenewalYears


class RenewalConfirmation(BaseModel):
    """The registration is renewed."""

    confirmation_number: str = Field(examples=["R-3K7Q9ZB2"])
    plate: str
    years: RenewalYears
    new_expiry: dt.date = Field(
        description="The current expiry plus the term, or today plus the term when the "
        "registration had already expired."
    )
    fee_cents: int


# --- Driver's licences and records -----------------------------------------------------------


class LicenceQuote(BaseModel):
    """A driver's licence and what its driver's record costs."""

    licence_number: str
    status: LicenceStatus
    record_fee_cents: int


class DriverRecordRequest(PaidRequest):
    """Order the driver's record (an uncertified summary)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "licence_number": "C60234567890123",
                    "date_of_birth": "1984-03-09",
                    "fee_cents": 1200,
                    "authorization_id": "A-7QK2M9XD4B",
                    "kiosk_id": "kiosk-ottawa-01",
                }
            ]
        }
    )

    licence_number: LicenceNumber
    date_of_birth: dt.date = Field(description="Must be the holder's (YYYY-MM-DD).")


class DriverRecordSummary(BaseModel):
    """The driver's record, as printed on the receipt."""

    licence_class: str
    status: LicenceStatus
    expiry: dt.date
    demerit_points: int
    convictions: list[Conviction]


class DriverRecordConfirmation(BaseModel):
    """The driver's record, paid for."""

    confirmation_number: str = Field(examples=["D-3K7Q9ZB2"])
    summary: DriverRecordSummary


# --- Personalized plates ---------------------------------------------------------------------


class PlateAvailability(BaseModel):
    """Whether a personalized plate can be ordered, and its fee."""

    text: str = Field(description="The text, uppercased and without spaces.")
    available: bool
    reason: PlateUnavailableReason | None = Field(
        description="`refused`: contains a word on the ministry's list (accents and lookalike "
        "digits folded); `taken`: already issued or ordered; null when available."
    )
    fee_cents: int


class PlateOrderRequest(PaidRequest):
    """Order a personalized plate."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "text": "ERABLE",
                    "licence_number": "C60234567890123",
                    "fee_cents": 32600,
                    "authorization_id": "A-7QK2M9XD4B",
                    "kiosk_id": "kiosk-ottawa-01",
                }
            ]
        }
    )

    text: PlateText = Field(description="Uppercased and stripped of spaces before the checks.")
    licence_number: LicenceNumber

    @field_validator("text", mode="before")
    @classmethod
    def _normalise_text(cls, text: object) -> object:
        return normalise_plate_text(text) if isinstance(text, str) else text


class PlateOrderConfirmation(BaseModel):
    """The personalized plate is ordered."""

    confirmation_number: str = Field(examples=["P-3K7Q9ZB2"])
    text: str
    fee_cents: int
    delivery_weeks: int = Field(description="Weeks until the plates are mailed.")
