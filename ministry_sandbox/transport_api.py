"""The transport backend (`/transport/v1`): registrations, driver's records, plates, address."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from ministry_sandbox.errors import backend_error_docs, invalid_request
from ministry_sandbox.idempotency import IdempotentWriteDep, write_error_docs
from ministry_sandbox.plate_rules import (
    is_valid_plate_text,
    normalise_plate_text,
)
from ministry_sandbox.program_errors import vehicle_not_found
from ministry_sandbox.program_models import (
    LICENCE_PATTERN,
    RENEWAL_NOTICE_PATTERN,
    AddressChangeConfirmation,
    AddressChangeRequest,
)
from ministry_sandbox.state import SandboxState
from ministry_sandbox.transport_models import (
    DriverRecordConfirmation,
    DriverRecordRequest,
    LicenceQuote,
    PlateAvailability,
    PlateOrderConfirmation,
    PlateOrderRequest,
    RegistrationQuote,
    RenewalConfirmation,
    RenewalRequest,
)
from ministry_sandbox.transport_operations import (
    DRIVER_RECORD_FEE_CENTS,
    PERSONALIZED_PLATE_FEE_CENTS,
    change_licence_address,
    find_licence,
    find_vehicle,
    order_driver_record,
    order_plate,
    plate_unavailable_reason,
    registration_quote,
    renew_registration,
    renewable_vehicle,
)

_REGISTRATION_REFUSALS = {
    404: "`vehicle_not_found`",
    409: "`vehicle_not_owned` (the licence is not the owner's), `unpaid_fines` (the body adds "
    "`unpaid_fines_cents`), `no_valid_insurance`",
}
_LICENCE_REFUSALS = {404: "`licence_not_found`", 409: "`date_of_birth_mismatch`"}
_PlatePath = Annotated[
    str, Path(description="Uppercase, without spaces; matched exactly.", examples=["CBKR274"])
]
_LicencePath = Annotated[
    str,
    Path(
        description="One letter and 14 digits, without dashes; matched exactly.",
        examples=["C60234567890123"],
    ),
]


def build_transport_router(state: SandboxState) -> APIRouter:
    """Build the `/transport/v1` endpoints over this state."""
    router = APIRouter(prefix="/transport/v1", tags=["transport"])
    _add_registration_routes(router, state)
    _add_licence_routes(router, state)
    _add_plate_routes(router, state)
    return router


def _add_registration_routes(router: APIRouter, state: SandboxState) -> None:
    @router.get(
        "/registrations/{plate}",
        response_model=RegistrationQuote,
        summary="Look up a registration to renew, by plate and the owner's licence",
        responses=backend_error_docs(_REGISTRATION_REFUSALS),
    )
    def get_registration(
        plate: _PlatePath,
        licence_number: str = Query(
            pattern=LICENCE_PATTERN, description="The owner's licence, without dashes."
        ),
    ) -> RegistrationQuote:
        """Return the registration and its renewal terms."""
        with state.lock:
            vehicle = renewable_vehicle(find_vehicle(state.programs, plate), licence_number)
        return registration_quote(vehicle)

    @router.get(
        "/registrations",
        response_model=RegistrationQuote,
        summary="Look up a registration to renew, by renewal notice",
        responses=backend_error_docs(_REGISTRATION_REFUSALS),
    )
    def find_registration(
        renewal_notice: str = Query(
            pattern=RENEWAL_NOTICE_PATTERN,
            description="`RN` and 10 digits, from the notice mailed to the owner.",
            examples=["RN0000001234"],
        ),
    ) -> RegistrationQuote:
        """Return the registration a renewal notice was sent for, and its renewal terms."""
        with state.lock:
            vehicle = state.programs.vehicle_with_renewal_notice(renewal_notice)
            if vehicle is None:
                raise vehicle_not_found(renewal_notice)
            renewable_vehicle(vehicle, None)
        return registration_quote(vehicle)

    @router.post(
        "/registrations/{plate}/renewals",
        status_code=201,
        response_model=RenewalConfirmation,
        summary="Renew a registration for 1 or 2 years",
        responses=write_error_docs(
            {**_REGISTRATION_REFUSALS, 422: "`amount_mismatch` (not the term's fee)"}
        ),
    )
    def post_renewal(
        request: RenewalRequest, write: IdempotentWriteDep, plate: _PlatePath
    ) -> JSONResponse:
        """Renew the registration: from its expiry, or from today when it has expired."""
        return state.run_once(write, lambda: renew_registration(state, write, plate, request))


def _add_licence_routes(router: APIRouter, state: SandboxState) -> None:
    @router.get(
        "/licences/{licence_number}",
        response_model=LicenceQuote,
        summary="Look up a driver's licence before ordering its record",
        responses=backend_error_docs(_LICENCE_REFUSALS),
    )
    def get_licence(
        licence_number: _LicencePath,
        date_of_birth: Annotated[dt.date, Query(description="The holder's, YYYY-MM-DD.")],
    ) -> LicenceQuote:
        """Return the licence's status and the fee for its driver's record."""
        with state.lock:
            licence = find_licence(state.programs, licence_number, date_of_birth)
        return LicenceQuote(
            licence_number=licence.licence_number,
            status=licence.status,
            record_fee_cents=DRIVER_RECORD_FEE_CENTS,
        )

    @router.post(
        "/driver-records",
        status_code=201,
        response_model=DriverRecordConfirmation,
        summary="Order a driver's record",
        responses=write_error_docs(
            {**_LICENCE_REFUSALS, 422: "`amount_mismatch` (not the record fee)"}
        ),
    )
    def post_driver_record(request: DriverRecordRequest, write: IdempotentWriteDep) -> JSONResponse:
        """Issue the driver's record summary."""
        return state.run_once(write, lambda: order_driver_record(state, write, request))

    @router.post(
        "/licences/{licence_number}/address",
        response_model=AddressChangeConfirmation,
        summary="Change the address on a driver's licence",
        responses=write_error_docs({404: "`licence_not_found`"}),
    )
    def post_licence_address(
        request: AddressChangeRequest,
        write: IdempotentWriteDep,
        licence_number: _LicencePath,
    ) -> JSONResponse:
        """Put the new address on the licence."""
        return state.run_once(
            write, lambda: change_licence_address(state, write, licence_number, request)
        )


