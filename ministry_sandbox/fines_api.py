"""The fines backend (`/fines/v1`): look up notices and pay them, all or nothing."""

from __future__ import annotations

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from ministry_sandbox.errors import (
    backend_error_docs,
    fine_amount_mismatch,
    notice_already_paid,
    notice_not_found,
)
from ministry_sandbox.idempotency import IdempotentWriteDep, write_error_docs
from ministry_sandbox.models import (
    FinePaymentConfirmation,
    FinePaymentRequest,
    Notice,
)
from ministry_sandbox.state import IdempotentWrite, Outcome, SandboxState


def _check_payable(state: SandboxState, request: FinePaymentRequest) -> None:
    """Refuse the payment unless every notice exists, is unpaid and is paid in full."""
    notices = [state.notices.get(item.notice_number) for item in request.notices]
    for item, notice in zip(request.notices, notices, strict=True):
        if notice is None:
            raise notice_not_found(item.notice_number)
    for item, notice in zip(request.notices, notices, strict=True):
        if notice is not None and notice.status == "paid":
            raise notice_already_paid(item.notice_number)
    for item, notice in zip(request.notices, notices, strict=True):
        if notice is not None and item.amount_cents != notice.amount_due_cents:
            raise fine_amount_mismatch(
                item.notice_number, item.amount_cents, notice.amount_due_cents
            )


def pay_notices(
    state: SandboxState, write: IdempotentWrite, request: FinePaymentRequest
) -> Outcome:
    """Mark every notice paid and record one ledger entry; call under the lock."""
    _check_payable(state, request)
    for item in request.notices:
        notice = state.notices[item.notice_number]
        state.notices[item.notice_number] = notice.model_copy(update={"status": "paid"})
    total = sum(item.amount_cents for item in request.notices)
    confirmation = state.new_reference("F-", 8)
    entry = state.record("fines", "pay", write.key, confirmation, total)
    body = FinePaymentConfirmation(
        confirmation_number=confirmation,
        paid_at=entry.at,
        total_cents=total,
        notices=request.notices,
    )
    return 201, body.model_dump(mode="json")


def build_fines_router(state: SandboxState) -> APIRouter:
    """Build the `/fines/v1` endpoints over this state."""
    router = APIRouter(prefix="/fines/v1", tags=["fines"])

    @router.get(
        "/notices/{notice_number}",
        response_model=Notice,
        summary="Look up a notice",
        responses=backend_error_docs({404: "`notice_not_found`"}),
    )
    def get_notice(
        notice_number: str = Path(description="12 digits, no spaces.", examples=["100042158731"]),
    ) -> Notice:
        """Return the notice with this number."""
        with state.lock:
            notice = state.notices.get(notice_number)
        if notice is None:
            raise notice_not_found(notice_number)
        return notice

    @router.post(
        "/payments",
        status_code=201,
        response_model=FinePaymentConfirmation,
        summary="Pay one or more notices, all or nothing",
        response_description="Every notice is now paid.",
        responses=write_error_docs(
            {
                404: "`notice_not_found`",
                409: "`notice_already_paid`",
                422: "`amount_mismatch` (an amount differs from the amount due)",
            }
        ),
    )
    def pay(request: FinePaymentRequest, write: IdempotentWriteDep) -> JSONResponse:
        """Pay every listed notice for exactly its amount due; on any error nothing is paid."""
        return state.run_once(write, lambda: pay_notices(state, write, request))

    return router
