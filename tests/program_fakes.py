"""In-memory fakes of the transport, health and natural resources backends (``ports.py``).

Like the sandbox, each one records a write once per idempotency key and answers a repeated
key with the first answer; refusals record nothing; outages are scripted. Each keeps the
writes it accepted, so tests assert what the ministries now hold. ``FakeKiosk`` in
``fakes.py`` wires them in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, ClassVar, NamedTuple, TypeVar, cast

from transactions.addresses import Address
from transactions.errors import BackendError, BackendUnavailable
from transactions.natural_resources.values import (
    OutdoorCard,
    OutdoorCardRenewal,
    OutdoorCardRenewed,
)
from transactions.transport.values import (
    Conviction,
    DriverRecordConfirmation,
    DriverRecordOrder,
    DriverRecordSummary,
    LicenceCheck,
    PlateAvailability,
    PlateOrder,
    PlateOrderConfirmation,
    Registration,
    RegistrationRenewal,
    RenewalConfirmation,
    RenewalTerm,
    Vehicle,
)

T = TypeVar("T")


class SimulatedPowerCut(Exception):
    """The kiosk stopped dead in the middle of a call; the test catches it and restarts."""


Timeline = list[tuple[str, str]]

TODAY = date(2026, 11, 22)  # the fake clock's day (fakes.START)
REGISTRATION_FEES = {1: 5900, 2: 11800}
RECORD_FEE = 1200
PLATE_FEE = 32600
PLATE_DELIVERY_WEEKS = 6
OUTDOOR_CARD_FEE = 968

OWNER = "C60234567890123"  # Éloïse Côté-Tremblay, born 1984-03-09
OWES_FINES = "O12345678901234"  # Zoë O'Brien-Nguyễn, born 1990-11-30, suspended
UNINSURED_OWNER = "B55501234567890"


class Write(NamedTuple):
    """A write a backend carried out, once per idempotency key."""

    operation: str
    key: str
    body: Any
    answer: Any


class FakeBackend:
    """What every fake backend shares: idempotent writes, scripted outages and refusals."""

    name = "backend"

    def __init__(self, timeline: Timeline | None = None) -> None:
        self.timeline: Timeline = timeline if timeline is not None else []
        self.writes: list[Write] = []
        self.write_calls: list[str] = []
        self._outages: int | None = 0
        self._refusal: BackendError | None = None
        self._power_cut: str | None = None
        self._numbers = 0

    def fail_transiently(self, times: int | None) -> None:
        """Answer 'retry later' to the next ``times`` writes (None: until told otherwise)."""
        self._outages = times

    def refuse(self, code: str) -> None:
        """Refuse every new write for good (4xx) with ``code``, recording nothing."""
        self._refusal = BackendError("refused", code=code, permanent=True)

    def back_to_normal(self) -> None:
        """Stop refusing and stop failing."""
        self._outages = 0
        self._refusal = None

    def will_stop_the_kiosk_during_the_next_write(self, *, after_recording: bool) -> None:
        """Cut the kiosk's power during the next write, before or after it is recorded."""
        self._power_cut = "after" if after_recording else "before"

    def writes_of(self, operation: str) -> list[Write]:
        """Return the writes carried out for ``operation``."""
        return [write for write in self.writes if write.operation == operation]

    def _write(self, operation: str, key: str, body: object, perform: Callable[[], T]) -> T:
        self.write_calls.append(key)
        self.timeline.append((f"{self.name}.{operation}", key))
        if self._power_cut == "before":
            self._power_cut = None
            raise SimulatedPowerCut("the kiosk stopped before the write left")
        if self._outages != 0:
            if self._outages is not None:
                self._outages -= 1
            raise BackendUnavailable(f"{self.name} unreachable")
        for earlier in self.writes:
            if earlier.key == key:
                if earlier.body != body:
                    raise BackendError("key reused", code="idempotency_key_reused", permanent=True)
                return cast(T, earlier.answer)
        if self._refusal is not None:
            raise self._refusal
        answer = perform()
        self.writes.append(Write(operation, key, body, answer))
        if self._power_cut == "after":
            self._power_cut = None
            raise SimulatedPowerCut("the kiosk stopped before hearing the answer")
        return answer

    def _confirmation(self, prefix: str) -> str:
        self._numbers += 1
        return f"{prefix}-{self._numbers:06d}"


def _refused(code: str) -> BackendError:
    return BackendError(code, code=code, permanent=True)


def add_years(day: str, years: int) -> str:
    """Return the ISO date ``years`` later (29 February becomes 28 February)."""
    start = date.fromisoformat(day)
    try:
        return start.replace(year=start.year + years).isoformat()
    except ValueError:
        return start.replace(year=start.year + years, day=28).isoformat()