def _add_plate_routes(router: APIRouter, state: SandboxState) -> None:
    @router.get(
        "/personalized-plates/{text}",
        response_model=PlateAvailability,
        summary="Check whether a personalized plate is available",
        responses=backend_error_docs({422: "`invalid_request` (not 2 to 8 letters A–Z or digits)"}),
    )
    def get_plate(
        text: str = Path(
            description="Uppercased and stripped of spaces first.", examples=["ERABLE"]
        ),
    ) -> PlateAvailability:
        """Tell whether the plate can be ordered, and why not."""
        normalised = normalise_plate_text(text)
        if not is_valid_plate_text(normalised):
            raise invalid_request("text")
        with state.lock:
            reason = plate_unavailable_reason(state.programs, normalised)
        return PlateAvailability(
            text=normalised,
            available=reason is None,
            reason=reason,
            fee_cents=PERSONALIZED_PLATE_FEE_CENTS,
        )

    @router.post(
        "/personalized-plates/orders",
        status_code=201,
        response_model=PlateOrderConfirmation,
        summary="Order a personalized plate",
        responses=write_error_docs(
            {
                404: "`licence_not_found`",
                409: "`plate_taken`, `plate_refused`",
                422: "`amount_mismatch` (not the plate fee)",
            }
        ),
    )
    def post_plate_order(request: PlateOrderRequest, write: IdempotentWriteDep) -> JSONResponse:
        """Order the plate for the licence holder."""
        return state.run_once(write, lambda: order_plate(state, write, request))
