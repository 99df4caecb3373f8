"""The services' forms without Kivy: keyboards, form progress, and each flow against fakes.

Synthetic, bilingual and awkward on purpose: Éloïse Côté-Tremblay, a lowercase postal code,
a unit written ``app. 12``, a plate typed ``cbkr 274``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fakes import FakeJournal, FakeKiosk, FakeTexts, build_kiosk
from program_fakes import OUTDOOR_CARD_FEE, OWES_FINES, OWNER, REGISTRATION_FEES

from kiosk_app.flows.address_change import (
    ADDRESS_FIELDS,
    AddressChangeFlow,
    province_of,
)
from kiosk_app.flows.base import ServiceFlow
from kiosk_app.flows.driver_record import DriverRecordFlow
from kiosk_app.flows.keyboard import (
    ROWS,
    Keyboard,
    key_name,
    keystrokes,
    shown,
)
from kiosk_app.flows.outdoor_card import OutdoorCardFlow
from kiosk_app.flows.plates import PlateFlow
from kiosk_app.flows.registration import RegistrationFlow
from kiosk_app.flows.review import Review, Shown
from kiosk_app.flows.state import FormState
from kiosk_app.messages import code_of
from kiosk_app.walkthrough.answers import TYPEABLE
from transactions.address_change import (
    DRIVERS_LICENCE,
    HEALTH_CARD,
    OUTDOOR_CARD,
    PROGRAMME_TEXTS,
    Status,
)
from transactions.addresses import Address
from transactions.errors import BackendError, ValidationError
from transactions.natural_resources.outdoor_card import OutdoorCardRenewals
from transactions.saga.states import SagaState
from transactions.transport.driver_record import DriverRecords
from transactions.transport.personalized_plates import PersonalizedPlates
from transactions.transport.registration import RegistrationRenewals

LICENCE_TYPED = "c6023 45678 90123"  # OWNER, typed lowercase with spaces
HEALTH_CARD_NUMBER = "1234567890AB"
EXPIRED_HEALTH_CARD = "9876543210ZZ"
OUTDOOR_CARD_NUMBER = "708158123456789"
STREET = "rue Éloïse-Côté-Tremblay"
CITY = "Montréal"

ADDRESS_FIELD = {field.name: field for field in ADDRESS_FIELDS}
TEXT_KEYS = frozenset(name for row in ROWS[Keyboard.TEXT] for name in row)
TEXT_CHARS = sorted(ch for ch in TYPEABLE if key_name(ch) in TEXT_KEYS)


def type_into(state: FormState, text: str) -> FormState:
    """Return the form after typing ``text`` on the current field's keyboard."""
    keyboard = state.field.keyboard
    assert keyboard is not None, f"{state.field.name} is not typed"
    for key in keystrokes(text, keyboard):
        state = state.press(key)
    return state


def registration_flow(kiosk: FakeKiosk[FakeJournal] | None = None) -> RegistrationFlow:
    transport = (kiosk or build_kiosk()).transport
    return RegistrationFlow(RegistrationRenewals(transport))


def address_flow(kiosk: FakeKiosk[FakeJournal] | None = None) -> AddressChangeFlow:
    kiosk = kiosk or build_kiosk()
    return AddressChangeFlow(kiosk.runner(), lambda _language: FakeTexts(), kiosk.clock)


def shown_values(review: Review) -> list[str]:
    """Return every text the review screen could show, values and filled-in params."""
    values = [line.value for line in review.lines]
    values += [value for line in review.lines for _name, value in line.params]
    return values


ADDRESS_ANSWERS = {
    "street_number": "1234",
    "street_name": STREET,
    "unit": "app. 12",
    "city": CITY,
    "province": "QC",
    "postal_code": "H2X 3K8",
}


# --- form progress ---------------------------------------------------------------------


