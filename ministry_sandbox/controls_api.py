"""Sandbox controls (`/_sandbox`): the ledger, fixtures and fault injection; never faulted."""

from __future__ import annotations

from fastapi import APIRouter

from ministry_sandbox.errors import error_docs
from ministry_sandbox.faults import CONTROL_PREFIX, FaultInjector
from ministry_sandbox.models import (
    FaultSettings,
    Fixtures,
    FixturesLoaded,
    Ledger,
)
from ministry_sandbox.state import SandboxState


def build_controls_router(state: SandboxState, faults: FaultInjector) -> APIRouter:
    """Build the `/_sandbox` endpoints over this state and these faults."""
    router = APIRouter(prefix=CONTROL_PREFIX, tags=["sandbox"])

    @router.get("/ledger", response_model=Ledger, summary="List the operations carried out")
    def get_ledger() -> Ledger:
        """Return every operation carried out, in the order accepted."""
        return Ledger(entries=state.ledger_snapshot())

    @router.post(
        "/fixtures",
        response_model=FixturesLoaded,
        summary="Add or replace records",
        responses=error_docs({}),
        description="Records have the same shape as the seeded data files (`fines`, "
        "`vehicles`, `licences`, `health_cards`, `outdoor_cards`, `plates_taken`); a record "
        "with the identifier of an existing one replaces it. The answer counts the records of "
        "each kind the request named. No Idempotency-Key needed.",
    )
    def post_fixtures(fixtures: Fixtures) -> FixturesLoaded:
        """Add or replace records."""
        return FixturesLoaded(loaded=state.load_fixtures(fixtures))

    @router.get("/faults", response_model=FaultSettings, summary="Show the faults in force")
    def get_faults() -> FaultSettings:
        """Return the faults in force, `fail_next_writes` counted down so far."""
        return faults.settings()

    @router.post(
        "/faults",
        response_model=FaultSettings,
        summary="Inject faults",
        responses=error_docs({}),
        description="Replaces the faults in force (absent fields mean no such fault). "
        "`latency_ms` delays each matching request before it is processed; `outage` answers "
        "503 `backend_unavailable`; `fail_next_writes` answers 503 to the next n matching "
        "POSTs without processing them. `paths` are path prefixes; empty means every path. "
        "`/_sandbox` is never affected. No Idempotency-Key needed.",
    )
    def post_faults(settings: FaultSettings) -> FaultSettings:
        """Put these faults in force."""
        return faults.replace(settings)

    @router.delete("/faults", response_model=FaultSettings, summary="Clear the faults")
    def delete_faults() -> FaultSettings:
        """Remove every fault."""
        return faults.clear()

    return router
