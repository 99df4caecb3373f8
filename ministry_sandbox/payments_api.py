"""The payment gateway (`/payments/v1`): authorize, capture and void card payments."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from ministry_sandbox.errors import (
    authorization_not_capturable,
    authorization_not_found,
    authorization_not_voidable,
    backend_error_docs,
    capture_amount_mismatch,
)
from ministry_sandbox.idempotency import IdempotentWriteDep, write_error_docs
from ministry_sandbox.models import (
    Authorization,
    AuthorizationList,
    AuthorizationRequest,
    CaptureRequest,
    CaptureResult,
    DeclineReason,
    VoidRequest,
    VoidResult,
)
from ministry_sandbox.state import (
    AuthorizationRecord,
    IdempotentWrite,
    Outcome,
    SandboxState,
)

# The sandbox's test cards: these last four digits are declined, every other card approved.
DECLINING_CARDS: dict[str, DeclineReason] = {
    "0002": "card_declined",
    "9995": "insufficient_funds",
}

_NOT_FOUND = "`authorization_not_found`"
_AuthorizationId = Path(description="The id the gateway gave.", examples=["A-7QK2M9XD4B"])


def authorize(
    state: SandboxState, write: IdempotentWrite, request: AuthorizationRequest
) -> Outcome:
    """Approve or decline an authorization and record it; call under the lock."""
    authorization_id = state.new_reference("A-", 10)
    decline_reason = DECLINING_CARDS.get(request.card.last4)
    record = AuthorizationRecord(
        authorization_id=authorization_id,
        amount_cents=request.amount_cents,
        merchant_reference=request.merchant_reference,
        card=request.card,
        decline_reason=decline_reason,
        state="declined" if decline_reason else "approved",
    )
    state.authorizations[authorization_id] = record
    state.record("payments", "authorize", write.key, authorization_id, request.amount_cents)
    body = Authorization.model_validate(record.view().model_dump(exclude={"state"}))
    return 201, body.model_dump(mode="json")


def _find(state: SandboxState, authorization_id: str) -> AuthorizationRecord:
    record = state.authorizations.get(authorization_id)
    if record is None:
        raise authorization_not_found(authorization_id)
    return record


def capture(
    state: SandboxState, write: IdempotentWrite, authorization_id: str, request: CaptureRequest
) -> Outcome:
    """Capture up to the authorized amount and record it; call under the lock."""
    record = _find(state, authorization_id)
    if record.state != "approved":
        raise authorization_not_capturable(authorization_id, record.state)
    if request.amount_cents > record.amount_cents:
        raise capture_amount_mismatch(authorization_id, request.amount_cents, record.amount_cents)
    record.state = "captured"
    record.captured_cents = request.amount_cents
    state.record("payments", "capture", write.key, authorization_id, request.amount_cents)
    body = CaptureResult(
        authorization_id=authorization_id, state="captured", amount_cents=request.amount_cents
    )
    return 200, body.model_dump(mode="json")


def void(state: SandboxState, write: IdempotentWrite, authorization_id: str) -> Outcome:
    """Release an approved authorization and record it; call under the lock.

    Voiding a voided authorization answers the same 200 and records nothing new.
    """
    record = _find(state, authorization_id)
    if record.state in ("captured", "declined"):
        raise authorization_not_voidable(authorization_id, record.state)
    if record.state == "approved":
        record.state = "voided"
        state.record("payments", "void", write.key, authorization_id, record.amount_cents)
    body = VoidResult(authorization_id=authorization_id, state="voided")
    return 200, body.model_dump(mode="json")


def build_payments_router(state: SandboxState) -> APIRouter:
    """Build the `/payments/v1` endpoints over this state."""
    router = APIRouter(prefix="/payments/v1", tags=["payments"])
    _add_authorization_routes(router, state)
    _add_settlement_routes(router, state)
    return router


def _add_authorization_routes(router: APIRouter, state: SandboxState) -> None:
    @router.post(
        "/authorizations",
        status_code=201,
        response_model=Authorization,
        summary="Authorize an amount on a card",
        description="Test cards: last four `0002` are declined (`card_declined`), `9995` are "
        "declined (`insufficient_funds`), all others approved. A declined authorization is "
        "still a 201, with `status: declined`, and is recorded in the ledger.",
        response_description="Approved or declined: see `status`.",
        responses=write_error_docs({}),
    )
    def post_authorization(
        request: AuthorizationRequest, write: IdempotentWriteDep
    ) -> JSONResponse:
        """Authorize an amount on a card."""
        return state.run_once(write, lambda: authorize(state, write, request))

    @router.get(
        "/authorizations",
        response_model=AuthorizationList,
        summary="Find the authorizations for a merchant reference",
        responses=backend_error_docs({}),
    )
    def list_authorizations(
        merchant_reference: str = Query(min_length=1, examples=["txn-0001"]),
    ) -> AuthorizationList:
        """Return the authorizations for this merchant reference, oldest first."""
        with state.lock:
            found = [
                record.view()
                for record in state.authorizations.values()
                if record.merchant_reference == merchant_reference
            ]
        return AuthorizationList(authorizations=found)


def _add_settlement_routes(router: APIRouter, state: SandboxState) -> None:
    @router.post(
        "/authorizations/{authorization_id}/capture",
        response_model=CaptureResult,
        summary="Capture an approved authorization",
        responses=write_error_docs(
            {
                404: _NOT_FOUND,
                409: "`authorization_not_capturable` (declined, voided or already captured)",
                422: "`amount_mismatch` (more than authorized)",
            }
        ),
    )
    def post_capture(
        request: CaptureRequest,
        write: IdempotentWriteDep,
        authorization_id: str = _AuthorizationId,
    ) -> JSONResponse:
        """Capture at most the authorized amount."""
        return state.run_once(write, lambda: capture(state, write, authorization_id, request))

    @router.post(
        "/authorizations/{authorization_id}/void",
        response_model=VoidResult,
        summary="Void an authorization",
        description="Voiding a voided authorization is not an error: it answers the same 200.",
        responses=write_error_docs(
            {404: _NOT_FOUND, 409: "`authorization_not_voidable` (captured or declined)"}
        ),
    )
    def post_void(
        request: VoidRequest,
        write: IdempotentWriteDep,
        authorization_id: str = _AuthorizationId,
    ) -> JSONResponse:
        """Release the authorized amount."""
        return state.run_once(write, lambda: void(state, write, authorization_id))