# --- transport -----------------------------------------------------------------------------


@dataclass
class FakeVehicle:
    """A registered vehicle, as the fake transport backend keeps it."""

    plate: str
    vehicle: Vehicle
    owner: str
    current_expiry: str
    renewal_notice: str | None = None
    unpaid_fines_cents: int = 0
    insured: bool = True


@dataclass
class FakeLicence:
    """A driver's licence and its record."""

    licence_number: str
    date_of_birth: str
    summary: DriverRecordSummary
    address: Address | None = None


SIGN = Conviction(
    "2025-08-14",
    "Omission d'obéir à un panneau de signalisation",
    "Failing to obey a traffic sign",
)


def seeded_vehicles() -> list[FakeVehicle]:
    """Return the sandbox's seeded vehicles (``ministry_sandbox/README.md``)."""
    return [
        FakeVehicle("CBKR274", Vehicle(2019, "Toyota", "Corolla"), OWNER, "2027-03-09"),
        FakeVehicle(
            "BXPT911",
            Vehicle(2015, "Honda", "Civic"),
            OWES_FINES,
            "2026-12-01",
            unpaid_fines_cents=12500,
        ),
        FakeVehicle(
            "ABCD123",
            Vehicle(2021, "Ford", "F-150"),
            UNINSURED_OWNER,
            "2027-01-15",
            renewal_notice="RN0000004242",
            insured=False,
        ),
        FakeVehicle(
            "CKLM555",
            Vehicle(2012, "Mazda", "3"),
            OWNER,
            "2026-12-20",
            renewal_notice="RN0000001234",
        ),
    ]


def seeded_licences() -> list[FakeLicence]:
    """Return the sandbox's seeded licences."""
    return [
        FakeLicence(
            OWNER, "1984-03-09", DriverRecordSummary("G", "valid", "2029-03-09", 2, (SIGN,))
        ),
        FakeLicence(
            OWES_FINES, "1990-11-30", DriverRecordSummary("G2", "suspended", "2027-11-30", 0, ())
        ),
    ]


