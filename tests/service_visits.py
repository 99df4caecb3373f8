"""A kiosk of fakes and the citizen session its screens drive, for the session tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fakes import FakeJournal, FakeKiosk, FakeTerminal, FakeTexts, kiosk_with_journal

from kiosk_app.flows.address_change import AddressChangeFlow
from kiosk_app.flows.base import ServiceFlow
from kiosk_app.flows.driver_record import DriverRecordFlow
from kiosk_app.flows.keyboard import Keyboard, keystrokes, press
from kiosk_app.flows.outdoor_card import OutdoorCardFlow
from kiosk_app.flows.plates import PlateFlow
from kiosk_app.flows.registration import RegistrationFlow
from kiosk_app.session import CitizenSession
from kiosk_app.session_view import PaymentPhase, Step
from kiosk_app.worker import InlineWorker
from transactions.address_change import DRIVERS_LICENCE, HEALTH_CARD
from transactions.errors import DeviceError
from transactions.fines.service import FinePayments
from transactions.natural_resources.outdoor_card import OutdoorCardRenewals
from transactions.payment import PaymentOutcome, PaymentRequest
from transactions.ports import SurveyLog
from transactions.records import TransactionRecord
from transactions.transport.driver_record import DriverRecords
from transactions.transport.personalized_plates import PersonalizedPlates
from transactions.transport.registration import RegistrationRenewals

REGISTRATION = "registration-renewal"
ADDRESS_CHANGE = "address-change"
LICENCE_TYPED = "c6023 45678 90123"  # OWNER's licence, typed lowercase with spaces
STREET = "rue Éloïse-Côté-Tremblay"


class TappedTerminal(FakeTerminal):
    """The fake gateway behind a simulated terminal: no card, no authorization."""

    def __init__(self) -> None:
        super().__init__()
        self.tapped = False

    def tap(self) -> None:
        """Tap the simulated card."""
        self.tapped = True

    def authorize(self, request: PaymentRequest) -> PaymentOutcome:
        """Authorize once a card was tapped; else the wait is cancelled, as on the device."""
        if not self.tapped:
            raise DeviceError("no card", code="payment_cancelled")
        return super().authorize(request)


class OpeningJournal(FakeJournal):
    """The fake journal, also keeping each transaction as it was opened."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[TransactionRecord] = []

    def open_transaction(self, record: TransactionRecord) -> None:
        """Keep ``record`` as opened, then store it."""
        self.opened.append(record)
        super().open_transaction(record)


class HeldWorker(InlineWorker):
    """Run jobs at once, or hold them while ``held`` (a slow terminal or ministry)."""

    def __init__(self) -> None:
        self.held = False
        self.waiting: list[tuple[Callable[[], Any], Callable[[Any], None]]] = []

    def submit(self, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run ``job`` now, or keep it for ``release``."""
        if self.held:
            self.waiting.append((job, done))
        else:
            super().submit(job, done)

    def release(self) -> None:
        """Run every job held, in order."""
        self.held = False
        while self.waiting:
            super().submit(*self.waiting.pop(0))


class PersonsPace:
    """A monotonic clock where each look at it is a second later: a person's pace, no double
    taps, unless a test holds it still with ``still = True``."""

    def __init__(self) -> None:
        self.now = 0.0
        self.still = False

    def __call__(self) -> float:
        if not self.still:
            self.now += 1.0
        return self.now


class Visit:
    """One kiosk of fakes and the citizen session its screens drive."""

    def __init__(self, survey: SurveyLog | None = None) -> None:
        self.kiosk: FakeKiosk[OpeningJournal] = kiosk_with_journal(OpeningJournal())
        self.terminal = TappedTerminal()
        self.kiosk.terminal = self.terminal
        self.worker = HeldWorker()
        self.pace = PersonsPace()
        runner = self.kiosk.runner()
        transport, clock = self.kiosk.transport, self.kiosk.clock
        flows: list[ServiceFlow] = [
            RegistrationFlow(RegistrationRenewals(transport)),
            AddressChangeFlow(runner, lambda _language: FakeTexts(), clock),
            DriverRecordFlow(DriverRecords(transport, clock), clock),
            PlateFlow(PersonalizedPlates(transport)),
            OutdoorCardFlow(OutdoorCardRenewals(self.kiosk.natural_resources)),
        ]
        self.session = CitizenSession(
            fines=FinePayments(self.kiosk.ministry),
            runner=runner,
            terminal=self.terminal,
            worker=self.worker,
            default_language="fr",
            flows={flow.service: flow for flow in flows},
            survey=survey,
            monotonic=self.pace,
        )

    def step(self) -> Step:
        """Return the screen shown (a call, so mypy does not narrow it between intents)."""
        return self.session.view.step

    @property
    def question(self) -> str | None:
        """Return the name of the question on screen."""
        form = self.session.view.form
        return form.field.name if form is not None and self.step() is Step.FORM else None

    def to_menu(self, language: str = "fr") -> None:
        """Start, pick the language, reach the menu."""
        self.session.start()
        self.session.choose_language(language)
        assert self.step() is Step.MENU

    def type(self, text: str) -> None:
        """Press, one by one, the keys that type ``text`` on the question's keyboard."""
        form = self.session.view.form
        assert form is not None
        keyboard = form.field.keyboard
        assert keyboard is not None, f"{form.field.name} is not typed"
        for key in keystrokes(text, keyboard):
            self.session.type_key(key)

    def answer(self, text: str) -> None:
        """Type ``text`` and press Continue."""
        self.type(text)
        self.session.proceed()

    def to_registration_review(self, plate: str = "cbkr 274", licence: str = LICENCE_TYPED) -> None:
        """Ask for the renewal by plate, as far as the review."""
        self.to_menu()
        self.session.choose_service(REGISTRATION)
        self.session.choose("plate")
        self.answer(plate)
        self.answer(licence)

    def pay_with_card(self) -> None:
        """Pay, then tap the card while the terminal waits for it."""
        self.worker.held = True
        self.session.pay()
        assert self.session.view.payment_phase is PaymentPhase.WAITING_CARD
        self.session.tap_card()
        self.worker.release()

    def to_address_review(self, *programmes: str) -> None:
        """Fill in a change of address to the health card and the licence."""
        self.to_menu()
        self.session.choose_service(ADDRESS_CHANGE)
        for programme in programmes:
            self.session.choose(programme)
        self.session.proceed()
        numbers = {HEALTH_CARD: "1234567890ab", DRIVERS_LICENCE: LICENCE_TYPED}
        for programme in programmes:
            self.answer(numbers[programme])
        self.answer("1234")
        self.answer(STREET)
        self.answer("app. 12")
        self.answer("Montréal")
        self.session.choose("QC")
        self.answer("h2x 3k8")


def renewed_and_thanked(visit: Visit) -> None:
    visit.to_registration_review()
    visit.pay_with_card()
    visit.session.finish()
    assert visit.step() is Step.THANK_YOU


def to_the_unit_question(visit: Visit, street: str = STREET) -> None:
    """Open a change of address for the health card and answer up to the unit question."""
    visit.to_menu()
    visit.session.choose_service(ADDRESS_CHANGE)
    visit.session.choose(HEALTH_CARD)
    visit.session.proceed()
    visit.answer("1234567890ab")
    visit.answer("1234")
    visit.answer(street)
    assert visit.question == "unit"


def type_on(keyboard: Keyboard, text: str, limit: int = 100) -> str:
    """Return what an empty field holds after pressing the keys that type ``text``."""
    typed, shift = "", False
    for key in keystrokes(text, keyboard):
        typed, shift = press(typed, key, keyboard, shift, limit)
    return typed
