"""The ports of the domain core: what it needs from the outside world, as Protocols.

Adapters live at the edges (``device_drivers``, ``offline_store``, ``transactions.ministries``);
tests use in-memory fakes of the same Protocols.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from transactions.addresses import Address
from transactions.devices import CardData, DeviceHealth
from transactions.fines.notices import FinePosting, Notice, PostingConfirmation
from transactions.natural_resources.values import (
    OutdoorCard,
    OutdoorCardRenewal,
    OutdoorCardRenewed,
)
from transactions.payment import PaymentOutcome, PaymentRequest
from transactions.receipt import Receipt
from transactions.records import TransactionRecord
from transactions.survey import ServiceSurveyCounts, SurveyAnswer
from transactions.transport.values import (
    DriverRecordConfirmation,
    DriverRecordOrder,
    LicenceCheck,
    PlateAvailability,
    PlateOrder,
    PlateOrderConfirmation,
    Registration,
    RegistrationRenewal,
    RenewalConfirmation,
)


class Clock(Protocol):
    """Tell the time and wait; injected so that tests never wait for real."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait for ``seconds``."""
        ...


class PaymentTerminal(Protocol):
    """Take card payments: authorize, then capture once the ministry recorded the payment.

    Every call carries an idempotency key, so a call repeated after a crash or a timeout
    never charges twice.
    """

    def authorize(self, request: PaymentRequest) -> PaymentOutcome:
        """Wait for the citizen's card and authorize the amount; raise BackendUnavailable
        or DeviceError when the outcome is unknown."""
        ...

    def capture(self, authorization_id: str, amount_cents: int, idempotency_key: str) -> None:
        """Capture an approved authorization (the money moves)."""
        ...

    def reverse(self, merchant_reference: str, idempotency_key: str) -> None:
        """Make sure nothing stays authorized for this transaction (void; no-op if none)."""
        ...

    def cancel_wait(self) -> None:
        """Stop waiting for a card (the citizen cancelled or walked away)."""
        ...


class ReceiptPrinter(Protocol):
    """Print a receipt document; raise DeviceError when it was not printed in full."""

    def print_receipt(self, receipt: Receipt) -> None:
        """Print ``receipt`` and cut the paper."""
        ...


class MinistryGateway(Protocol):
    """The fines programme's backend (provincial offences and municipal tickets)."""

    def look_up_notice(self, notice_number: str) -> Notice:
        """Return the notice; raise BackendError(permanent=True) when it does not exist."""
        ...

    def pay_notices(self, posting: FinePosting, idempotency_key: str) -> PostingConfirmation:
        """Record the payment of the notices, all or nothing."""
        ...


class TransportGateway(Protocol):
    """The transport ministry's backend: registrations, driver's records, plates, licences.

    Look-ups raise BackendError(permanent=True) with the ministry's code when it refuses
    (``vehicle_not_found``, ``vehicle_not_owned``, ``unpaid_fines``, ``no_valid_insurance``,
    ``licence_not_found``, ``date_of_birth_mismatch``) and BackendUnavailable when it cannot be
    reached; writes carry an idempotency key and may refuse with the same codes.
    """

    def registration_by_plate(self, plate: str, licence_number: str) -> Registration:
        """Return the plate's registration if ``licence_number`` is its owner's."""
        ...

    def registration_by_notice(self, renewal_notice: str) -> Registration:
        """Return the registration a renewal notice was mailed for."""
        ...

    def renew_registration(
        self, renewal: RegistrationRenewal, idempotency_key: str
    ) -> RenewalConfirmation:
        """Renew the registration for the term paid for."""
        ...

    def verify_licence(self, licence_number: str, date_of_birth: str) -> LicenceCheck:
        """Return the licence if ``date_of_birth`` is its holder's."""
        ...

    def order_driver_record(
        self, order: DriverRecordOrder, idempotency_key: str
    ) -> DriverRecordConfirmation:
        """Order the driver's record summary; return it with the confirmation."""
        ...

    def plate_availability(self, text: str) -> PlateAvailability:
        """Return whether the ministry would issue this personalized plate text."""
        ...

    def order_plate(self, order: PlateOrder, idempotency_key: str) -> PlateOrderConfirmation:
        """Order a personalized plate (``plate_taken``, ``plate_refused`` when it cannot)."""
        ...

    def change_licence_address(
        self, licence_number: str, address: Address, kiosk_id: str, idempotency_key: str
    ) -> str:
        """Record a new address on a driver's licence; return the confirmation number."""
        ...