def test_a_required_answer_left_empty_is_refused_and_the_form_stays_put() -> None:
    state = FormState(registration_flow()).choose("plate")
    with pytest.raises(ValidationError) as caught:
        state.proceed()
    assert caught.value.code == "answer_missing"
    assert state.field.name == "plate"
    spaces = type_into(state, "   ")
    with pytest.raises(ValidationError, match="nothing typed"):
        spaces.proceed()


def test_an_optional_unit_may_be_left_empty() -> None:
    state = FormState(address_flow()).with_answers(
        {"programmes": HEALTH_CARD, "health_card": HEALTH_CARD_NUMBER, "street_number": "1234"}
    )
    state = type_into(state, STREET).proceed()
    assert state.field.name == "unit"
    state = state.proceed()
    assert state.answer("unit") == ""
    assert state.field.name == "city"


def test_a_unit_written_the_quebec_way_is_kept_as_typed() -> None:
    state = FormState(address_flow()).with_answers(
        {"programmes": HEALTH_CARD, "health_card": HEALTH_CARD_NUMBER, "street_number": "1234"}
    )
    state = type_into(state, STREET).proceed()
    state = type_into(state, "app. 12").proceed()
    assert state.answer("unit") == "app. 12"


@pytest.mark.parametrize(
    ("typed", "code"),
    [("h2x 3k", "postal_code_format"), ("d2x 3k8", "postal_code_letters")],
)
def test_a_bad_postal_code_is_refused_on_the_spot(typed: str, code: str) -> None:
    answers = {k: v for k, v in ADDRESS_ANSWERS.items() if k != "postal_code"}
    state = FormState(address_flow()).with_answers(
        {"programmes": HEALTH_CARD, "health_card": HEALTH_CARD_NUMBER, **answers}
    )
    assert state.field.name == "postal_code"
    state = type_into(state, typed)
    with pytest.raises(ValidationError) as caught:
        state.proceed()
    assert caught.value.code == code
    assert state.typed == typed.upper()  # kept, to be corrected


def test_a_lowercase_postal_code_is_accepted_on_the_last_question() -> None:
    answers = {k: v for k, v in ADDRESS_ANSWERS.items() if k != "postal_code"}
    state = FormState(address_flow()).with_answers(
        {"programmes": HEALTH_CARD, "health_card": HEALTH_CARD_NUMBER, **answers}
    )
    assert state.is_last
    state = type_into(state, "h2x 3k8").proceed()
    assert state.answer("postal_code") == "H2X 3K8"
    assert state.field.name == "postal_code"  # past the last question: the review is next


def test_the_programmes_must_be_ticked_before_going_on() -> None:
    state = FormState(address_flow())
    with pytest.raises(ValidationError) as caught:
        state.proceed()
    assert caught.value.code == "choice_missing"
    untick = state.tick(OUTDOOR_CARD).tick(OUTDOOR_CARD)
    assert untick.ticks == ()
    with pytest.raises(ValidationError):
        untick.proceed()


def test_ticking_programmes_adds_their_numbers_in_programme_order() -> None:
    state = FormState(address_flow())
    before = [field.name for field in state.fields]
    state = state.tick(DRIVERS_LICENCE).tick(HEALTH_CARD).tick("passport").proceed()
    assert state.answer("programmes") == f"{HEALTH_CARD},{DRIVERS_LICENCE}"
    names = [field.name for field in state.fields]
    assert names == ["programmes", "health_card", "licence_number", *before[1:]]
    assert state.field.name == "health_card"


def test_a_single_choice_answers_and_moves_on() -> None:
    state = FormState(registration_flow())
    assert state.choose("bicycle") == state
    assert state.choose("notice").field.name == "renewal_notice"
    assert state.choose("plate").field.name == "plate"
    ticks_only = FormState(address_flow())
    assert ticks_only.choose(HEALTH_CARD) == ticks_only  # a ticked field needs Continue


