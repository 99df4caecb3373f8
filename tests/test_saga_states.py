"""The saga's transition table, as a pure function: what the diagram promises, and no more."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transactions.saga.states import (
    FINISHED_STATES,
    TRANSITIONS,
    Effect,
    Event,
    IllegalTransitionError,
    SagaState,
    transition,
)

S, E, X = SagaState, Event, Effect

# Written out from the diagram and prose in transactions/saga/states.py, not copied from the
# table, so that a change to either one shows up here.
DIAGRAM: dict[tuple[SagaState, Event], tuple[SagaState, tuple[Effect, ...]]] = {
    # the citizen decides
    (S.QUOTED, E.PAY): (S.AUTHORIZING, (X.AUTHORIZE,)),
    (S.QUOTED, E.CANCEL): (S.CANCELLED, ()),
    (S.QUOTED, E.RESUME): (S.CANCELLED, ()),  # left behind unpaid: nothing to do
    # authorization
    (S.AUTHORIZING, E.APPROVED): (S.PAYMENT_AUTHORIZED, (X.POST,)),
    (S.AUTHORIZING, E.DECLINED): (S.DECLINED, ()),
    (S.AUTHORIZING, E.PAYMENT_UNREACHABLE): (S.REVERSAL_QUEUED, (X.REVERSE,)),
    (S.AUTHORIZING, E.RESUME): (S.REVERSAL_QUEUED, (X.REVERSE,)),
    # posting to the ministry
    (S.PAYMENT_AUTHORIZED, E.POSTED): (S.POSTED, (X.CAPTURE,)),
    (S.PAYMENT_AUTHORIZED, E.POST_REFUSED): (S.REVERSAL_QUEUED, (X.REVERSE,)),
    (S.PAYMENT_AUTHORIZED, E.POST_UNREACHABLE): (S.POST_QUEUED, (X.PRINT,)),
    (S.PAYMENT_AUTHORIZED, E.RESUME): (S.PAYMENT_AUTHORIZED, (X.POST,)),
    (S.POST_QUEUED, E.RESUME): (S.POST_QUEUED, (X.POST,)),
    (S.POST_QUEUED, E.POSTED): (S.POSTED, (X.CAPTURE,)),
    (S.POST_QUEUED, E.POST_REFUSED): (S.REVERSAL_QUEUED, (X.REVERSE,)),
    (S.POST_QUEUED, E.POST_UNREACHABLE): (S.POST_QUEUED, ()),
    (S.POST_QUEUED, E.PRINTED): (S.POST_QUEUED, ()),
    (S.POST_QUEUED, E.PRINT_FAILED): (S.POST_QUEUED, ()),
    (S.POST_QUEUED, E.PRINT_SKIPPED): (S.POST_QUEUED, ()),
    # capture
    (S.POSTED, E.CAPTURED): (S.COMPLETED, (X.PRINT,)),
    (S.POSTED, E.CAPTURE_UNREACHABLE): (S.CAPTURE_QUEUED, (X.PRINT,)),
    (S.POSTED, E.RESUME): (S.POSTED, (X.CAPTURE,)),
    (S.CAPTURE_QUEUED, E.RESUME): (S.CAPTURE_QUEUED, (X.CAPTURE,)),
    (S.CAPTURE_QUEUED, E.CAPTURED): (S.DONE, ()),
    (S.CAPTURE_QUEUED, E.CAPTURE_UNREACHABLE): (S.CAPTURE_QUEUED, ()),
    (S.CAPTURE_QUEUED, E.PRINTED): (S.CAPTURE_QUEUED, ()),
    (S.CAPTURE_QUEUED, E.PRINT_FAILED): (S.CAPTURE_QUEUED, ()),
    (S.CAPTURE_QUEUED, E.PRINT_SKIPPED): (S.CAPTURE_QUEUED, ()),
    # the receipt
    (S.COMPLETED, E.PRINTED): (S.RECEIPT_PRINTED, ()),
    (S.COMPLETED, E.PRINT_FAILED): (S.DONE, ()),
    (S.COMPLETED, E.PRINT_SKIPPED): (S.DONE, ()),
    (S.COMPLETED, E.RESUME): (S.DONE, ()),
    (S.RECEIPT_PRINTED, E.FINISH): (S.DONE, ()),
    (S.RECEIPT_PRINTED, E.RESUME): (S.DONE, ()),
    # giving the money back
    (S.REVERSAL_QUEUED, E.REVERSED): (S.REVERSED, ()),
    (S.REVERSAL_QUEUED, E.REVERSAL_UNREACHABLE): (S.REVERSAL_QUEUED, ()),
    (S.REVERSAL_QUEUED, E.RESUME): (S.REVERSAL_QUEUED, (X.REVERSE,)),
    # free transactions (change of address): posted with no payment at all
    (S.QUOTED, E.SUBMIT): (S.SUBMITTING, (X.POST,)),
    (S.SUBMITTING, E.POSTED): (S.DONE, ()),
    (S.SUBMITTING, E.POST_REFUSED): (S.REJECTED, ()),
    (S.SUBMITTING, E.POST_UNREACHABLE): (S.SUBMIT_QUEUED, ()),
    (S.SUBMITTING, E.RESUME): (S.SUBMITTING, (X.POST,)),
    (S.SUBMIT_QUEUED, E.RESUME): (S.SUBMIT_QUEUED, (X.POST,)),
    (S.SUBMIT_QUEUED, E.POSTED): (S.DONE, ()),
    (S.SUBMIT_QUEUED, E.POST_REFUSED): (S.REJECTED, ()),
    (S.SUBMIT_QUEUED, E.POST_UNREACHABLE): (S.SUBMIT_QUEUED, ()),
}


def _name(value: SagaState | Event) -> str:
    return str(value.value)


ILLEGAL = [pair for pair in itertools.product(SagaState, Event) if pair not in DIAGRAM]


def test_the_table_holds_exactly_the_transitions_of_the_diagram() -> None:
    assert set(TRANSITIONS) == set(DIAGRAM)


@pytest.mark.parametrize(("state", "event"), list(DIAGRAM), ids=_name)
def test_each_legal_event_leads_where_the_diagram_says(state: SagaState, event: Event) -> None:
    assert transition(state, event) == DIAGRAM[(state, event)]


@pytest.mark.parametrize(("state", "event"), ILLEGAL, ids=_name)
def test_an_event_that_does_not_apply_is_refused(state: SagaState, event: Event) -> None:
    with pytest.raises(IllegalTransitionError, match=event.value):
        transition(state, event)


@pytest.mark.parametrize("state", [s for s in SagaState if s in FINISHED_STATES])
def test_a_finished_transaction_accepts_no_event_at_all(state: SagaState) -> None:
    assert state.finished
    assert not [pair for pair in TRANSITIONS if pair[0] is state]
    for event in Event:
        with pytest.raises(IllegalTransitionError):
            transition(state, event)


@pytest.mark.parametrize("state", [s for s in SagaState if not s.finished])
def test_every_unfinished_transaction_can_be_resumed_without_asking_for_a_card(
    state: SagaState,
) -> None:
    _, effects = transition(state, Event.RESUME)  # raises if a stranded state had no way out
    assert X.AUTHORIZE not in effects


def test_the_happy_path_authorizes_posts_captures_prints_then_finishes() -> None:
    state, effects_seen = S.QUOTED, list[Effect]()
    for event in (E.PAY, E.APPROVED, E.POSTED, E.CAPTURED, E.PRINTED, E.FINISH):
        state, effects = transition(state, event)
        effects_seen += effects
    assert state is S.DONE
    assert effects_seen == [X.AUTHORIZE, X.POST, X.CAPTURE, X.PRINT]


def test_a_resumed_authorization_is_reversed_because_its_outcome_is_unknown() -> None:
    assert transition(S.AUTHORIZING, E.RESUME) == (S.REVERSAL_QUEUED, (X.REVERSE,))


def test_nothing_is_captured_while_the_posting_waits() -> None:
    for event in (E.RESUME, E.POST_UNREACHABLE, E.PRINTED, E.PRINT_FAILED, E.PRINT_SKIPPED):
        _, effects = transition(S.POST_QUEUED, event)
        assert X.CAPTURE not in effects


def test_a_free_transaction_is_posted_then_done_without_a_card_or_a_receipt_step() -> None:
    state, effects_seen = S.QUOTED, list[Effect]()
    for event in (E.SUBMIT, E.POST_UNREACHABLE, E.RESUME, E.POSTED):
        state, effects = transition(state, event)
        effects_seen += effects
    assert state is S.DONE
    assert effects_seen == [X.POST, X.POST]


def test_a_free_transaction_refused_by_the_ministry_is_rejected_and_finished() -> None:
    for waiting in (S.SUBMITTING, S.SUBMIT_QUEUED):
        assert transition(waiting, E.POST_REFUSED) == (S.REJECTED, ())
    assert S.REJECTED.finished


Run = list[tuple[SagaState, Event, SagaState, tuple[Effect, ...]]]


@st.composite
def runs(draw: st.DrawFn, first: Event | None = None) -> Run:
    """Draw a run from QUOTED: a sequence of legal events until finished or 30 steps."""
    state, run = S.QUOTED, []
    for step in range(30):
        legal = [event for event in Event if (state, event) in TRANSITIONS]
        if step == 0 and first is not None:
            legal = [first]
        if not legal:
            break
        event = draw(st.sampled_from(legal))
        next_state, effects = transition(state, event)
        run.append((state, event, next_state, effects))
        state = next_state
    return run


@settings(max_examples=100, deadline=None)
@given(runs())
def test_money_moves_only_after_posting_and_never_both_ways(
    run: list[tuple[SagaState, Event, SagaState, tuple[Effect, ...]]],
) -> None:
    posted = False
    effects_seen: list[Effect] = []
    for state, event, next_state, effects in run:
        assert not state.finished, f"left the finished state {state.value} on {event.value}"
        posted = posted or event is E.POSTED
        if X.CAPTURE in effects:
            assert posted, "a capture before the ministry recorded the payment"
        effects_seen += effects
        if next_state.finished:
            for any_event in Event:
                with pytest.raises(IllegalTransitionError):
                    transition(next_state, any_event)
    assert not (X.CAPTURE in effects_seen and X.REVERSE in effects_seen), (
        "a transaction both captured and reversed"
    )
    assert effects_seen.count(X.AUTHORIZE) <= 1, "the card is asked for once"


@settings(max_examples=100, deadline=None)
@given(runs(first=E.SUBMIT))
def test_a_free_transaction_never_authorizes_captures_or_reverses(run: Run) -> None:
    effects_seen = [effect for *_, effects in run for effect in effects]
    assert set(effects_seen) <= {X.POST}, "a free transaction touched the payment terminal"
    states = {state for state, *_ in run} | {next_state for *_, next_state, _ in run}
    assert states <= {S.QUOTED, S.SUBMITTING, S.SUBMIT_QUEUED, S.DONE, S.REJECTED}
