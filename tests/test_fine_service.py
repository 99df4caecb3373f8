"""Looking notices up and quoting them, as the fines screens do."""

from __future__ import annotations

import pytest
from fakes import SEEDED_NOTICES, FakeMinistry, make_notice, valid_notice_number

from transactions.errors import BackendError, ValidationError
from transactions.fees import KIOSK_FEE_CENTS
from transactions.fines.notices import Notice
from transactions.fines.service import MAX_NOTICES, FinePayments


@pytest.fixture
def ministry() -> FakeMinistry:
    return FakeMinistry()


@pytest.fixture
def fines(ministry: FakeMinistry) -> FinePayments:
    return FinePayments(ministry)


def test_an_unpaid_notice_typed_with_spaces_is_found(
    fines: FinePayments, ministry: FakeMinistry
) -> None:
    notice = fines.look_up(" 21 000560981 8 ")

    assert notice.notice_number == "210005609818"
    assert notice.amount_due_cents == 3000
    assert notice.jurisdiction == "toronto"
    assert ministry.lookups == ["210005609818"], "the ministry is asked with the bare number"


def test_an_already_paid_notice_is_refused(fines: FinePayments) -> None:
    with pytest.raises(ValidationError) as caught:
        fines.look_up("10-004215874-9")
    assert caught.value.code == "notice_already_paid"


def test_the_same_notice_twice_is_refused_however_it_was_typed(fines: FinePayments) -> None:
    first = fines.look_up("100042158731")

    with pytest.raises(ValidationError) as caught:
        fines.look_up("10 004215873 1", (first,))
    assert caught.value.code == "notice_already_added"


def test_more_notices_than_one_payment_covers_are_refused_before_asking_the_ministry() -> None:
    extra = make_notice(valid_notice_number("22", 33182514), 2500)
    ministry = FakeMinistry([*SEEDED_NOTICES, extra])
    fines = FinePayments(ministry)
    chosen = tuple(n for n in SEEDED_NOTICES if not n.paid)[:MAX_NOTICES]
    assert len(chosen) == MAX_NOTICES

    with pytest.raises(ValidationError) as caught:
        fines.look_up(extra.notice_number, chosen)
    assert caught.value.code == "too_many_notices"
    assert ministry.lookups == []


def test_a_mistyped_number_is_refused_before_asking_the_ministry(
    fines: FinePayments, ministry: FakeMinistry
) -> None:
    with pytest.raises(ValidationError) as caught:
        fines.look_up("10 004215873 2")
    assert caught.value.code == "notice_number_check_digit"
    assert ministry.lookups == []


def test_an_unknown_notice_is_a_permanent_not_found(fines: FinePayments) -> None:
    with pytest.raises(BackendError) as caught:
        fines.look_up(valid_notice_number("10", 123456789))
    assert caught.value.code == "notice_not_found"
    assert caught.value.permanent


def test_the_quote_keeps_the_ministry_amount_and_the_kiosk_fee_apart(fines: FinePayments) -> None:
    quote = fines.quote((fines.look_up("100077310025"),))

    assert quote.ministry_amount_cents == 49500
    assert quote.kiosk_fee_cents == KIOSK_FEE_CENTS == 100
    assert quote.total_cents == 49600


def test_several_notices_carry_one_kiosk_fee(fines: FinePayments) -> None:
    chosen: tuple[Notice, ...] = ()
    for typed in ("100042158731", "21-000560981-8", "220033182472", "22 003318250 6"):
        chosen += (fines.look_up(typed, chosen),)

    quote = fines.quote(chosen)

    assert quote.ministry_amount_cents == 12500 + 3000 + 4500 + 10000
    assert quote.kiosk_fee_cents == 100
    assert quote.total_cents == 30100
    assert [(item.item_id, item.amount_cents) for item in quote.items()] == [
        ("100042158731", 12500),
        ("210005609818", 3000),
        ("220033182472", 4500),
        ("220033182506", 10000),
    ]


def test_a_quote_of_nothing_is_refused(fines: FinePayments) -> None:
    with pytest.raises(ValidationError):
        fines.quote(())
