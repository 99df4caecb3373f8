"""The transaction saga as an explicit state machine: a pure function of (state, event).

Paid services:
```
QUOTED → AUTHORIZING → PAYMENT_AUTHORIZED → POSTED → COMPLETED → RECEIPT_PRINTED → DONE
              │                │               │
              ▼                ▼               ▼ (gateway unreachable for the capture)
          DECLINED        POST_QUEUED     CAPTURE_QUEUED ──(captured later)──▶ DONE
              │                │ (ministry refuses for good)
   (unknown)  ▼                ▼
         REVERSAL_QUEUED ──▶ REVERSED   (the authorization is voided: nothing charged)
```

Free services (change of address: nothing to pay, so no card and no receipt step; the
receipt covering every programme is printed once, outside the transactions):
```
QUOTED ─submit─▶ SUBMITTING ──posted──▶ DONE
                     │  │
                     │  └──refused──▶ REJECTED
                     ▼ (ministry unreachable)
               SUBMIT_QUEUED ──(resumed: posted)──▶ DONE
                     └──(resumed: refused)──▶ REJECTED
```

Money moves only after the ministry recorded the payment: the card is *authorized* first,
the posting is made, and only then is the authorization *captured*. A posting refused for
good voids the authorization. When the outcome of an authorization is unknown (the kiosk
stopped, or the gateway did not answer), the saga makes sure nothing stays authorized.
A free transaction never reaches the payment terminal at all.
"""

from __future__ import annotations

import enum


class SagaState(enum.Enum):
    """Where a transaction stands."""

    QUOTED = "quoted"
    AUTHORIZING = "authorizing"
    PAYMENT_AUTHORIZED = "payment_authorized"
    POSTED = "posted"
    POST_QUEUED = "post_queued"
    COMPLETED = "completed"
    CAPTURE_QUEUED = "capture_queued"
    RECEIPT_PRINTED = "receipt_printed"
    DONE = "done"
    DECLINED = "declined"
    REVERSAL_QUEUED = "reversal_queued"
    REVERSED = "reversed"
    CANCELLED = "cancelled"
    SUBMITTING = "submitting"
    SUBMIT_QUEUED = "submit_queued"
    REJECTED = "rejected"

    @property
    def finished(self) -> bool:
        """Return True when nothing is left to do for this transaction."""
        return self in FINISHED_STATES

    @property
    def waits_on(self) -> Effect | None:
        """Return the backend call this state waits on (its outbox item), or None."""
        return WAITING_ON.get(self)


FINISHED_STATES = frozenset(
    {
        SagaState.DONE,
        SagaState.DECLINED,
        SagaState.REVERSED,
        SagaState.CANCELLED,
        SagaState.REJECTED,
    }
)


class Event(enum.Enum):
    """What happened: the citizen's decision or a side effect's outcome."""

    PAY = "pay"
    SUBMIT = "submit"
    CANCEL = "cancel"
    RESUME = "resume"
    APPROVED = "approved"
    DECLINED = "declined"
    PAYMENT_UNREACHABLE = "payment_unreachable"
    POSTED = "posted"
    POST_REFUSED = "post_refused"
    POST_UNREACHABLE = "post_unreachable"
    CAPTURED = "captured"
    CAPTURE_UNREACHABLE = "capture_unreachable"
    PRINTED = "printed"
    PRINT_FAILED = "print_failed"
    PRINT_SKIPPED = "print_skipped"
    REVERSED = "reversed"
    REVERSAL_UNREACHABLE = "reversal_unreachable"
    FINISH = "finish"


class Effect(enum.Enum):
    """A side effect the shell performs; its name is the journal's step name."""

    AUTHORIZE = "authorize"
    POST = "post"
    CAPTURE = "capture"
    PRINT = "print"
    REVERSE = "reverse"


class IllegalTransitionError(Exception):
    """Raise when an event does not apply to the current state (a bug, never the citizen)."""


S, E, X = SagaState, Event, Effect
_PRINT_EVENTS = (E.PRINTED, E.PRINT_FAILED, E.PRINT_SKIPPED)