class HealthGateway(Protocol):
    """The health ministry's backend: the health card's address."""

    def change_card_address(
        self, card_number: str, address: Address, kiosk_id: str, idempotency_key: str
    ) -> str:
        """Record a new address for a health card (``card_not_found``, ``card_expired``)."""
        ...


class NaturalResourcesGateway(Protocol):
    """The natural resources ministry's backend: Outdoors Cards."""

    def look_up_outdoor_card(self, card_number: str) -> OutdoorCard:
        """Return the card; raise BackendError(permanent) ``card_not_found`` if unknown."""
        ...

    def renew_outdoor_card(
        self, renewal: OutdoorCardRenewal, idempotency_key: str
    ) -> OutdoorCardRenewed:
        """Renew the card (``card_not_renewable`` when a counter must see the holder)."""
        ...

    def change_outdoor_card_address(
        self, card_number: str, address: Address, kiosk_id: str, idempotency_key: str
    ) -> str:
        """Record a new address for an Outdoors Card; return the confirmation number."""
        ...


class Journal(Protocol):
    """Durable record of every transaction and every saga step."""

    def open_transaction(self, record: TransactionRecord) -> None:
        """Store a new transaction."""
        ...

    def record_intent(self, record: TransactionRecord, step: str) -> None:
        """Store that ``step`` is about to run, with its idempotency key."""
        ...

    def record_outcome(self, record: TransactionRecord, step: str, outcome: str) -> None:
        """Store the outcome of ``step`` and the transaction's new state, atomically."""
        ...

    def get(self, transaction_id: str) -> TransactionRecord | None:
        """Return a stored transaction, or None."""
        ...

    def unfinished(self) -> list[TransactionRecord]:
        """Return every transaction that still has something to do, oldest first."""
        ...

    def claim(self, transaction_id: str) -> TransactionRecord | None:
        """Take the transaction's waiting call for this process; return it as stored now.

        None when another running process holds it: it must not be driven here.
        """
        ...

    def release(self, record: TransactionRecord, retry_after: float | None) -> None:
        """Let go of the transaction; a call still waiting is tried again after a backoff
        (never sooner than ``retry_after`` seconds when the backend asked for that)."""
        ...

    def due(self, limit: int) -> list[str]:
        """Return up to ``limit`` transactions whose waiting call is due now, in order."""
        ...

    def waits_behind(self, record: TransactionRecord) -> bool:
        """Tell whether an earlier transaction about the same subject still waits to be sent
        (this one must then wait behind it)."""
        ...


class SurveyLog(Protocol):
    """Anonymous satisfaction survey answers, counted per service."""

    def record(self, answer: SurveyAnswer) -> None:
        """Store one answer (it names no one: service, month, rating, statements)."""
        ...

    def counts(self, month: str | None = None) -> list[ServiceSurveyCounts]:
        """Return the counts per service that has answers, for one "YYYY-MM" or all time."""
        ...


class PaymentGateway(Protocol):
    """A card payment gateway, for terminals that read the card but do not process it."""

    def authorize(
        self, amount_cents: int, brand: str, last4: str, merchant_reference: str, key: str
    ) -> PaymentOutcome:
        """Authorize ``amount_cents`` on the card."""
        ...

    def capture(self, authorization_id: str, amount_cents: int, key: str) -> None:
        """Capture an approved authorization."""
        ...

    def void(self, authorization_id: str, key: str) -> None:
        """Void an authorization."""
        ...

    def approved_authorizations(self, merchant_reference: str) -> list[str]:
        """Return the authorizations still approved (neither captured nor voided)."""
        ...


class Device(Protocol):
    """Every device reports its health, cheaply, and can run a fuller self-test."""

    def health(self) -> DeviceHealth:
        """Return the device's last known state without disturbing it."""
        ...

    def self_test(self) -> DeviceHealth:
        """Exercise the device as a technician would and return what was found."""
        ...


class CardReader(Protocol):
    """A chip card reader: wait for a card, read its payment application."""

    def read_card(self, timeout: float) -> CardData:
        """Wait up to ``timeout`` s for a card and return its brand, last four and expiry.

        Raise DeviceError: ``no_card`` (timed out), ``card_removed`` (pulled mid-read),
        ``card_unreadable`` (malformed answers), ``reader_unavailable``, ``cancelled``.
        """
        ...

    def cancel_wait(self) -> None:
        """Stop waiting for a card."""
        ...


class BarcodeScanner(Protocol):
    """A scanner that reads the number printed on a notice."""

    def start(self, on_scan: Callable[[str], None]) -> None:
        """Start reading; ``on_scan`` receives each code read (on the scanner's thread)."""
        ...

    def stop(self) -> None:
        """Stop reading and release the port."""
        ...
