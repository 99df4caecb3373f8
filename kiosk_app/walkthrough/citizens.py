"""Scripted citizens: what a person does, screen by screen, for each service."""

from __future__ import annotations

from kiosk_app.session import PaymentPhase, SessionView, Step
from kiosk_app.walkthrough.answers import FineAnswers
from kiosk_app.walkthrough.driver import Expect, Script, Stop, Tap


def _settled_after_lookup(view: SessionView) -> bool:
    return view.step is Step.NOTICE_DETAILS or (
        view.step is Step.NOTICE_ENTRY and bool(view.message)
    )


def _payment_ended(view: SessionView) -> bool:
    return view.step is Step.RECEIPT or view.payment_phase in (
        PaymentPhase.DECLINED,
        PaymentPhase.FAILED,
    )


def fine_citizen(answers: FineAnswers) -> Script:
    """Pay the notices in ``answers`` with the card in ``answers``."""
    yield Tap("attract", "start")
    yield Tap("language", f"lang_{answers.language}")
    yield Tap("menu", "service_fine")
    for index, number in enumerate(answers.notice_numbers):
        if index:
            yield Tap("notice_details", "add_notice")
        for digit in (ch for ch in number if ch.isdigit()):
            yield Tap("notice_entry", f"key_{digit}", key=True)
        yield Tap("notice_entry", "submit")
        view = yield Expect(_settled_after_lookup, "the notice to be found")
        if view.step is Step.NOTICE_ENTRY:
            yield Stop(f"refused: {view.message}", completed=False)
            return
    yield Tap("notice_details", "pay")
    yield Tap("payment", "tap_card")
    view = yield Expect(_payment_ended, "the payment to end")
    if view.step is not Step.RECEIPT:
        phase = view.payment_phase.value if view.payment_phase else "failed"
        yield Stop(phase, completed=False)
        return
    yield Tap("receipt", "done")
    yield Expect(lambda v: v.step is Step.THANK_YOU, "the thank-you screen")
    yield Stop("done", completed=True)
