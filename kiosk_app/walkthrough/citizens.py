"""Scripted citizens: what a person does, screen by screen, for each service."""

from __future__ import annotations

from collections.abc import Callable

from kiosk_app.flows.form import ticked
from kiosk_app.flows.keyboard import keystrokes
from kiosk_app.session_view import PaymentPhase, SessionView, Step
from kiosk_app.walkthrough.answers import FineAnswers, ServiceAnswers
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
    yield from _leave()


def _leave() -> Script:
    yield Tap("receipt", "done")
    yield Expect(lambda v: v.step is Step.THANK_YOU, "the thank-you screen")
    yield Stop("done", completed=True)


def _left(name: str) -> Callable[[SessionView], bool]:
    """Return "the form moved on from question ``name``, or said why not"."""

    def moved(view: SessionView) -> bool:
        form = view.form
        return (
            view.step is not Step.FORM
            or bool(view.message)
            or form is None
            or (form.field.name != name)
        )

    return moved


def service_citizen(answers: ServiceAnswers) -> Script:
    """Answer a service's form, review, then pay (or send) and take the receipt."""
    yield Tap("attract", "start")
    yield Tap("language", f"lang_{answers.language}")
    yield Tap("menu", f"service_{answers.service.replace('-', '_')}")
    view = yield Expect(lambda v: v.step is Step.FORM, "the first question")
    while view.step is Step.FORM and view.form is not None:
        field = view.form.field
        value = answers.value(field.name) or ""
        if field.multiple:
            for option in ticked(value):
                yield Tap("form", f"choose_{option}")
            yield Tap("form", "proceed")
        elif field.keyboard is None:
            option = next((o for o in field.options if o.lower() == value.lower()), value)
            yield Tap("form", f"choose_{option}")
        else:
            for key in keystrokes(value, field.keyboard):
                yield Tap("form", f"key_{key}", key=True)
            yield Tap("form", "proceed")
        view = yield Expect(_left(field.name), "the next question")
        if view.step is Step.FORM and view.message:
            yield Stop(f"refused: {view.message}", completed=False)
            return
    if view.step is not Step.REVIEW:
        yield Stop(f"unexpected screen {view.step.value}", completed=False)
        return
    if answers.option is not None and answers.option != view.option:
        yield Tap("review", f"option_{answers.option}")
    yield Tap("review", "confirm")
    if answers.card is None:
        view = yield Expect(lambda v: v.step is Step.RECEIPT or bool(v.message), "the outcome")
        if view.step is not Step.RECEIPT:
            yield Stop(f"refused: {view.message}", completed=False)
            return
        yield from _leave()
        return
    yield Tap("payment", "tap_card")
    view = yield Expect(_payment_ended, "the payment to end")
    if view.step is not Step.RECEIPT:
        phase = view.payment_phase.value if view.payment_phase else "failed"
        yield Stop(phase, completed=False)
        return
    yield from _leave()
