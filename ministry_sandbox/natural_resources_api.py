"""The natural-resources backend (`/natural-resources/v1`): Outdoors Cards."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from ministry_sandbox.errors import backend_error_docs
from ministry_sandbox.idempotency import IdempotentWriteDep, write_error_docs
from ministry_sandbox.program_errors import (
    check_fee,
    outdoor_card_not_found,
    outdoor_card_not_renewable,
)
from ministry_sandbox.program_models import (
    AddressChangeConfirmation,
    AddressChangeRequest,
    OutdoorCard,
    OutdoorCardQuote,
    OutdoorCardRenewal,
    OutdoorCardRenewalRequest,
)
from ministry_sandbox.programs_state import ProgramRecords, add_years
from ministry_sandbox.state import IdempotentWrite, Outcome, SandboxState

PROGRAM = "natural_resources"
RENEWAL_YEARS: Literal[3] = 3
RENEWAL_FEE_CENTS = 968
# A card expired longer ago than this must be renewed at a counter, in person.
RENEWABLE_AFTER_EXPIRY_YEARS = 3

_NOT_FOUND = "`card_not_found`"
_CardNumber = Path(
    description="15 digits starting with 708158, without spaces; matched exactly.",
    examples=["708158123456789"],
)


def is_renewable(card: OutdoorCard, today: dt.date) -> bool:
    """Tell whether the card expired at most three years ago (or has not expired)."""
    return add_years(card.expiry, RENEWABLE_AFTER_EXPIRY_YEARS) >= today


def _card(records: ProgramRecords, number: str) -> OutdoorCard:
    card = records.outdoor_cards.get(number)
    if card is None:
        raise outdoor_card_not_found(number)
    return card


def renew_card(
    state: SandboxState, write: IdempotentWrite, number: str, request: OutdoorCardRenewalRequest
) -> Outcome:
    """Extend the card by three years and record it; call under the lock."""
    card = _card(state.programs, number)
    today = state.today()
    if not is_renewable(card, today):
        raise outdoor_card_not_renewable(number, card.expiry)
    check_fee(request.fee_cents, RENEWAL_FEE_CENTS)
    new_expiry = add_years(max(today, card.expiry), RENEWAL_YEARS)
    state.programs.outdoor_cards[number] = card.model_copy(update={"expiry": new_expiry})
    confirmation = state.new_reference("N-", 8)
    state.record(PROGRAM, "renew_outdoor_card", write.key, confirmation, RENEWAL_FEE_CENTS)
    body = OutdoorCardRenewal(confirmation_number=confirmation, new_expiry=new_expiry)
    return 201, body.model_dump(mode="json")


def change_card_address(
    state: SandboxState, write: IdempotentWrite, number: str, request: AddressChangeRequest
) -> Outcome:
    """Put the new address on the card and record it; call under the lock."""
    card = _card(state.programs, number)
    state.programs.outdoor_cards[number] = card.model_copy(update={"address": request.address})
    confirmation = state.new_reference("N-", 8)
    state.record(PROGRAM, "change_address", write.key, confirmation, 0)
    return 200, AddressChangeConfirmation(confirmation_number=confirmation).model_dump()


def build_natural_resources_router(state: SandboxState) -> APIRouter:
    """Build the `/natural-resources/v1` endpoints over this state."""
    router = APIRouter(prefix="/natural-resources/v1", tags=["natural-resources"])

    @router.get(
        "/outdoor-cards/{card_number}",
        response_model=OutdoorCardQuote,
        summary="Look up an Outdoors Card and its renewal",
        responses=backend_error_docs({404: _NOT_FOUND}),
    )
    def get_card(card_number: str = _CardNumber) -> OutdoorCardQuote:
        """Return the card's expiry and whether it can be renewed here."""
        with state.lock:
            card = _card(state.programs, card_number)
        return OutdoorCardQuote(
            card_number=card.card_number,
            expiry=card.expiry,
            renewal_years=RENEWAL_YEARS,
            renewal_fee_cents=RENEWAL_FEE_CENTS,
            renewable=is_renewable(card, state.today()),
        )

    @router.post(
        "/outdoor-cards/{card_number}/renewals",
        status_code=201,
        response_model=OutdoorCardRenewal,
        summary="Renew an Outdoors Card for 3 years",
        responses=write_error_docs(
            {
                404: _NOT_FOUND,
                409: "`card_not_renewable` (expired more than 3 years ago: a counter must see "
                "the holder)",
                422: "`amount_mismatch` (not the renewal fee)",
            }
        ),
    )
    def post_renewal(
        request: OutdoorCardRenewalRequest,
        write: IdempotentWriteDep,
        card_number: str = _CardNumber,
    ) -> JSONResponse:
        """Renew the card for 3 years from the later of today and its expiry."""
        return state.run_once(write, lambda: renew_card(state, write, card_number, request))

    @router.post(
        "/outdoor-cards/{card_number}/address",
        response_model=AddressChangeConfirmation,
        summary="Change the address on an Outdoors Card",
        responses=write_error_docs({404: _NOT_FOUND}),
    )
    def post_address(
        request: AddressChangeRequest,
        write: IdempotentWriteDep,
        card_number: str = _CardNumber,
    ) -> JSONResponse:
        """Put the new address on the card."""
        return state.run_once(
            write, lambda: change_card_address(state, write, card_number, request)
        )

    return router
