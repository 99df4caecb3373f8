"""What the kiosk and the transport ministry's backend exchange (``/transport/v1``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Vehicle:
    """The vehicle a plate is registered to."""

    year: int
    make: str
    model: str

    def description(self) -> str:
        """Return ``2019 Toyota Corolla``."""
        return f"{self.year} {self.make} {self.model}"


@dataclass(frozen=True)
class RenewalTerm:
    """One renewal term the ministry offers, with its fee."""

    years: int
    fee_cents: int


@dataclass(frozen=True)
class Registration:
    """A vehicle registration that may be renewed, with the terms on offer."""

    plate: str
    vehicle: Vehicle
    current_expiry: str
    terms: tuple[RenewalTerm, ...]


@dataclass(frozen=True)
class RegistrationRenewal:
    """Renew this plate's registration for ``years``, paid with this authorization."""

    plate: str
    licence_number: str
    years: int
    fee_cents: int
    authorization_id: str
    kiosk_id: str


@dataclass(frozen=True)
class RenewalConfirmation:
    """The ministry's proof of a renewal."""

    confirmation_number: str
    plate: str
    years: int
    new_expiry: str
    fee_cents: int


@dataclass(frozen=True)
class LicenceCheck:
    """A licence whose holder gave the right date of birth, and the fee for its record."""

    licence_number: str
    status: str
    record_fee_cents: int


@dataclass(frozen=True)
class DriverRecordOrder:
    """Order the driver's record summary of this licence."""

    licence_number: str
    date_of_birth: str
    fee_cents: int
    authorization_id: str
    kiosk_id: str


@dataclass(frozen=True)
class Conviction:
    """One conviction on a driver's record, described in both languages."""

    date: str
    offence_fr: str
    offence_en: str

    def offence(self, language: str) -> str:
        """Return the offence described in ``language`` ("fr" or "en")."""
        return self.offence_fr if language == "fr" else self.offence_en


@dataclass(frozen=True)
class DriverRecordSummary:
    """What a driver's record says: class, status, expiry, demerit points, convictions."""

    licence_class: str
    status: str
    expiry: str
    demerit_points: int
    convictions: tuple[Conviction, ...]


@dataclass(frozen=True)
class DriverRecordConfirmation:
    """The ministry's proof of the order, and the summary the receipt prints."""

    confirmation_number: str
    summary: DriverRecordSummary


@dataclass(frozen=True)
class PlateAvailability:
    """Whether the ministry would issue a personalized plate text, and its fee."""

    text: str
    available: bool
    reason: str | None
    fee_cents: int


@dataclass(frozen=True)
class PlateOrder:
    """Order a personalized plate for the holder of this licence."""

    text: str
    licence_number: str
    fee_cents: int
    authorization_id: str
    kiosk_id: str


@dataclass(frozen=True)
class PlateOrderConfirmation:
    """The ministry's proof of a plate order, and when the plates will arrive."""

    confirmation_number: str
    text: str
    fee_cents: int
    delivery_weeks: int
