"""In-memory fakes of the ports in ``transactions/ports.py``, and a kiosk wired with them.

Each fake behaves like what it stands for where the saga depends on it: the backends are
idempotent by key, a capture needs an approved authorization, the printer keeps what it
printed. Each one also keeps what happened, so tests assert what was charged, what was
posted and what was printed rather than which methods were called.

A shared ``timeline`` (a list of ``(what, key)`` pairs) records journal writes and calls to
the outside world in order, so a test can check that an intent was journaled before the call.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Generic, NamedTuple, Protocol, TypeVar

from fake_journal import FakeJournal as FakeJournal
from fake_journal import JournalStep as JournalStep
from fake_journal import Timeline as Timeline
from fake_texts import FakeTexts as FakeTexts
from program_fakes import (
    FakeHealth,
    FakeNaturalResources,
    FakeTransport,
)
from program_fakes import SimulatedPowerCut as SimulatedPowerCut

from transactions import address_change
from transactions.errors import BackendError, BackendUnavailable, DeviceError, KioskError
from transactions.fines.notices import (
    JURISDICTIONS,
    FinePosting,
    Notice,
    PostingConfirmation,
    luhn_check_digit,
)
from transactions.fines.service import SERVICE, FinePayments, FineSteps
from transactions.natural_resources import outdoor_card
from transactions.payment import PaymentOutcome, PaymentRequest
from transactions.ports import Journal
from transactions.receipt import Receipt
from transactions.records import Fields, LineItem, TransactionRecord
from transactions.saga.runner import RetryPolicy, SagaRunner, ServiceSteps
from transactions.transport import driver_record, personalized_plates, registration

START = datetime(2026, 11, 22, 14, 3, tzinfo=UTC)
KIOSK_ID = "kiosk-ottawa-rideau-07"


# --- time ------------------------------------------------------------------------------


class FakeClock:
    """A clock that moves only when told to; ``sleep`` records the delay and moves it."""

    def __init__(self, start: datetime = START) -> None:
        self.current = start
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        """Return the fake current time."""
        return self.current

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.current += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        """Record the delay and move the clock forward; never wait for real."""
        self.sleeps.append(seconds)
        self.advance(seconds)


# --- journal ---------------------------------------------------------------------------


@dataclass
class Authorization:
    """An authorization the fake gateway holds on the citizen's card."""

    authorization_id: str
    amount_cents: int
    merchant_reference: str
    state: str = "approved"  # "approved" | "captured" | "voided"


class Capture(NamedTuple):
    """Money that moved: one capture, recorded once per idempotency key."""

    authorization_id: str
    amount_cents: int
    key: str


class Reversal(NamedTuple):
    """A request to release whatever was held for a transaction."""

    merchant_reference: str
    key: str


