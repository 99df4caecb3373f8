"""The sandbox application: `create_app()` wires the state, the faults and the endpoints."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ministry_sandbox.controls_api import build_controls_router
from ministry_sandbox.errors import (
    SandboxError,
    handle_http_error,
    handle_sandbox_error,
    handle_validation_error,
)
from ministry_sandbox.faults import FaultInjectionMiddleware, FaultInjector
from ministry_sandbox.fines_api import build_fines_router
from ministry_sandbox.health_api import build_health_router
from ministry_sandbox.natural_resources_api import build_natural_resources_router
from ministry_sandbox.payments_api import build_payments_router
from ministry_sandbox.programs_state import load_refused_plate_words, load_seeded_program_records
from ministry_sandbox.state import Clock, SandboxState, load_seeded_fines, utc_now
from ministry_sandbox.transport_api import build_transport_router

logger = logging.getLogger(__name__)

API_VERSION = "1.0.0"

DESCRIPTION = """\
A reference implementation of the backends the kiosk talks to, with synthetic data, fault
injection and a ledger of everything it accepted.

- JSON over HTTP. Amounts are integers in cents (CAD). Times are RFC 3339 UTC.
- Every write (`POST`, outside `/_sandbox`) requires an `Idempotency-Key` header. The same key
  and body give the first response again (same status and body, nothing new in the ledger);
  the same key with a different body is refused with `422 idempotency_key_reused`; a missing
  key is refused with `400 idempotency_key_missing`. Keys are scoped by path.
- Errors are `{"error": code, "message_fr": …, "message_en": …}`. 4xx means "never retry this
  request"; 5xx (and timeouts) mean "retry later with the same key".
"""

TAGS = [
    {"name": "fines", "description": "Provincial offence notices and municipal parking tickets."},
    {"name": "payments", "description": "The payment gateway: authorize, capture, void."},
    {
        "name": "transport",
        "description": "Vehicle registrations, driver's records, personalized plates and the "
        "address on a driver's licence.",
    },
    {"name": "health", "description": "The address on a health card."},
    {"name": "natural-resources", "description": "Outdoors Cards: renewal and address."},
    {"name": "sandbox", "description": "Sandbox controls; not part of a real backend."},
]


async def _handle_unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unexpected error", exc_info=exc)
    return SandboxError(
        500,
        "internal_error",
        "Erreur interne du service. Réessayez plus tard.",
        "Internal service error. Try again later.",
    ).response()


def create_app(seed: bool = True, *, clock: Clock = utc_now) -> FastAPI:
    """Build a sandbox with its own state, seeded with the synthetic records unless told not to.

    The refused plate words are the ministry's rules, not records: they are always loaded.
    """
    state = SandboxState(clock=clock)
    state.programs.refused_plate_words = load_refused_plate_words()
    if seed:
        state.load_notices(load_seeded_fines())
        state.load_fixtures(load_seeded_program_records())
    faults = FaultInjector()

    app = FastAPI(
        title="Ministry sandbox",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_tags=TAGS,
    )
    app.state.sandbox = state
    app.state.faults = faults
    app.include_router(build_fines_router(state))
    app.include_router(build_payments_router(state))
    app.include_router(build_transport_router(state))
    app.include_router(build_health_router(state))
    app.include_router(build_natural_resources_router(state))
    app.include_router(build_controls_router(state, faults))
    app.add_middleware(FaultInjectionMiddleware, faults=faults)
    app.add_exception_handler(SandboxError, handle_sandbox_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(Exception, _handle_unexpected_error)
    return app