def test_going_back_keeps_every_earlier_answer() -> None:
    state = FormState(address_flow()).tick(HEALTH_CARD).proceed()
    state = type_into(state, HEALTH_CARD_NUMBER.lower()).proceed()
    state = type_into(state, "1234").proceed()
    state = type_into(state, STREET).proceed()
    state = type_into(state, "app. 12").proceed()
    state = type_into(state, CITY).proceed()
    assert state.field.name == "postal_code"

    on_city = state.back()
    assert on_city is not None
    assert on_city.field.name == "city"
    assert on_city.typed == CITY
    on_unit = on_city.back()
    assert on_unit is not None
    assert on_unit.typed == "app. 12"
    assert on_unit.answer("street_name") == STREET
    again = on_unit.proceed().proceed()  # each answer goes on as typed
    assert again.field.name == "postal_code"

    first = FormState(address_flow())
    assert first.back() is None


def test_the_province_comes_from_the_postal_code_and_is_asked_only_for_the_territories() -> None:
    state = FormState(address_flow()).tick(HEALTH_CARD).proceed()
    state = type_into(state, HEALTH_CARD_NUMBER).proceed()
    for answer in ("1234", STREET, "", CITY):
        state = type_into(state, answer).proceed()
    quebec = type_into(state, "h2x 3k8")
    assert quebec.is_last
    assert province_of(quebec.proceed().answer_map) == "QC"

    north = type_into(state, "x0a 0h0").proceed()
    assert north.field.name == "province"
    assert north.field.options == ("NT", "NU")
    assert province_of(north.choose("NU").answer_map) == "NU"


def test_going_back_to_the_ticks_shows_them_ticked() -> None:
    state = FormState(address_flow()).tick(OUTDOOR_CARD).tick(HEALTH_CARD).proceed()
    back = state.back()
    assert back is not None
    assert back.ticks == (HEALTH_CARD, OUTDOOR_CARD)


def test_a_date_of_birth_comes_back_without_dashes_to_be_corrected() -> None:
    kiosk = build_kiosk()
    flow = DriverRecordFlow(DriverRecords(kiosk.transport, kiosk.clock), kiosk.clock)
    state = FormState(flow).with_answers({"licence_number": OWNER})
    assert state.field.name == "date_of_birth"
    state = type_into(state, "19840309").proceed()
    assert state.answer("date_of_birth") == "1984-03-09"
    again = state.at("date_of_birth")
    assert again.typed == "19840309"
    assert shown(again.typed, Keyboard.DATE) == "1984-03-09"


def test_an_impossible_date_of_birth_is_refused_on_the_spot() -> None:
    kiosk = build_kiosk()
    flow = DriverRecordFlow(DriverRecords(kiosk.transport, kiosk.clock), kiosk.clock)
    state = type_into(FormState(flow).with_answers({"licence_number": OWNER}), "19840230")
    with pytest.raises(ValidationError) as caught:
        state.proceed()
    assert caught.value.code == "date_of_birth_invalid"


def test_answers_given_at_once_land_on_the_first_question_left() -> None:
    state = FormState(registration_flow()).with_answers(
        {"lookup_by": "notice", "renewal_notice": "RN0000001234"}
    )
    assert state.field.name == "licence_number"
    assert state.typed == ""
    done = FormState(registration_flow()).with_answers(
        {"lookup_by": "plate", "plate": "CBKR274", "licence_number": OWNER}
    )
    assert done.is_last


# --- registration renewal -----------------------------------------------------------------


def test_a_registration_review_offers_each_term_at_its_price() -> None:
    review = registration_flow().review(
        {"lookup_by": "plate", "plate": "CBKR 274", "licence_number": LICENCE_TYPED}
    )
    assert [line.value for line in review.lines] == ["CBKR274", "2019 Toyota Corolla", "2027-03-09"]
    assert review.lines[2].shown is Shown.DATE
    assert [(o.value, o.label) for o in review.options] == [
        ("1", "review.registration.term_one"),
        ("2", "review.registration.term"),
    ]
    for option in review.options:
        fee = REGISTRATION_FEES[int(option.value)]
        quote = review.quote_for(option.value)
        assert quote is option.quote
        assert (quote.ministry_amount_cents, quote.kiosk_fee_cents) == (fee, 100)
        assert quote.total_cents == fee + 100
    assert review.paid