class FakeTerminal:
    """A card terminal and its gateway: scripted answers, idempotent capture and reversal.

    Unless scripted otherwise, every card is approved. A capture needs an approved
    authorization (as at the real gateway), so a capture after a reversal fails loudly.
    """

    def __init__(
        self, timeline: Timeline | None = None, card_brand: str = "visa", card_last4: str = "4242"
    ) -> None:
        self.timeline: Timeline = timeline if timeline is not None else []
        self.card_brand = card_brand
        self.card_last4 = card_last4
        self.authorize_requests: list[PaymentRequest] = []
        self.authorizations: dict[str, Authorization] = {}
        self.captures: list[Capture] = []
        self.reversals: list[Reversal] = []
        self.capture_calls: list[str] = []
        self.reverse_calls: list[str] = []
        self.waits_cancelled = 0
        self._script: deque[str | KioskError] = deque()
        self._decline_reason = "card_declined"
        self._capture_failures = _Failures()
        self._reverse_failures = _Failures()
        self._ids = itertools.count(1)

    # scripting

    def will_decline(self, reason: str = "card_declined") -> None:
        """Make the next authorization come back declined by the bank."""
        self._decline_reason = reason
        self._script.append("decline")

    def will_fail_authorization(self, error: KioskError) -> None:
        """Make the next authorization raise ``error`` (its outcome is unknown)."""
        self._script.append(error)

    def will_stop_the_kiosk_after_approving(self) -> None:
        """Approve the next authorization at the gateway, then cut the kiosk's power."""
        self._script.append("approve, then power cut")

    def fail_captures(self, times: int | None = 1, *, permanent: bool = False) -> None:
        """Make the next ``times`` captures fail (None: every capture from now on)."""
        self._capture_failures.add(times, permanent, "authorization_not_capturable")

    def fail_reversals(self, times: int | None = 1, *, permanent: bool = False) -> None:
        """Make the next ``times`` reversals fail (None: every reversal from now on)."""
        self._reverse_failures.add(times, permanent, "authorization_not_voidable")

    # what the citizen sees on their statement

    @property
    def charged_cents(self) -> int:
        """Return the money that actually moved."""
        return sum(capture.amount_cents for capture in self.captures)

    @property
    def held_cents(self) -> int:
        """Return the money still authorized (held on the card) but neither captured nor voided."""
        return sum(a.amount_cents for a in self.authorizations.values() if a.state == "approved")

    # the PaymentTerminal port

    def authorize(self, request: PaymentRequest) -> PaymentOutcome:
        """Answer as scripted; approve by default."""
        self.authorize_requests.append(request)
        self.timeline.append(("terminal.authorize", request.idempotency_key))
        action = self._script.popleft() if self._script else "approve"
        if isinstance(action, KioskError):
            raise action
        if action == "decline":
            return PaymentOutcome(
                False, None, self.card_brand, self.card_last4, self._decline_reason
            )
        authorization_id = f"A-{next(self._ids):04d}"
        self.authorizations[authorization_id] = Authorization(
            authorization_id, request.amount_cents, request.merchant_reference
        )
        if action == "approve, then power cut":
            raise SimulatedPowerCut("the kiosk stopped before hearing the approval")
        return PaymentOutcome(True, authorization_id, self.card_brand, self.card_last4)

    def capture(self, authorization_id: str, amount_cents: int, idempotency_key: str) -> None:
        """Capture once per key; a repeated key is answered as the first time."""
        self.capture_calls.append(idempotency_key)
        self.timeline.append(("terminal.capture", idempotency_key))
        self._capture_failures.raise_next()
        if any(capture.key == idempotency_key for capture in self.captures):
            return
        authorization = self.authorizations.get(authorization_id)
        if authorization is None or authorization.state != "approved":
            raise BackendError(
                f"{authorization_id} cannot be captured",
                code="authorization_not_capturable",
                permanent=True,
            )
        if amount_cents > authorization.amount_cents:
            raise BackendError("more than authorized", code="amount_mismatch", permanent=True)
        authorization.state = "captured"
        self.captures.append(Capture(authorization_id, amount_cents, idempotency_key))

    def reverse(self, merchant_reference: str, idempotency_key: str) -> None:
        """Void every authorization still approved for this transaction (none: no-op)."""
        self.reverse_calls.append(idempotency_key)
        self.timeline.append(("terminal.reverse", idempotency_key))
        self._reverse_failures.raise_next()
        if any(reversal.key == idempotency_key for reversal in self.reversals):
            return
        for authorization in self.authorizations.values():
            if authorization.merchant_reference == merchant_reference:
                if authorization.state == "captured":
                    raise BackendError(
                        "already captured", code="authorization_not_voidable", permanent=True
                    )
                authorization.state = "voided"
        self.reversals.append(Reversal(merchant_reference, idempotency_key))

    def cancel_wait(self) -> None:
        """Stop waiting for a card."""
        self.waits_cancelled += 1


class _Failures:
    """Scripted failures: the next n calls (or all of them) raise."""

    def __init__(self) -> None:
        self._remaining: int | None = 0
        self._error: BackendError = BackendUnavailable()

    def add(self, times: int | None, permanent: bool, permanent_code: str) -> None:
        self._remaining = times
        if permanent:
            self._error = BackendError("refused", code=permanent_code, permanent=True)
        else:
            self._error = BackendUnavailable("gateway unreachable")

    def raise_next(self) -> None:
        if self._remaining == 0:
            return
        if self._remaining is not None:
            self._remaining -= 1
        raise self._error


# --- printer ---------------------------------------------------------------------------


class FakePrinter:
    """Keep every receipt printed; raise DeviceError while out of paper."""

    def __init__(self, timeline: Timeline | None = None) -> None:
        self.timeline: Timeline = timeline if timeline is not None else []
        self.receipts: list[Receipt] = []
        self.paper_out = False

    def print_receipt(self, receipt: Receipt) -> None:
        """Keep ``receipt``, unless the paper ran out."""
        self.timeline.append(("printer.print", receipt.reference))
        if self.paper_out:
            raise DeviceError("paper out", code="printer_paper_out")
        self.receipts.append(receipt)


# --- ministry --------------------------------------------------------------------------


def valid_notice_number(code: str, serial: int) -> str:
    """Return a well-formed notice number: jurisdiction code, 9-digit serial, Luhn digit."""
    body = f"{code}{serial:09d}"
    return body + luhn_check_digit(body)


def make_notice(
    number: str, amount_due_cents: int, *, paid: bool = False, offence_en: str = "Speeding"
) -> Notice:
    """Return a notice as the backend would describe it."""
    return Notice(
        notice_number=number,
        jurisdiction=JURISDICTIONS[number[:2]],
        offence_fr="Excès de vitesse",
        offence_en=offence_en,
        amount_due_cents=amount_due_cents,
        due_date="2026-12-15",
        paid=paid,
    )


