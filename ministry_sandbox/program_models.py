"""Shapes shared by the transport, health and natural-resources programmes, and their records.

The records (vehicles, licences, cards) are what the seeded data files and `/_sandbox/fixtures`
hold; the address and the payment fields are what every address change and paid write carries.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# Canadian postal code `A1A 1A1`: D, F, I, O, Q and U are never used, W and Z never first
# (Canada Post, Canadian Addressing Guide, 5.7).
POSTAL_CODE_PATTERN = r"^[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] [0-9][ABCEGHJ-NPRSTV-Z][0-9]$"
LICENCE_PATTERN = r"^[A-Z][0-9]{14}$"
PLATE_PATTERN = r"^[A-Z0-9]{2,8}$"
RENEWAL_NOTICE_PATTERN = r"^RN[0-9]{10}$"
HEALTH_CARD_PATTERN = r"^[0-9]{10}[A-Z]{2}$"
OUTDOOR_CARD_PATTERN = r"^708158[0-9]{9}$"

# The 13 provinces and territories, by their Canada Post codes.
Province = Literal[
    "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"
]  # fmt: skip
LicenceStatus = Literal["valid", "suspended", "expired"]

LicenceNumber = Annotated[
    str,
    Field(
        pattern=LICENCE_PATTERN,
        description="One letter and 14 digits, without dashes.",
        examples=["C60234567890123"],
    ),
]
PlateText = Annotated[
    str,
    Field(
        pattern=PLATE_PATTERN,
        description="2 to 8 letters A–Z and digits, uppercase, without spaces.",
        examples=["CBKR274"],
    ),
]


class Address(BaseModel):
    """A Canadian civic address, as the kiosk sends it after normalising the postal code."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "street_number": "1234",
                    "street_name": "rue Sainte-Catherine Ouest",
                    "unit": "apt 5B",
                    "city": "Ottawa",
                    "province": "ON",
                    "postal_code": "K1A 0B1",
                }
            ]
        },
    )

    street_number: str = Field(
        min_length=1, max_length=10, pattern=r"^[0-9]", description="Starts with a digit."
    )
    street_name: str = Field(min_length=1, max_length=100)
    unit: str | None = Field(default=None, min_length=1, max_length=20)
    city: str = Field(min_length=1, max_length=60)
    province: Province = Field(description="One of the 13 province and territory codes.")
    postal_code: str = Field(
        pattern=POSTAL_CODE_PATTERN,
        description="`A1A 1A1`: uppercase, one space; D F I O Q U never used, W Z never first.",
    )


class PaidRequest(BaseModel):
    """Base of paid writes: the fee and the payment that covers it; unknown fields refused."""

    model_config = ConfigDict(extra="forbid")

    fee_cents: int = Field(
        ge=0, description="Must equal the ministry's fee (422 `amount_mismatch` otherwise)."
    )
    authorization_id: str = Field(min_length=1, description="The payment gateway's approval.")
    kiosk_id: str = Field(min_length=1)


class AddressChangeRequest(BaseModel):
    """Change the address on file."""

    model_config = ConfigDict(extra="forbid")

    address: Address
    kiosk_id: str = Field(min_length=1)


class AddressChangeConfirmation(BaseModel):
    """The new address is on file."""

    confirmation_number: str = Field(examples=["L-7QK2M9XD"])


# --- Records (seeded data and fixtures) -----------------------------------------------------


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Vehicle(_Record):
    """A registered vehicle and what its renewal depends on."""

    plate: PlateText
    year: int = Field(ge=1900, le=2100)
    make: str = Field(min_length=1)
    model: str = Field(min_length=1)
    owner_licence_number: LicenceNumber
    owner_name: str = Field(min_length=1)
    current_expiry: dt.date = Field(description="Date the registration expires (YYYY-MM-DD).")
    renewal_notice: str | None = Field(
        pattern=RENEWAL_NOTICE_PATTERN, description="`RN` and 10 digits, or null."
    )
    unpaid_fines_cents: int = Field(ge=0, description="More than 0 blocks the renewal.")
    insured: bool = Field(description="Whether valid insurance is on file.")


class Conviction(_Record):
    """A conviction on a driver's record."""

    date: dt.date
    offence_fr: str = Field(min_length=1, description="The offence, in French.")
    offence_en: str = Field(min_length=1, description="The offence, in English.")


class Licence(_Record):
    """A driver's licence and its record."""

    licence_number: LicenceNumber
    holder_name: str = Field(min_length=1)
    date_of_birth: dt.date
    status: LicenceStatus
    licence_class: str = Field(min_length=1, max_length=3, examples=["G"])
    expiry: dt.date
    demerit_points: int = Field(ge=0)
    convictions: list[Conviction]
    address: Address | None = Field(default=None, description="The address on file.")


class HealthCard(_Record):
    """A health card; it is expired after its expiry date."""

    health_card_number: str = Field(
        pattern=HEALTH_CARD_PATTERN,
        description="10 digits and the 2-letter version code.",
        examples=["1234567890AB"],
    )
    holder_name: str = Field(min_length=1)
    expiry: dt.date
    address: Address | None = Field(default=None, description="The address on file.")


class OutdoorCard(_Record):
    """An Outdoors Card (hunting and fishing)."""

    card_number: str = Field(
        pattern=OUTDOOR_CARD_PATTERN,
        description="15 digits starting with 708158.",
        examples=["708158123456789"],
    )
    holder_name: str = Field(min_length=1)
    expiry: dt.date
    address: Address | None = Field(default=None, description="The address on file.")


# --- Natural resources ----------------------------------------------------------------------


class OutdoorCardQuote(BaseModel):
    """An Outdoors Card and what renewing it costs."""

    card_number: str
    expiry: dt.date
    renewal_years: Literal[3]
    renewal_fee_cents: int
    renewable: bool = Field(
        description="False when the card expired more than 3 years ago: a counter must see "
        "the holder."
    )


class OutdoorCardRenewalRequest(PaidRequest):
    """Renew an Outdoors Card for 3 years."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"fee_cents": 968, "authorization_id": "A-7QK2M9XD4B", "kiosk_id": "kiosk-01"}
            ]
        }
    )


class OutdoorCardRenewal(BaseModel):
    """The card is renewed."""

    confirmation_number: str = Field(examples=["N-3K7Q9ZB2"])
    new_expiry: dt.date = Field(description="3 years after the later of today and the expiry.")