class FakeTransport(FakeBackend):
    """The transport backend: registrations, licences and records, plates, licence addresses."""

    name = "transport"
    REFUSED_WORDS: ClassVar[tuple[str, ...]] = ("IDIOT", "CALICE", "NIAISEUX")
    """The ministry's own list: NIAISEUX is on it but not on the kiosk's."""

    def __init__(
        self,
        timeline: Timeline | None = None,
        vehicles: Iterable[FakeVehicle] | None = None,
        licences: Iterable[FakeLicence] | None = None,
    ) -> None:
        super().__init__(timeline)
        self.vehicles = {v.plate: v for v in (seeded_vehicles() if vehicles is None else vehicles)}
        self.licences = {
            lic.licence_number: lic for lic in (seeded_licences() if licences is None else licences)
        }
        self.plates_taken = {"BONJOUR", "HOCKEY"}
        self.lookups: list[str] = []

    # look-ups

    def registration_by_plate(self, plate: str, licence_number: str) -> Registration:
        """Return the registration if the licence is the owner's and nothing blocks it."""
        self.lookups.append(f"registration {plate}")
        vehicle = self.vehicles.get(plate)
        if vehicle is None:
            raise _refused("vehicle_not_found")
        return self._renewable(vehicle, licence_number)

    def registration_by_notice(self, renewal_notice: str) -> Registration:
        """Return the registration a notice was mailed for (ownership is not checked)."""
        self.lookups.append(f"notice {renewal_notice}")
        for vehicle in self.vehicles.values():
            if vehicle.renewal_notice == renewal_notice:
                return self._renewable(vehicle, None)
        raise _refused("vehicle_not_found")

    def verify_licence(self, licence_number: str, date_of_birth: str) -> LicenceCheck:
        """Return the licence if the date of birth is its holder's."""
        self.lookups.append(f"licence {licence_number}")
        licence = self._licence(licence_number)
        if licence.date_of_birth != date_of_birth:
            raise _refused("date_of_birth_mismatch")
        return LicenceCheck(licence_number, licence.summary.status, RECORD_FEE)

    def plate_availability(self, text: str) -> PlateAvailability:
        """Say whether the plate text could be ordered (the backend ignores spaces)."""
        compact = text.replace(" ", "")
        self.lookups.append(f"plate {compact}")
        problem = self._plate_problem(compact)
        return PlateAvailability(compact, problem is None, problem, PLATE_FEE)

    # writes

    def renew_registration(
        self, renewal: RegistrationRenewal, idempotency_key: str
    ) -> RenewalConfirmation:
        """Renew from the current expiry; the same refusals as the look-up."""

        def perform() -> RenewalConfirmation:
            vehicle = self.vehicles.get(renewal.plate)
            if vehicle is None:
                raise _refused("vehicle_not_found")
            self._renewable(vehicle, renewal.licence_number)
            if renewal.fee_cents != REGISTRATION_FEES[renewal.years]:
                raise _refused("amount_mismatch")
            start = max(vehicle.current_expiry, TODAY.isoformat())
            vehicle.current_expiry = add_years(start, renewal.years)
            return RenewalConfirmation(
                self._confirmation("R"),
                vehicle.plate,
                renewal.years,
                vehicle.current_expiry,
                renewal.fee_cents,
            )

        return self._write("renew_registration", idempotency_key, renewal, perform)

    def order_driver_record(
        self, order: DriverRecordOrder, idempotency_key: str
    ) -> DriverRecordConfirmation:
        """Return the record's summary once the fee is right."""

        def perform() -> DriverRecordConfirmation:
            licence = self._licence(order.licence_number)
            if licence.date_of_birth != order.date_of_birth:
                raise _refused("date_of_birth_mismatch")
            if order.fee_cents != RECORD_FEE:
                raise _refused("amount_mismatch")
            return DriverRecordConfirmation(self._confirmation("D"), licence.summary)

        return self._write("order_driver_record", idempotency_key, order, perform)

    def order_plate(self, order: PlateOrder, idempotency_key: str) -> PlateOrderConfirmation:
        """Order the plate; it is taken from then on."""

        def perform() -> PlateOrderConfirmation:
            self._licence(order.licence_number)
            text = order.text.replace(" ", "")
            problem = self._plate_problem(text)
            if problem is not None:
                raise _refused(f"plate_{problem}")
            if order.fee_cents != PLATE_FEE:
                raise _refused("amount_mismatch")
            self.plates_taken.add(text)
            return PlateOrderConfirmation(
                self._confirmation("P"), text, PLATE_FEE, PLATE_DELIVERY_WEEKS
            )

        return self._write("order_plate", idempotency_key, order, perform)

    def change_licence_address(
        self, licence_number: str, address: Address, kiosk_id: str, idempotency_key: str
    ) -> str:
        """Put the address on the licence."""

        def perform() -> str:
            licence = self._licence(licence_number)
            licence.address = address
            return self._confirmation("L")

        body = (licence_number, address, kiosk_id)
        return self._write("change_address", idempotency_key, body, perform)

    def _licence(self, licence_number: str) -> FakeLicence:
        licence = self.licences.get(licence_number)
        if licence is None:
            raise _refused("licence_not_found")
        return licence

    def _renewable(self, vehicle: FakeVehicle, licence_number: str | None) -> Registration:
        if licence_number is not None and vehicle.owner != licence_number:
            raise _refused("vehicle_not_owned")
        if vehicle.unpaid_fines_cents:
            raise _refused("unpaid_fines")
        if not vehicle.insured:
            raise _refused("no_valid_insurance")
        terms = tuple(RenewalTerm(years, fee) for years, fee in REGISTRATION_FEES.items())
        return Registration(vehicle.plate, vehicle.vehicle, vehicle.current_expiry, terms)

    def _plate_problem(self, text: str) -> str | None:
        if any(word in text for word in self.REFUSED_WORDS):
            return "refused"
        if text in self.plates_taken:
            return "taken"
        return None


# --- health --------------------------------------------------------------------------------


class FakeHealth(FakeBackend):
    """The health backend: health card addresses."""

    name = "health"

    def __init__(self, timeline: Timeline | None = None) -> None:
        super().__init__(timeline)
        self.cards: dict[str, bool] = {"1234567890AB": True, "9876543210ZZ": False}
        """Card number → still valid."""
        self.addresses: dict[str, Address] = {}

    def change_card_address(
        self, card_number: str, address: Address, kiosk_id: str, idempotency_key: str
    ) -> str:
        """Put the address on the card (``card_not_found``, ``card_expired``)."""

        def perform() -> str:
            if card_number not in self.cards:
                raise _refused("card_not_found")
            if not self.cards[card_number]:
                raise _refused("card_expired")
            self.addresses[card_number] = address
            return self._confirmation("H")

        body = (card_number, address, kiosk_id)
        return self._write("change_address", idempotency_key, body, perform)


# --- natural resources ---------------------------------------------------------------------


@dataclass
class FakeOutdoorCards:
    """Outdoors Cards by number, with their addresses."""

    cards: dict[str, OutdoorCard] = field(
        default_factory=lambda: {
            "708158123456789": OutdoorCard(
                "708158123456789", "2026-12-31", 3, OUTDOOR_CARD_FEE, True
            ),
            "708158000000017": OutdoorCard(
                "708158000000017", "2019-01-01", 3, OUTDOOR_CARD_FEE, False
            ),
        }
    )
    addresses: dict[str, Address] = field(default_factory=dict)


