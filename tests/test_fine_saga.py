"""Paying fines through the whole saga with fakes at the ports: what is charged, posted, printed."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fakes import FakeJournal, FakeKiosk, SimulatedPowerCut, build_kiosk

from transactions.errors import BackendUnavailable, DeviceError, KioskError
from transactions.saga.states import Effect, SagaState

SPEEDING = "10 004215873 1"  # $125.00, typed as printed on the notice
PARKING = "21-000560981-8"  # $30.00, Toronto, typed with dashes
OTTAWA = " 220033182472 "  # $45.00, stray spaces around it

Kiosk = FakeKiosk[FakeJournal]


@pytest.fixture
def kiosk() -> Kiosk:
    return build_kiosk()


def calls(kiosk: Kiosk) -> list[str]:
    """Return the calls made to the outside world, in order (journal writes left out)."""
    return [what for what, _ in kiosk.timeline if not what.startswith("journal.")]


# --- the ordinary path -----------------------------------------------------------------


def test_an_approved_payment_is_posted_then_captured_then_printed_and_done(kiosk: Kiosk) -> None:
    record = kiosk.open_fine(SPEEDING, PARKING)

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.DONE
    assert calls(kiosk) == [
        "terminal.authorize",
        "ministry.pay_notices",
        "terminal.capture",
        "printer.print",
    ]
    [posting] = kiosk.ministry.postings
    assert posting.posting.notices == (("100042158731", 12500), ("210005609818", 3000))
    assert posting.posting.authorization_id == result.record.authorization_id
    assert kiosk.ministry.is_paid("100042158731")
    assert kiosk.ministry.is_paid("210005609818")
    assert kiosk.terminal.charged_cents == 12500 + 3000 + 100
    assert kiosk.terminal.held_cents == 0
    assert kiosk.printer.receipts == [result.receipt]
    stored = kiosk.journal.records[record.transaction_id]
    assert stored == result.record
    assert stored.receipt_printed
    assert stored.confirmation == posting.confirmation.confirmation_number
    assert kiosk.journal.unfinished() == []


def test_the_card_is_asked_for_the_total_with_the_kiosk_fee(kiosk: Kiosk) -> None:
    record = kiosk.open_fine(OTTAWA)

    kiosk.runner().pay(record)

    [request] = kiosk.terminal.authorize_requests
    assert request.amount_cents == 4500 + 100
    assert request.merchant_reference == record.transaction_id
    assert request.idempotency_key == f"{record.transaction_id}:authorize"


def test_cancelling_before_paying_touches_neither_the_card_nor_the_ministry(kiosk: Kiosk) -> None:
    record = kiosk.open_fine(SPEEDING)

    cancelled = kiosk.runner().cancel(record)

    assert cancelled.state is SagaState.CANCELLED
    assert kiosk.journal.records[record.transaction_id].state is SagaState.CANCELLED
    assert calls(kiosk) == []
    assert kiosk.journal.unfinished() == []
    assert not kiosk.ministry.is_paid("100042158731")


def test_a_quoted_transaction_left_on_screen_is_cancelled_on_resume(kiosk: Kiosk) -> None:
    record = kiosk.open_fine(SPEEDING)

    [resumed] = kiosk.runner().resume_unfinished()

    assert resumed.transaction_id == record.transaction_id
    assert resumed.state is SagaState.CANCELLED
    assert calls(kiosk) == []


# --- the card says no, or nobody knows -------------------------------------------------


def test_a_declined_card_charges_nothing_and_posts_nothing(kiosk: Kiosk) -> None:
    kiosk.terminal.will_decline("insufficient_funds")
    record = kiosk.open_fine(SPEEDING)

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.DECLINED
    assert result.record.failure_code == "insufficient_funds"
    assert kiosk.terminal.charged_cents == 0
    assert kiosk.terminal.held_cents == 0
    assert kiosk.ministry.pay_calls == []
    assert not kiosk.ministry.is_paid("100042158731")
    assert kiosk.printer.receipts == []


@pytest.mark.parametrize(
    "error",
    [BackendUnavailable("gateway timeout"), DeviceError("terminal unplugged")],
    ids=["gateway-timeout", "terminal-unplugged"],
)
def test_an_authorization_with_an_unknown_outcome_is_reversed_at_once(
    kiosk: Kiosk, error: KioskError
) -> None:
    kiosk.terminal.will_fail_authorization(error)
    record = kiosk.open_fine(SPEEDING)

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.REVERSED
    assert kiosk.terminal.reversals == [(record.transaction_id, f"{record.transaction_id}:reverse")]
    assert kiosk.terminal.charged_cents == 0
    assert kiosk.ministry.pay_calls == []


# --- the ministry says no, or does not answer ------------------------------------------


def test_a_posting_refused_for_good_reverses_the_authorization(kiosk: Kiosk) -> None:
    kiosk.ministry.refuse("amount_mismatch")
    record = kiosk.open_fine(SPEEDING, PARKING)

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.REVERSED
    assert result.record.failure_code == "amount_mismatch"
    assert kiosk.terminal.capture_calls == []
    assert kiosk.terminal.charged_cents == 0
    assert kiosk.terminal.held_cents == 0, "the hold on the card is released"
    assert kiosk.ministry.pay_calls == [f"{record.transaction_id}:post"], "4xx: never retried"
    assert kiosk.ministry.postings == []
    assert kiosk.clock.sleeps == []


def test_a_posting_that_fails_transiently_is_retried_with_the_same_key_and_succeeds(
    kiosk: Kiosk,
) -> None:
    kiosk.ministry.fail_transiently(2)
    record = kiosk.open_fine(SPEEDING)
    started = kiosk.clock.now()

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.DONE
    assert kiosk.ministry.pay_calls == [f"{record.transaction_id}:post"] * 3
    assert len(kiosk.ministry.postings) == 1
    assert kiosk.clock.sleeps == [0.5, 1.5]
    assert (kiosk.clock.now() - started).total_seconds() == 2.0
    assert kiosk.terminal.charged_cents == 12600
    assert len(kiosk.printer.receipts) == 1


def test_a_posting_unreachable_after_the_retries_waits_with_a_pending_receipt(
    kiosk: Kiosk,
) -> None:
    kiosk.ministry.fail_transiently(3)
    record = kiosk.open_fine(SPEEDING)

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.POST_QUEUED
    assert kiosk.clock.sleeps == [0.5, 1.5]
    assert kiosk.ministry.postings == []
    assert kiosk.terminal.charged_cents == 0, "no money moves before the ministry has it"
    assert kiosk.terminal.held_cents == 12600
    [receipt] = kiosk.printer.receipts
    text = receipt.plain_text()
    assert "PENDING" in text
    assert "PAID" not in text
    assert record.reference in text
    assert kiosk.journal.unfinished() == [result.record]


def test_a_queued_posting_is_posted_once_and_captured_on_resume_with_no_second_receipt(
    kiosk: Kiosk,
) -> None:
    kiosk.ministry.fail_transiently(3)
    record = kiosk.open_fine(SPEEDING, PARKING)
    kiosk.runner().pay(record)

    [resumed] = kiosk.runner().resume_unfinished()

    assert resumed.state is SagaState.DONE
    assert len(kiosk.ministry.postings) == 1
    assert kiosk.ministry.postings[0].key == f"{record.transaction_id}:post"
    assert kiosk.terminal.captures == [
        (resumed.authorization_id, 15600, f"{record.transaction_id}:capture")
    ]
    assert len(kiosk.printer.receipts) == 1, "the citizen is gone: no second receipt"
    assert kiosk.journal.unfinished() == []
    assert kiosk.runner().resume_unfinished() == [], "resuming again does nothing"
    assert len(kiosk.ministry.postings) == 1
    assert kiosk.terminal.charged_cents == 15600


def test_a_queued_posting_waits_for_the_next_resume_while_the_ministry_stays_down(
    kiosk: Kiosk,
) -> None:
    kiosk.ministry.fail_transiently(3)
    record = kiosk.open_fine(SPEEDING)
    kiosk.runner().pay(record)
    kiosk.ministry.fail_transiently(3)

    [still_waiting] = kiosk.runner().resume_unfinished()
    [resumed] = kiosk.runner().resume_unfinished()

    assert still_waiting.state is SagaState.POST_QUEUED
    assert resumed.state is SagaState.DONE
    assert set(kiosk.ministry.pay_calls) == {f"{record.transaction_id}:post"}
    assert len(kiosk.ministry.postings) == 1
    assert kiosk.terminal.charged_cents == 12600


def test_a_queued_posting_refused_later_gives_the_money_back(kiosk: Kiosk) -> None:
    kiosk.ministry.fail_transiently(3)
    record = kiosk.open_fine(SPEEDING)
    kiosk.runner().pay(record)
    kiosk.ministry.refuse("notice_already_paid")

    [resumed] = kiosk.runner().resume_unfinished()

    assert resumed.state is SagaState.REVERSED
    assert resumed.failure_code == "notice_already_paid"
    assert kiosk.terminal.charged_cents == 0
    assert kiosk.terminal.held_cents == 0


def test_a_reversal_the_gateway_does_not_hear_is_retried_on_resume(kiosk: Kiosk) -> None:
    kiosk.ministry.refuse()
    kiosk.terminal.fail_reversals(times=3)
    record = kiosk.open_fine(SPEEDING)

    result = kiosk.runner().pay(record)
    [resumed] = kiosk.runner().resume_unfinished()

    assert result.record.state is SagaState.REVERSAL_QUEUED
    assert resumed.state is SagaState.REVERSED
    assert set(kiosk.terminal.reverse_calls) == {f"{record.transaction_id}:reverse"}
    assert kiosk.terminal.held_cents == 0
    assert kiosk.terminal.charged_cents == 0


# --- the kiosk stops in the middle -----------------------------------------------------


@pytest.mark.parametrize(
    "after_recording", [False, True], ids=["before-the-ministry-heard", "answer-lost"]
)
def test_a_kiosk_stopped_after_the_authorization_is_finished_on_resume_with_one_posting(
    kiosk: Kiosk, after_recording: bool
) -> None:
    kiosk.ministry.will_stop_the_kiosk_during_posting(after_recording=after_recording)
    record = kiosk.open_fine(SPEEDING, OTTAWA)
    with pytest.raises(SimulatedPowerCut):
        kiosk.runner().pay(record)
    assert kiosk.journal.records[record.transaction_id].state is SagaState.PAYMENT_AUTHORIZED

    [resumed] = kiosk.runner().resume_unfinished()  # a new runner: the kiosk restarted

    assert resumed.state is SagaState.DONE
    assert len(kiosk.ministry.postings) == 1
    assert set(kiosk.ministry.pay_calls) == {f"{record.transaction_id}:post"}
    assert resumed.confirmation == kiosk.ministry.postings[0].confirmation.confirmation_number
    assert kiosk.terminal.charged_cents == 12500 + 4500 + 100
    assert len(kiosk.terminal.captures) == 1
    assert kiosk.printer.receipts == [], "nobody is there to take a receipt"


def test_a_kiosk_stopped_during_authorization_is_reversed_on_resume(kiosk: Kiosk) -> None:
    kiosk.terminal.will_stop_the_kiosk_after_approving()
    record = kiosk.open_fine(SPEEDING)
    with pytest.raises(SimulatedPowerCut):
        kiosk.runner().pay(record)
    assert kiosk.journal.records[record.transaction_id].state is SagaState.AUTHORIZING
    assert kiosk.terminal.held_cents == 12600, "the gateway approved; the kiosk never knew"

    [resumed] = kiosk.runner().resume_unfinished()

    assert resumed.state is SagaState.REVERSED
    assert kiosk.terminal.held_cents == 0
    assert kiosk.terminal.charged_cents == 0
    assert kiosk.ministry.pay_calls == []
    assert not kiosk.ministry.is_paid("100042158731")


def test_transactions_stranded_by_a_restart_are_all_finished_oldest_first(kiosk: Kiosk) -> None:
    first = kiosk.open_fine(SPEEDING)
    kiosk.clock.advance(60)
    second = kiosk.open_fine(PARKING)
    for record in (first, second):
        kiosk.ministry.will_stop_the_kiosk_during_posting(after_recording=False)
        with pytest.raises(SimulatedPowerCut):
            kiosk.runner().pay(record)

    resumed = kiosk.runner().resume_unfinished()

    assert [r.transaction_id for r in resumed] == [first.transaction_id, second.transaction_id]
    assert [r.state for r in resumed] == [SagaState.DONE, SagaState.DONE]
    assert [p.key for p in kiosk.ministry.postings] == [
        f"{first.transaction_id}:post",
        f"{second.transaction_id}:post",
    ]


# --- capture and printing trouble ------------------------------------------------------


def test_a_capture_unreachable_waits_but_the_receipt_is_printed_and_resume_captures_once(
    kiosk: Kiosk,
) -> None:
    kiosk.terminal.fail_captures(times=3)
    record = kiosk.open_fine(SPEEDING)

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.CAPTURE_QUEUED
    assert len(kiosk.ministry.postings) == 1
    assert kiosk.terminal.charged_cents == 0
    [receipt] = kiosk.printer.receipts
    assert "PAID" in receipt.plain_text(), "the ministry has the payment: the fine is paid"

    [resumed] = kiosk.runner().resume_unfinished()

    assert resumed.state is SagaState.DONE
    assert resumed.failure_code is None, "a finished payment is not listed as failed"
    assert kiosk.terminal.captures == [
        (resumed.authorization_id, 12600, f"{record.transaction_id}:capture")
    ]
    assert len(kiosk.printer.receipts) == 1
    assert len(kiosk.ministry.postings) == 1


def test_a_capture_refused_for_good_stays_queued_for_a_technician(kiosk: Kiosk) -> None:
    # The ministry already recorded the fine as paid, so the saga can neither give the
    # money back nor finish: the transaction stays listed as unfinished.
    kiosk.terminal.fail_captures(times=None, permanent=True)
    record = kiosk.open_fine(SPEEDING)

    result = kiosk.runner().pay(record)
    [resumed] = kiosk.runner().resume_unfinished()

    assert result.record.state is SagaState.CAPTURE_QUEUED
    assert resumed.state is SagaState.CAPTURE_QUEUED
    assert resumed.failure_code == "authorization_not_capturable"
    assert kiosk.clock.sleeps == [], "a permanent refusal is not retried in a loop"
    assert kiosk.ministry.is_paid("100042158731")
    assert kiosk.terminal.charged_cents == 0
    assert kiosk.journal.unfinished() == [resumed]


def test_a_printer_out_of_paper_still_completes_the_payment_without_a_receipt(
    kiosk: Kiosk,
) -> None:
    kiosk.printer.paper_out = True
    record = kiosk.open_fine(SPEEDING)

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.DONE
    assert result.record.receipt_printed is False
    assert kiosk.printer.receipts == []
    assert result.receipt is not None, "the screen can still show what the receipt says"
    assert len(kiosk.ministry.postings) == 1
    assert kiosk.terminal.charged_cents == 12600


# --- the journal -----------------------------------------------------------------------

EFFECT_STEPS = {effect.value for effect in Effect}


def _happy(kiosk: Kiosk) -> None:
    kiosk.runner().pay(kiosk.open_fine(SPEEDING, PARKING))


def _declined(kiosk: Kiosk) -> None:
    kiosk.terminal.will_decline()
    kiosk.runner().pay(kiosk.open_fine(SPEEDING))


def _refused(kiosk: Kiosk) -> None:
    kiosk.ministry.refuse()
    kiosk.runner().pay(kiosk.open_fine(SPEEDING))


def _posting_queued_then_resumed(kiosk: Kiosk) -> None:
    kiosk.ministry.fail_transiently(3)
    kiosk.runner().pay(kiosk.open_fine(SPEEDING))
    kiosk.runner().resume_unfinished()


def _capture_queued_then_resumed(kiosk: Kiosk) -> None:
    kiosk.terminal.fail_captures(times=3)
    kiosk.runner().pay(kiosk.open_fine(SPEEDING))
    kiosk.runner().resume_unfinished()


def _paper_out(kiosk: Kiosk) -> None:
    kiosk.printer.paper_out = True
    kiosk.runner().pay(kiosk.open_fine(SPEEDING))


def _stopped_during_authorization(kiosk: Kiosk) -> None:
    kiosk.terminal.will_stop_the_kiosk_after_approving()
    record = kiosk.open_fine(SPEEDING)
    with pytest.raises(SimulatedPowerCut):
        kiosk.runner().pay(record)
    kiosk.runner().resume_unfinished()


SCENARIOS: list[Callable[[Kiosk], None]] = [
    _happy,
    _declined,
    _refused,
    _posting_queued_then_resumed,
    _capture_queued_then_resumed,
    _paper_out,
    _stopped_during_authorization,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__.strip("_"))
def test_every_effect_is_journaled_as_an_intent_before_it_runs_and_an_outcome_after(
    kiosk: Kiosk, scenario: Callable[[Kiosk], None]
) -> None:
    scenario(kiosk)

    [transaction_id] = kiosk.journal.records
    steps = kiosk.journal.steps_of(transaction_id)
    outcomes = [i for i, s in enumerate(steps) if s.step in EFFECT_STEPS and s.phase == "outcome"]
    assert outcomes, "the scenario ran at least one effect"
    for i in outcomes:
        assert (steps[i - 1].step, steps[i - 1].phase) == (steps[i].step, "intent")
    for i, row in enumerate(steps):
        if row.phase == "intent" and i + 1 < len(steps):
            # Only a power cut separates an intent from its outcome; then comes the resume.
            assert steps[i + 1].step in (row.step, "resume")
    # Every call to the outside world comes right after the intent carrying its key.
    for index, (what, key) in enumerate(kiosk.timeline):
        if what.startswith("journal.") or what == "printer.print":
            continue
        call = what.split(".")[1]
        expected_key = f"{transaction_id}:{_STEP_OF_CALL[call]}"
        assert key == expected_key
        earlier_intents = [k for w, k in kiosk.timeline[:index] if w == "journal.intent"]
        assert earlier_intents[-1] == expected_key


_STEP_OF_CALL = {
    "authorize": "authorize",
    "pay_notices": "post",
    "capture": "capture",
    "reverse": "reverse",
}


def test_a_receipt_is_printed_only_after_its_intent_is_journaled(kiosk: Kiosk) -> None:
    record = kiosk.open_fine(SPEEDING)

    kiosk.runner().pay(record)

    printed_at = kiosk.timeline.index(("printer.print", record.reference))
    assert kiosk.timeline[printed_at - 1] == ("journal.intent", f"{record.transaction_id}:print")
    assert kiosk.timeline[printed_at + 1] == ("journal.outcome", f"{record.transaction_id}:print")


# --- the receipt -----------------------------------------------------------------------


def test_the_receipt_shows_notices_amounts_fee_total_reference_and_only_the_last_four(
    kiosk: Kiosk,
) -> None:
    kiosk.terminal.card_brand, kiosk.terminal.card_last4 = "mastercard", "0004"
    record = kiosk.open_fine(SPEEDING, PARKING, OTTAWA)

    result = kiosk.runner().pay(record)

    text = kiosk.printer.receipts[0].plain_text()
    lines = text.splitlines()
    assert "Notice 100042158731: $125.00" in lines
    assert "Notice 210005609818: $30.00" in lines
    assert "Notice 220033182472: $45.00" in lines
    assert "Ontario provincial offence" in lines
    assert "City of Toronto parking ticket" in lines
    assert "City of Ottawa parking ticket" in lines
    assert "Paid to the ministry: $200.00" in lines
    assert "Kiosk fee: $1.00" in lines, "one fee for the three notices"
    assert "Total: $201.00" in lines
    assert f"Reference: {record.reference}" in lines
    assert f"[QR {record.reference}]" in lines
    assert f"Confirmation: {result.record.confirmation}" in lines
    assert "Card: Mastercard **** 0004" in lines
    assert "Date: 2026-11-22 14:03" in lines
    assert not re.search(r"\d{13,19}", text), "nothing that looks like a card number"