def test_a_registration_found_by_its_renewal_notice_is_the_noticed_vehicle() -> None:
    review = registration_flow().review(
        {"lookup_by": "notice", "renewal_notice": "rn 000000-1234", "licence_number": OWNER}
    )
    assert review.lines[0].value == "CKLM555"


def test_someone_elses_vehicle_sends_the_citizen_back_to_the_licence() -> None:
    flow = registration_flow()
    answers = {"lookup_by": "plate", "plate": "CBKR274", "licence_number": OWES_FINES}
    with pytest.raises(BackendError) as caught:
        flow.review(answers)
    assert caught.value.code == "vehicle_not_owned"
    assert flow.field_for("vehicle_not_owned", answers) == "licence_number"


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"lookup_by": "plate", "plate": "ZZZ999"}, "plate"),
        ({"lookup_by": "notice", "renewal_notice": "RN0000009999"}, "renewal_notice"),
    ],
)
def test_a_vehicle_not_found_sends_the_citizen_back_to_what_they_typed_to_find_it(
    answers: dict[str, str], field: str
) -> None:
    flow = registration_flow()
    given = {**answers, "licence_number": OWNER}
    with pytest.raises(BackendError) as caught:
        flow.review(given)
    assert caught.value.code == "vehicle_not_found"
    assert flow.field_for("vehicle_not_found", given) == field


def test_a_refusal_the_citizen_cannot_correct_keeps_them_where_they_are() -> None:
    flow = registration_flow()
    answers = {"lookup_by": "plate", "plate": "BXPT911", "licence_number": OWES_FINES}
    with pytest.raises(BackendError) as caught:
        flow.review(answers)
    assert caught.value.code == "unpaid_fines"
    assert flow.field_for("unpaid_fines", answers) is None


@pytest.mark.parametrize("scanned", ["RN0000001234", "rn 000000-1234", "RN0000001234\r\n"])
def test_a_scanned_renewal_notice_fills_in_how_to_find_the_vehicle(scanned: str) -> None:
    assert registration_flow().scan(scanned) == {
        "lookup_by": "notice",
        "renewal_notice": "RN0000001234",
    }


@pytest.mark.parametrize("scanned", ["100042158731", "21-000560981-8", "CBKR274", ""])
def test_a_scanned_fine_notice_is_not_taken_for_a_renewal_notice(scanned: str) -> None:
    assert registration_flow().scan(scanned) is None


# --- the other paid services --------------------------------------------------------------


def test_a_plate_text_someone_holds_is_refused_at_the_review() -> None:
    flow = PlateFlow(PersonalizedPlates(build_kiosk().transport))
    answers = {"plate_text": "hockey", "licence_number": LICENCE_TYPED}
    with pytest.raises(ValidationError) as caught:
        flow.review(answers)
    assert caught.value.code == "plate_taken"
    assert flow.field_for("plate_taken", answers) == "plate_text"


def test_a_free_plate_text_is_reviewed_as_the_ministry_issues_it_with_its_price() -> None:
    flow = PlateFlow(PersonalizedPlates(build_kiosk().transport))
    review = flow.review({"plate_text": "loutre 1", "licence_number": LICENCE_TYPED})
    # the ministry's contract: capitals, spaces dropped (ministry_sandbox/README.md)
    assert [line.value for line in review.lines] == ["LOUTRE1", OWNER]
    assert review.quote is not None
    assert review.quote.kiosk_fee_cents == 100


