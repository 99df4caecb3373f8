"""The health backend (`/health/v1`): the address on a health card."""

from __future__ import annotations

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from ministry_sandbox.idempotency import IdempotentWriteDep, write_error_docs
from ministry_sandbox.program_errors import health_card_expired, health_card_not_found
from ministry_sandbox.program_models import AddressChangeConfirmation, AddressChangeRequest
from ministry_sandbox.state import IdempotentWrite, Outcome, SandboxState


def change_health_card_address(
    state: SandboxState, write: IdempotentWrite, number: str, request: AddressChangeRequest
) -> Outcome:
    """Put the new address on a current health card and record it; call under the lock."""
    card = state.programs.health_cards.get(number)
    if card is None:
        raise health_card_not_found(number)
    if card.expiry < state.today():
        raise health_card_expired(number, card.expiry)
    state.programs.health_cards[number] = card.model_copy(update={"address": request.address})
    confirmation = state.new_reference("H-", 8)
    state.record("health", "change_address", write.key, confirmation, 0)
    return 200, AddressChangeConfirmation(confirmation_number=confirmation).model_dump()


def build_health_router(state: SandboxState) -> APIRouter:
    """Build the `/health/v1` endpoints over this state."""
    router = APIRouter(prefix="/health/v1", tags=["health"])

    @router.post(
        "/cards/{health_card_number}/address",
        response_model=AddressChangeConfirmation,
        summary="Change the address on a health card",
        responses=write_error_docs(
            {404: "`card_not_found`", 409: "`card_expired` (past its expiry date)"}
        ),
    )
    def post_address(
        request: AddressChangeRequest,
        write: IdempotentWriteDep,
        health_card_number: str = Path(
            description="10 digits and the 2-letter version code, without spaces or dashes; "
            "matched exactly.",
            examples=["1234567890AB"],
        ),
    ) -> JSONResponse:
        """Put the new address on the health card."""
        return state.run_once(
            write, lambda: change_health_card_address(state, write, health_card_number, request)
        )

    return router
