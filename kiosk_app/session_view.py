"""What the screens render: the steps of a visit and the view of one citizen's visit.

No Kivy here; the session replaces the view on every change and the screens draw it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kiosk_app.flows.review import Review
from kiosk_app.flows.state import FormState
from transactions.address_change import ProgrammeOutcome
from transactions.fees import Quote
from transactions.fines.notices import Notice
from transactions.receipt import Receipt
from transactions.records import TransactionRecord


class Step(enum.Enum):
    """The screens of a visit, in order."""

    ATTRACT = "attract"
    LANGUAGE = "language"
    MENU = "menu"
    NOTICE_ENTRY = "notice_entry"
    NOTICE_DETAILS = "notice_details"
    FORM = "form"
    REVIEW = "review"
    PAYMENT = "payment"
    RECEIPT = "receipt"
    THANK_YOU = "thank_you"
    OUT_OF_SERVICE = "out_of_service"
    """Not a step of a visit: the kiosk cannot record a transaction (its storage failed)."""


MAX_TYPED = 16
"""Keypad input cap: a notice number is 12 digits; a little slack lets a typo be seen."""
SETTLE_SECONDS = 0.4
"""After a new question appears, taps this soon are the second half of a double tap."""
MAX_REFUSALS = 3
"""Refusals of who-owns-what (date of birth, owner) a visit may get before a counter must see
the citizen: the kiosk must not become a way to guess someone's date of birth."""

FINE_STEPS = (Step.NOTICE_ENTRY, Step.NOTICE_DETAILS, Step.PAYMENT, Step.RECEIPT)
"""The screens of paying a fine, in the order the progress indicator counts them."""


def progress(view: SessionView) -> tuple[int, int] | None:
    """Return (this step, number of steps) for a screen inside a service, else None.

    A form counts one step per question, then the review, the payment (paid services) and
    the receipt; the count can grow when an answer adds questions (a programme ticked).
    """
    form = view.form
    if form is None:
        if view.step in FINE_STEPS:
            return FINE_STEPS.index(view.step) + 1, len(FINE_STEPS)
        return None
    questions = len(form.fields)
    after = (
        (Step.REVIEW, Step.PAYMENT, Step.RECEIPT) if form.flow.paid else (Step.REVIEW, Step.RECEIPT)
    )
    if view.step is Step.FORM:
        return form.index + 1, questions + len(after)
    if view.step in after:
        return questions + after.index(view.step) + 1, questions + len(after)
    return None


class PaymentPhase(enum.Enum):
    """Where the payment screen stands."""

    WAITING_CARD = "waiting_card"
    PROCESSING = "processing"
    DECLINED = "declined"
    FAILED = "failed"


@dataclass(frozen=True)
class SessionView:
    """Everything the screens show; immutable, replaced on every change."""

    step: Step
    language: str
    typed: str = ""
    notices: tuple[Notice, ...] = ()
    service: str | None = None
    form: FormState | None = None
    """The form of a service other than fines, with its answers."""
    review: Review | None = None
    option: str | None = None
    quote: Quote | None = None
    busy: bool = False
    message: str | None = None
    payment_phase: PaymentPhase | None = None
    record: TransactionRecord | None = None
    receipt: Receipt | None = None
    outcomes: tuple[ProgrammeOutcome, ...] = ()
    """Each programme's outcome of a change of address."""
    receipt_printed: bool = False
    simulated_card: bool = False
    survey_rating: str | None = None
    survey_agreed: frozenset[str] = frozenset()
    unavailable: frozenset[str] = frozenset()
    """Services the menu shows as unavailable right now (their backends cannot be reached)."""
    locked: bool = False
    """The review cannot be confirmed again: something went wrong after it was sent or paid,
    and doing it twice could charge or send twice (a person must look)."""