def test_a_plate_text_against_the_rules_is_refused_while_typing() -> None:
    flow = PlateFlow(PersonalizedPlates(build_kiosk().transport))
    for text, code in [("x", "plate_text_length"), ("12 34", "plate_text_no_letter")]:
        state = type_into(FormState(flow), text)
        with pytest.raises(ValidationError) as caught:
            state.proceed()
        assert code_of(caught.value) == code
        assert flow.field_for(code, {}) == "plate_text"


def test_the_outdoors_card_review_shows_its_last_four_digits_only() -> None:
    flow = OutdoorCardFlow(OutdoorCardRenewals(build_kiosk().natural_resources))
    review = flow.review({"outdoor_card": OUTDOOR_CARD_NUMBER})
    values = shown_values(review)
    assert values[0].endswith("6789")
    assert not any(OUTDOOR_CARD_NUMBER in value for value in values)
    assert not any("708158" in value for value in values)
    assert review.quote is not None
    assert review.quote.total_cents == OUTDOOR_CARD_FEE + 100


def test_an_outdoors_card_that_cannot_be_renewed_here_is_said_so() -> None:
    flow = OutdoorCardFlow(OutdoorCardRenewals(build_kiosk().natural_resources))
    with pytest.raises(ValidationError) as caught:
        flow.review({"outdoor_card": "708158000000017"})
    assert caught.value.code == "card_not_renewable"
    with pytest.raises(BackendError) as missing:
        flow.review({"outdoor_card": "708158999999999"})
    assert flow.field_for(missing.value.code, {}) == "outdoor_card"


def test_a_drivers_record_review_shows_the_licence_and_birth_date_and_price() -> None:
    kiosk = build_kiosk()
    flow = DriverRecordFlow(DriverRecords(kiosk.transport, kiosk.clock), kiosk.clock)
    review = flow.review({"licence_number": LICENCE_TYPED, "date_of_birth": "1984-03-09"})
    assert [line.value for line in review.lines] == [OWNER, "1984-03-09"]
    assert review.quote is not None
    assert review.quote.kiosk_fee_cents == 100
    with pytest.raises(BackendError) as caught:
        flow.review({"licence_number": OWNER, "date_of_birth": "1984-09-03"})
    assert flow.field_for(caught.value.code, {}) == "date_of_birth"


# --- change of address --------------------------------------------------------------------

PROGRAMME_ANSWERS = {
    "programmes": f"{HEALTH_CARD},{DRIVERS_LICENCE},{OUTDOOR_CARD}",
    "health_card": HEALTH_CARD_NUMBER,
    "licence_number": LICENCE_TYPED.upper(),
    "outdoor_card": OUTDOOR_CARD_NUMBER,
}


def test_the_address_change_review_lists_the_address_and_where_it_goes() -> None:
    review = address_flow().review({**PROGRAMME_ANSWERS, **ADDRESS_ANSWERS})
    assert [(line.label, line.value) for line in review.lines] == [
        ("review.address_change.address", f"1234 {STREET}, app. 12"),
        ("review.address_change.city", f"{CITY} QC  H2X 3K8"),
        (PROGRAMME_TEXTS[HEALTH_CARD], HEALTH_CARD_NUMBER),
        (PROGRAMME_TEXTS[DRIVERS_LICENCE], LICENCE_TYPED.upper()),
        (PROGRAMME_TEXTS[OUTDOOR_CARD], OUTDOOR_CARD_NUMBER),
    ]
    assert not review.paid
    assert review.quote_for(None) is None


def test_an_address_without_a_unit_has_one_street_line() -> None:
    review = address_flow().review(
        {**PROGRAMME_ANSWERS, **ADDRESS_ANSWERS, "unit": "", "postal_code": "h2x3k8"}
    )
    assert review.lines[0].value == f"1234 {STREET}"
    assert review.lines[1].value == f"{CITY} QC  H2X 3K8"