SEEDED_NOTICES = (
    make_notice("100042158731", 12500),
    make_notice("100042158749", 24000, paid=True, offence_en="Failing to wear a seat belt"),
    make_notice("100077310025", 49500, offence_en="Careless driving"),
    make_notice("210005609818", 3000, offence_en="Parking prohibited"),
    make_notice("210005609826", 5000, paid=True, offence_en="Parking in a fire route"),
    make_notice("220033182472", 4500, offence_en="Expired meter"),
    make_notice("220033182506", 10000, offence_en="Parking in an accessible space"),
)
"""The sandbox's seeded notices (``ministry_sandbox/data/fines.json``): some already paid."""


class Posting(NamedTuple):
    """A payment the ministry recorded, once per idempotency key."""

    key: str
    posting: FinePosting
    confirmation: PostingConfirmation


class FakeMinistry:
    """The fines backend: notices, and postings recorded once per idempotency key.

    A repeated key is answered with the first confirmation, and nothing new is recorded,
    as the real backend does. Refusals and outages are scripted.
    """

    def __init__(
        self, notices: Iterable[Notice] = SEEDED_NOTICES, timeline: Timeline | None = None
    ) -> None:
        self.timeline: Timeline = timeline if timeline is not None else []
        self.notices = {notice.notice_number: notice for notice in notices}
        self.lookups: list[str] = []
        self.pay_calls: list[str] = []
        self.postings: list[Posting] = []
        self._outages = 0
        self._refusal: BackendError | None = None
        self._power_cut: str | None = None

    # scripting

    def fail_transiently(self, times: int) -> None:
        """Answer 'retry later' to the next ``times`` postings, recording nothing."""
        self._outages = times

    def refuse(self, code: str = "amount_mismatch") -> None:
        """Refuse every new posting for good (4xx), recording nothing."""
        self._refusal = BackendError("refused", code=code, permanent=True)

    def back_to_normal(self) -> None:
        """Stop refusing and stop failing."""
        self._outages = 0
        self._refusal = None

    def will_stop_the_kiosk_during_posting(self, *, after_recording: bool) -> None:
        """Cut the kiosk's power during the next posting, before or after it is recorded."""
        self._power_cut = "after" if after_recording else "before"

    # what the citizen and the ministry care about

    def is_paid(self, notice_number: str) -> bool:
        """Return whether the ministry has this notice as paid."""
        return self.notices[notice_number].paid

    # the MinistryGateway port

    def look_up_notice(self, notice_number: str) -> Notice:
        """Return the notice, or raise a permanent notice_not_found."""
        self.lookups.append(notice_number)
        notice = self.notices.get(notice_number)
        if notice is None:
            raise BackendError("no such notice", code="notice_not_found", permanent=True)
        return notice

    def pay_notices(self, posting: FinePosting, idempotency_key: str) -> PostingConfirmation:
        """Record the payment of every notice, all or nothing, once per key."""
        self.pay_calls.append(idempotency_key)
        self.timeline.append(("ministry.pay_notices", idempotency_key))
        if self._power_cut == "before":
            self._power_cut = None
            raise SimulatedPowerCut("the kiosk stopped before the posting left")
        if self._outages:
            self._outages -= 1
            raise BackendUnavailable("ministry unreachable")
        for earlier in self.postings:
            if earlier.key == idempotency_key:
                if earlier.posting != posting:
                    raise BackendError("key reused", code="idempotency_key_reused", permanent=True)
                return earlier.confirmation
        if self._refusal is not None:
            raise self._refusal
        self._check(posting)
        for number, _ in posting.notices:
            self.notices[number] = replace(self.notices[number], paid=True)
        confirmation = PostingConfirmation(
            f"F-{len(self.postings) + 1:06d}", sum(cents for _, cents in posting.notices)
        )
        self.postings.append(Posting(idempotency_key, posting, confirmation))
        if self._power_cut == "after":
            self._power_cut = None
            raise SimulatedPowerCut("the kiosk stopped before hearing the confirmation")
        return confirmation

    def _check(self, posting: FinePosting) -> None:
        numbers = [number for number, _ in posting.notices]
        if not numbers or len(set(numbers)) != len(numbers):
            raise BackendError("bad list", code="invalid_request", permanent=True)
        for number, cents in posting.notices:
            notice = self.notices.get(number)
            if notice is None:
                raise BackendError(number, code="notice_not_found", permanent=True)
            if notice.paid:
                raise BackendError(number, code="notice_already_paid", permanent=True)
            if cents != notice.amount_due_cents:
                raise BackendError(number, code="amount_mismatch", permanent=True)


