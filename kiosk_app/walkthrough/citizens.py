"""Scripted citizens: what a person does, screen by screen, for each service."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from typing import Any

from device_drivers.sim.payment_terminal import SimulatedCard, SimulatedPaymentTerminal
from kiosk_app.flows.form import ticked
from kiosk_app.flows.keyboard import keystrokes
from kiosk_app.session_view import PaymentPhase, SessionView, Step
from kiosk_app.walkthrough.answers import FineAnswers, ServiceAnswers
from kiosk_app.walkthrough.driver import Action, Expect, Happen, Script, Stop, Tap


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


def citizen(answers: FineAnswers | ServiceAnswers) -> Script:
    """Return the script of the citizen who gives ``answers`` (a fine, or a service's form)."""
    if isinstance(answers, FineAnswers):
        return fine_citizen(answers)
    return service_citizen(answers)


def until_stop(script: Script) -> Generator[Action, SessionView, Stop]:
    """Play ``script`` up to its Stop, which is returned instead of ending the driver's run."""
    action = next(script)
    while not isinstance(action, Stop):
        view = yield action
        try:
            action = script.send(view)
        except StopIteration:
            return Stop("finished", completed=True)
    script.close()
    return action


def walk_away(script: Script, after_touches: int) -> Script:
    """Play ``script`` for ``after_touches`` touches, then leave it to the inactivity timer.

    The citizen stops touching mid-way: the kiosk asks "need more time?", nobody answers,
    and the visit is wiped back to the attract screen.
    """
    touches = 0
    action = next(script)
    while not isinstance(action, Stop) and touches < after_touches:
        touches += isinstance(action, Tap)
        view = yield action
        action = script.send(view)
    script.close()
    if isinstance(action, Stop):  # the visit ended before the citizen walked away
        yield action
        return
    yield Expect(at_attract, "the inactivity timer to wipe the visit")
    yield Stop("abandoned", completed=False)


def at_attract(view: SessionView) -> bool:
    """Return True when the kiosk is back on its attract screen, waiting for the next citizen."""
    return view.step is Step.ATTRACT and not view.busy


def one_after_another(visits: Iterable[Script], after_each: Callable[[Any, Stop], None]) -> Script:
    """Play each visit's script in turn in the same kiosk, as citizens queue at it.

    After each visit ends (done, refused, declined or walked away) the next citizen waits
    for the attract screen: the thank-you screen times out, or the inactivity timer wipes
    an unfinished visit. Then ``after_each(app, stop)`` runs on the idle attract screen.
    """
    for visit in visits:
        stop = yield from until_stop(visit)
        yield Expect(at_attract, "the attract screen for the next citizen")
        yield Happen(_calling(after_each, stop), "the visit ended")
    yield Stop("every visit played", completed=True)


def _calling(after_each: Callable[[Any, Stop], None], stop: Stop) -> Callable[[Any], None]:
    return lambda app: after_each(app, stop)


def queued_citizen(answers: FineAnswers | ServiceAnswers, walks_away_after: int | None) -> Script:
    """Return one citizen of a queue: they take out their card, then play ``answers``.

    ``walks_away_after`` touches, if given, the citizen leaves (see :func:`walk_away`).
    """
    card = answers.card
    if card is not None:
        yield Happen(lambda app: _hold(app, card), "the citizen takes out their card")
    script = citizen(answers)
    yield from script if walks_away_after is None else walk_away(script, walks_away_after)


def _hold(app: Any, card: SimulatedCard) -> None:
    terminal = app.kiosk.terminal
    if isinstance(terminal, SimulatedPaymentTerminal):
        terminal.hold_card(card)