def test_the_address_change_sends_one_transaction_per_programme() -> None:
    kiosk = build_kiosk()
    flow = address_flow(kiosk)
    result = flow.submit({**PROGRAMME_ANSWERS, **ADDRESS_ANSWERS}, "fr")
    address = Address("1234", STREET, "app. 12", CITY, "QC", "H2X 3K8")
    assert [(o.programme, o.status) for o in result.outcomes] == [
        (HEALTH_CARD, Status.DONE),
        (DRIVERS_LICENCE, Status.DONE),
        (OUTDOOR_CARD, Status.DONE),
    ]
    records = list(kiosk.journal.records.values())
    assert len(records) == 3
    assert {r.service for r in records} == {"address-change"}
    assert {r.total_cents for r in records} == {0}
    assert kiosk.health.addresses == {HEALTH_CARD_NUMBER: address}
    assert kiosk.transport.licences[OWNER].address == address
    assert kiosk.natural_resources.store.addresses == {OUTDOOR_CARD_NUMBER: address}
    assert result.receipt_printed
    assert kiosk.printer.receipts == [result.receipt]
    assert kiosk.terminal.authorize_requests == []  # free: no card asked for


def test_a_programme_refusing_the_change_leaves_the_others_done() -> None:
    kiosk = build_kiosk()
    answers = {**PROGRAMME_ANSWERS, **ADDRESS_ANSWERS, "health_card": EXPIRED_HEALTH_CARD}
    result = address_flow(kiosk).submit(answers, "en")
    outcomes = {o.programme: o for o in result.outcomes}
    assert outcomes[HEALTH_CARD].status is Status.REJECTED
    assert outcomes[HEALTH_CARD].failure_code == "card_expired"
    assert outcomes[DRIVERS_LICENCE].status is Status.DONE
    assert outcomes[OUTDOOR_CARD].status is Status.DONE
    states = sorted(r.state.value for r in kiosk.journal.records.values())
    assert states == sorted([SagaState.DONE.value, SagaState.DONE.value, "rejected"])
    assert kiosk.health.addresses == {}
    assert kiosk.transport.licences[OWNER].address is not None


def test_an_unticked_programme_is_not_sent_its_old_number() -> None:
    kiosk = build_kiosk()
    answers = {**PROGRAMME_ANSWERS, **ADDRESS_ANSWERS, "programmes": DRIVERS_LICENCE}
    review = address_flow(kiosk).review(answers)
    assert [line.label for line in review.lines[2:]] == [PROGRAMME_TEXTS[DRIVERS_LICENCE]]
    result = address_flow(kiosk).submit(answers, "en")
    assert [o.programme for o in result.outcomes] == [DRIVERS_LICENCE]
    assert kiosk.health.writes == []
    assert kiosk.natural_resources.writes == []


def driver_record_flow() -> DriverRecordFlow:
    kiosk = build_kiosk()
    return DriverRecordFlow(DriverRecords(kiosk.transport, kiosk.clock), kiosk.clock)


@pytest.mark.parametrize(
    "make_flow",
    [
        pytest.param(registration_flow, id="registration"),
        pytest.param(address_flow, id="address-change"),
        pytest.param(driver_record_flow, id="driver-record"),
        pytest.param(lambda: PlateFlow(PersonalizedPlates(build_kiosk().transport)), id="plate"),
        pytest.param(
            lambda: OutdoorCardFlow(OutdoorCardRenewals(build_kiosk().natural_resources)),
            id="outdoor-card",
        ),
    ],
)
def test_every_question_a_refusal_points_to_is_on_the_form(
    make_flow: Callable[[], ServiceFlow],
) -> None:
    flow = make_flow()
    every = {
        "lookup_by": "notice",
        "programmes": f"{HEALTH_CARD},{DRIVERS_LICENCE},{OUTDOOR_CARD}",
        "postal_code": "X0A 0H0",  # the territories: the province is asked
    }
    names = {f.name for f in flow.fields(every)} | {f.name for f in flow.fields({})}
    assert set(flow.error_fields.values()) <= names