class FakeNaturalResources(FakeBackend):
    """The natural resources backend: Outdoors Cards."""

    name = "natural_resources"

    def __init__(self, timeline: Timeline | None = None) -> None:
        super().__init__(timeline)
        self.store = FakeOutdoorCards()
        self.lookups: list[str] = []

    def look_up_outdoor_card(self, card_number: str) -> OutdoorCard:
        """Return the card, or raise a permanent ``card_not_found``."""
        self.lookups.append(card_number)
        return self._card(card_number)

    def renew_outdoor_card(
        self, renewal: OutdoorCardRenewal, idempotency_key: str
    ) -> OutdoorCardRenewed:
        """Extend the card by three years (``card_not_renewable`` if expired too long ago)."""

        def perform() -> OutdoorCardRenewed:
            card = self._card(renewal.card_number)
            if not card.renewable:
                raise _refused("card_not_renewable")
            if renewal.fee_cents != OUTDOOR_CARD_FEE:
                raise _refused("amount_mismatch")
            new_expiry = add_years(max(card.expiry, TODAY.isoformat()), card.renewal_years)
            self.store.cards[card.card_number] = replace(card, expiry=new_expiry)
            return OutdoorCardRenewed(self._confirmation("N"), new_expiry)

        return self._write("renew", idempotency_key, renewal, perform)

    def change_outdoor_card_address(
        self, card_number: str, address: Address, kiosk_id: str, idempotency_key: str
    ) -> str:
        """Put the address on the card."""

        def perform() -> str:
            self._card(card_number)
            self.store.addresses[card_number] = address
            return self._confirmation("N")

        body = (card_number, address, kiosk_id)
        return self._write("change_address", idempotency_key, body, perform)

    def _card(self, card_number: str) -> OutdoorCard:
        card = self.store.cards.get(card_number)
        if card is None:
            raise _refused("card_not_found")
        return card


# --- receipt texts -------------------------------------------------------------------------

PROGRAM_TEXTS = {
    "receipt.confirmation": "Confirmation",
    "receipt.done": "DONE - the ministry has recorded it.",
    "receipt.pending": "PENDING - this will be sent to the ministry shortly.",
    "receipt.years.one": "1 year",
    "receipt.years.many": "{years} years",
    "receipt.registration.title": "Vehicle registration renewal",
    "receipt.registration.plate": "Plate",
    "receipt.registration.vehicle": "Vehicle",
    "receipt.registration.term": "Term",
    "receipt.registration.new_expiry": "New expiry",
    "receipt.registration.proof": (
        "This receipt is your proof of renewal until your sticker arrives by mail."
    ),
    "receipt.driver_record.title": "Driver's record",
    "receipt.driver_record.item": "Driver's record summary",
    "receipt.driver_record.summary": "YOUR DRIVER'S RECORD",
    "receipt.driver_record.class": "Licence class",
    "receipt.driver_record.status": "Status",
    "receipt.driver_record.status.valid": "Valid",
    "receipt.driver_record.status.suspended": "Suspended",
    "receipt.driver_record.status.expired": "Expired",
    "receipt.driver_record.expiry": "Expiry",
    "receipt.driver_record.demerit_points": "Demerit points",
    "receipt.driver_record.convictions": "Convictions:",
    "receipt.driver_record.no_convictions": "No convictions.",
    "receipt.plate.title": "Personalized plate order",
    "receipt.plate.text": "Plate",
    "receipt.plate.delivery": "Your plates will be mailed within {weeks} weeks.",
    "receipt.outdoor_card.title": "Outdoors Card renewal",
    "receipt.outdoor_card.card": "Outdoors Card",
    "receipt.outdoor_card.term": "Term",
    "receipt.outdoor_card.new_expiry": "New expiry",
    "receipt.outdoor_card.carry": "Carry this receipt with your card until the new one arrives.",
    "receipt.address_change.title": "Change of address",
    "receipt.address_change.new_address": "New address:",
    "receipt.address_change.health_card": "Health card",
    "receipt.address_change.drivers_licence": "Driver's licence",
    "receipt.address_change.outdoor_card": "Outdoors Card",
    "receipt.address_change.done": "Address changed.",
    "receipt.address_change.queued": "Will be sent to the ministry shortly.",
    "receipt.address_change.refused": "Not changed: please visit a service centre.",
    "receipt.address_change.refused.card_expired": (
        "Not changed: this card has expired. Please visit a service centre."
    ),
    "receipt.address_change.refused.not_found": (
        "Not changed: this number is not on file. Please check it or visit a service centre."
    ),
}
"""English texts of the receipts of the services beyond fines (merged into FakeTexts)."""