TRANSITIONS: dict[tuple[SagaState, Event], tuple[SagaState, tuple[Effect, ...]]] = {
    (S.QUOTED, E.PAY): (S.AUTHORIZING, (X.AUTHORIZE,)),
    (S.QUOTED, E.CANCEL): (S.CANCELLED, ()),
    (S.QUOTED, E.RESUME): (S.CANCELLED, ()),
    (S.AUTHORIZING, E.APPROVED): (S.PAYMENT_AUTHORIZED, (X.POST,)),
    (S.AUTHORIZING, E.DECLINED): (S.DECLINED, ()),
    (S.AUTHORIZING, E.PAYMENT_UNREACHABLE): (S.REVERSAL_QUEUED, (X.REVERSE,)),
    (S.AUTHORIZING, E.RESUME): (S.REVERSAL_QUEUED, (X.REVERSE,)),
    (S.PAYMENT_AUTHORIZED, E.POSTED): (S.POSTED, (X.CAPTURE,)),
    (S.PAYMENT_AUTHORIZED, E.POST_REFUSED): (S.REVERSAL_QUEUED, (X.REVERSE,)),
    (S.PAYMENT_AUTHORIZED, E.POST_UNREACHABLE): (S.POST_QUEUED, (X.PRINT,)),
    (S.PAYMENT_AUTHORIZED, E.RESUME): (S.PAYMENT_AUTHORIZED, (X.POST,)),
    (S.POST_QUEUED, E.RESUME): (S.POST_QUEUED, (X.POST,)),
    (S.POST_QUEUED, E.POSTED): (S.POSTED, (X.CAPTURE,)),
    (S.POST_QUEUED, E.POST_REFUSED): (S.REVERSAL_QUEUED, (X.REVERSE,)),
    (S.POST_QUEUED, E.POST_UNREACHABLE): (S.POST_QUEUED, ()),
    (S.POSTED, E.CAPTURED): (S.COMPLETED, (X.PRINT,)),
    (S.POSTED, E.CAPTURE_UNREACHABLE): (S.CAPTURE_QUEUED, (X.PRINT,)),
    (S.POSTED, E.RESUME): (S.POSTED, (X.CAPTURE,)),
    (S.CAPTURE_QUEUED, E.RESUME): (S.CAPTURE_QUEUED, (X.CAPTURE,)),
    (S.CAPTURE_QUEUED, E.CAPTURED): (S.DONE, ()),
    (S.CAPTURE_QUEUED, E.CAPTURE_UNREACHABLE): (S.CAPTURE_QUEUED, ()),
    (S.COMPLETED, E.PRINTED): (S.RECEIPT_PRINTED, ()),
    (S.COMPLETED, E.PRINT_FAILED): (S.DONE, ()),
    (S.COMPLETED, E.PRINT_SKIPPED): (S.DONE, ()),
    (S.COMPLETED, E.RESUME): (S.DONE, ()),
    (S.RECEIPT_PRINTED, E.FINISH): (S.DONE, ()),
    (S.RECEIPT_PRINTED, E.RESUME): (S.DONE, ()),
    (S.REVERSAL_QUEUED, E.REVERSED): (S.REVERSED, ()),
    (S.REVERSAL_QUEUED, E.REVERSAL_UNREACHABLE): (S.REVERSAL_QUEUED, ()),
    (S.REVERSAL_QUEUED, E.RESUME): (S.REVERSAL_QUEUED, (X.REVERSE,)),
    # Free transactions: posted without any payment.
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
# A receipt printed (or not) while the posting or the capture waits changes nothing else.
for _waiting in (S.POST_QUEUED, S.CAPTURE_QUEUED):
    for _event in _PRINT_EVENTS:
        TRANSITIONS[(_waiting, _event)] = (_waiting, ())


WAITING_ON: dict[SagaState, Effect] = {
    SagaState.AUTHORIZING: Effect.AUTHORIZE,
    SagaState.PAYMENT_AUTHORIZED: Effect.POST,
    SagaState.POST_QUEUED: Effect.POST,
    SagaState.POSTED: Effect.CAPTURE,
    SagaState.CAPTURE_QUEUED: Effect.CAPTURE,
    SagaState.REVERSAL_QUEUED: Effect.REVERSE,
    SagaState.SUBMITTING: Effect.POST,
    SagaState.SUBMIT_QUEUED: Effect.POST,
}
"""What each state waits on: the outbox holds one item for it until the state moves on.

An interrupted authorization waits on "authorize": resuming it makes sure nothing stays
authorized (the saga queues the reversal). The other unfinished states (QUOTED, COMPLETED,
RECEIPT_PRINTED) have nothing left to send.
"""


def transition(state: SagaState, event: Event) -> tuple[SagaState, tuple[Effect, ...]]:
    """Return the next state and the effects to perform for ``event`` in ``state``."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransitionError(f"{event.value} is not allowed in {state.value}") from None
