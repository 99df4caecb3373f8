"""Transport operations: the checks, fees and writes behind `/transport/v1`."""

from __future__ import annotations

import datetime as dt

from ministry_sandbox.plate_rules import contains_refused_word
from ministry_sandbox.program_errors import (
    check_fee,
    date_of_birth_mismatch,
    licence_not_found,
    no_valid_insurance,
    plate_refused,
    plate_taken,
    unpaid_fines,
    vehicle_not_found,
    vehicle_not_owned,
)
from ministry_sandbox.program_models import (
    AddressChangeConfirmation,
    AddressChangeRequest,
    Licence,
    Vehicle,
)
from ministry_sandbox.programs_state import ProgramRecords, add_years
from ministry_sandbox.state import IdempotentWrite, Outcome, SandboxState
from ministry_sandbox.transport_models import (
    DriverRecordConfirmation,
    DriverRecordRequest,
    DriverRecordSummary,
    PlateOrderConfirmation,
    PlateOrderRequest,
    PlateUnavailableReason,
    RegistrationQuote,
    RegistrationTerm,
    RenewalConfirmation,
    RenewalRequest,
    VehicleDescription,
)

PROGRAM = "transport"
REGISTRATION_FEES_CENTS = {1: 5_900, 2: 11_800}
DRIVER_RECORD_FEE_CENTS = 1_200
PERSONALIZED_PLATE_FEE_CENTS = 32_600
PLATE_DELIVERY_WEEKS = 6


def renewable_vehicle(vehicle: Vehicle, licence_number: str | None) -> Vehicle:
    """Refuse the renewal unless the licence is the owner's, fines are paid and it is insured."""
    if licence_number is not None and vehicle.owner_licence_number != licence_number:
        raise vehicle_not_owned(vehicle.plate)
    if vehicle.unpaid_fines_cents > 0:
        raise unpaid_fines(vehicle.plate, vehicle.unpaid_fines_cents)
    if not vehicle.insured:
        raise no_valid_insurance(vehicle.plate)
    return vehicle


def find_vehicle(records: ProgramRecords, plate: str) -> Vehicle:
    vehicle = records.vehicles.get(plate)
    if vehicle is None:
        raise vehicle_not_found(plate)
    return vehicle


def registration_quote(vehicle: Vehicle) -> RegistrationQuote:
    return RegistrationQuote(
        plate=vehicle.plate,
        vehicle=VehicleDescription(year=vehicle.year, make=vehicle.make, model=vehicle.model),
        current_expiry=vehicle.current_expiry,
        terms=[
            RegistrationTerm(years=1, fee_cents=REGISTRATION_FEES_CENTS[1]),
            RegistrationTerm(years=2, fee_cents=REGISTRATION_FEES_CENTS[2]),
        ],
    )


def renew_registration(
    state: SandboxState, write: IdempotentWrite, plate: str, request: RenewalRequest
) -> Outcome:
    """Extend the registration by the term and record it; call under the lock."""
    vehicle = renewable_vehicle(find_vehicle(state.programs, plate), request.licence_number)
    fee = REGISTRATION_FEES_CENTS[request.years]
    check_fee(request.fee_cents, fee)
    # An expired registration is renewed from today, a current one from its expiry.
    new_expiry = add_years(max(vehicle.current_expiry, state.today()), request.years)
    state.programs.vehicles[plate] = vehicle.model_copy(update={"current_expiry": new_expiry})
    confirmation = state.new_reference("R-", 8)
    state.record(PROGRAM, "renew_registration", write.key, confirmation, fee)
    body = RenewalConfirmation(
        confirmation_number=confirmation,
        plate=plate,
        years=request.years,
        new_expiry=new_expiry,
        fee_cents=fee,
    )
    return 201, body.model_dump(mode="json")


def find_licence(records: ProgramRecords, licence_number: str, date_of_birth: dt.date) -> Licence:
    licence = records.licences.get(licence_number)
    if licence is None:
        raise licence_not_found(licence_number)
    if licence.date_of_birth != date_of_birth:
        raise date_of_birth_mismatch(licence_number)
    return licence


def order_driver_record(
    state: SandboxState, write: IdempotentWrite, request: DriverRecordRequest
) -> Outcome:
    """Issue the driver's record and record the order; call under the lock."""
    licence = find_licence(state.programs, request.licence_number, request.date_of_birth)
    check_fee(request.fee_cents, DRIVER_RECORD_FEE_CENTS)
    confirmation = state.new_reference("D-", 8)
    state.record(PROGRAM, "order_driver_record", write.key, confirmation, DRIVER_RECORD_FEE_CENTS)
    summary = DriverRecordSummary.model_validate(
        licence.model_dump(include={"licence_class", "status", "expiry", "demerit_points"})
        | {"convictions": licence.convictions}
    )
    body = DriverRecordConfirmation(confirmation_number=confirmation, summary=summary)
    return 201, body.model_dump(mode="json")


def plate_unavailable_reason(records: ProgramRecords, text: str) -> PlateUnavailableReason | None:
    """Tell why a normalised plate text cannot be ordered, or None; call under the lock."""
    if contains_refused_word(text, records.refused_plate_words):
        return "refused"
    if text in records.plates_taken or text in records.plates_ordered:
        return "taken"
    return None


def order_plate(state: SandboxState, write: IdempotentWrite, request: PlateOrderRequest) -> Outcome:
    """Reserve the personalized plate and record the order; call under the lock."""
    if request.licence_number not in state.programs.licences:
        raise licence_not_found(request.licence_number)
    reason = plate_unavailable_reason(state.programs, request.text)
    if reason == "refused":
        raise plate_refused(request.text)
    if reason == "taken":
        raise plate_taken(request.text)
    check_fee(request.fee_cents, PERSONALIZED_PLATE_FEE_CENTS)
    confirmation = state.new_reference("P-", 8)
    state.programs.plates_ordered[request.text] = confirmation
    state.record(
        PROGRAM, "order_personalized_plate", write.key, confirmation, PERSONALIZED_PLATE_FEE_CENTS
    )
    body = PlateOrderConfirmation(
        confirmation_number=confirmation,
        text=request.text,
        fee_cents=PERSONALIZED_PLATE_FEE_CENTS,
        delivery_weeks=PLATE_DELIVERY_WEEKS,
    )
    return 201, body.model_dump(mode="json")


def change_licence_address(
    state: SandboxState, write: IdempotentWrite, licence_number: str, request: AddressChangeRequest
) -> Outcome:
    """Put the new address on the licence and record it; call under the lock."""
    licence = state.programs.licences.get(licence_number)
    if licence is None:
        raise licence_not_found(licence_number)
    state.programs.licences[licence_number] = licence.model_copy(
        update={"address": request.address}
    )
    confirmation = state.new_reference("L-", 8)
    state.record(PROGRAM, "change_address", write.key, confirmation, 0)
    return 200, AddressChangeConfirmation(confirmation_number=confirmation).model_dump()