# --- a kiosk wired with the fakes ------------------------------------------------------


class Quote(Protocol):
    """What every service's quote offers for opening its transaction."""

    @property
    def kiosk_fee_cents(self) -> int: ...

    def items(self) -> tuple[LineItem, ...]: ...

    def posting_data(self) -> Fields: ...

    def receipt_data(self) -> Fields: ...


J = TypeVar("J", bound=Journal)
K = TypeVar("K", bound=Journal)


@dataclass
class FakeKiosk(Generic[J]):
    """One kiosk's ports as fakes, sharing a timeline; the journal may be a real one."""

    journal: J
    timeline: Timeline
    clock: FakeClock = field(default_factory=FakeClock)
    terminal: FakeTerminal = field(init=False)
    printer: FakePrinter = field(init=False)
    ministry: FakeMinistry = field(init=False)
    transport: FakeTransport = field(init=False)
    health: FakeHealth = field(init=False)
    natural_resources: FakeNaturalResources = field(init=False)
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        self.terminal = FakeTerminal(self.timeline)
        self.printer = FakePrinter(self.timeline)
        self.ministry = FakeMinistry(timeline=self.timeline)
        self.transport = FakeTransport(self.timeline)
        self.health = FakeHealth(self.timeline)
        self.natural_resources = FakeNaturalResources(self.timeline)

    def steps(self) -> dict[str, ServiceSteps]:
        """Return every service's saga steps, wired with the fake backends."""
        texts = lambda language: FakeTexts()  # noqa: E731
        return {
            SERVICE: FineSteps(self.ministry, KIOSK_ID, texts),
            registration.SERVICE: registration.RegistrationSteps(self.transport, KIOSK_ID, texts),
            driver_record.SERVICE: driver_record.DriverRecordSteps(self.transport, KIOSK_ID, texts),
            personalized_plates.SERVICE: personalized_plates.PlateSteps(
                self.transport, KIOSK_ID, texts
            ),
            outdoor_card.SERVICE: outdoor_card.OutdoorCardSteps(
                self.natural_resources, KIOSK_ID, texts
            ),
            address_change.SERVICE: address_change.AddressChangeSteps(
                transport=self.transport,
                health=self.health,
                natural_resources=self.natural_resources,
                kiosk_id=KIOSK_ID,
                texts=texts,
            ),
        }

    def runner(self) -> SagaRunner:
        """Return a SagaRunner wired with the fakes and every service (a fresh one = a restart)."""
        return SagaRunner(
            journal=self.journal,
            terminal=self.terminal,
            printer=self.printer,
            steps=self.steps().__getitem__,
            clock=self.clock,
            retry=self.retry,
        )

    def restarted_on(self, journal: K) -> FakeKiosk[K]:
        """Return this kiosk after a restart: same backends, devices and clock; ``journal``."""
        kiosk = FakeKiosk(journal=journal, timeline=self.timeline, clock=self.clock)
        kiosk.retry = self.retry
        kiosk.terminal, kiosk.printer, kiosk.ministry = self.terminal, self.printer, self.ministry
        kiosk.transport, kiosk.health = self.transport, self.health
        kiosk.natural_resources = self.natural_resources
        return kiosk

    def open_quote(self, service: str, quote: Quote, language: str = "en") -> TransactionRecord:
        """Open a transaction for a service's quote (items, kiosk fee, posting and receipt data)."""
        return self.runner().open(
            service,
            language,
            quote.items(),
            quote.kiosk_fee_cents,
            posting_data=quote.posting_data(),
            receipt_data=quote.receipt_data(),
        )

    def fines(self) -> FinePayments:
        """Return the fines service the screens use."""
        return FinePayments(self.ministry)

    def open_fine(self, *typed_numbers: str, language: str = "en") -> TransactionRecord:
        """Look the notices up as the citizen typed them, quote, and open the transaction."""
        fines = self.fines()
        chosen: tuple[Notice, ...] = ()
        for typed in typed_numbers:
            chosen += (fines.look_up(typed, chosen),)
        quote = fines.quote(chosen)
        return self.runner().open(SERVICE, language, quote.items(), quote.kiosk_fee_cents)


def kiosk_with_journal(journal: J, timeline: Timeline | None = None) -> FakeKiosk[J]:
    """Return a kiosk of fakes around ``journal`` (e.g. a real SqliteJournal)."""
    return FakeKiosk(journal=journal, timeline=timeline if timeline is not None else [])


def build_kiosk() -> FakeKiosk[FakeJournal]:
    """Return a kiosk made entirely of fakes."""
    timeline: Timeline = []
    return kiosk_with_journal(FakeJournal(timeline), timeline)
