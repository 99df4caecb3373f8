"""Renewing an Outdoors Card with fakes at the ports: look-up, saga paths, receipt."""

from __future__ import annotations

import re

import pytest
from fakes import FakeJournal, FakeKiosk, build_kiosk

from transactions.errors import BackendError, ValidationError
from transactions.natural_resources.outdoor_card import SERVICE, OutdoorCardRenewals
from transactions.records import LineItem, TransactionRecord
from transactions.saga.states import SagaState

Kiosk = FakeKiosk[FakeJournal]
CARD = "708158123456789"


@pytest.fixture
def kiosk() -> Kiosk:
    return build_kiosk()


def renewals(kiosk: Kiosk) -> OutdoorCardRenewals:
    return OutdoorCardRenewals(kiosk.natural_resources)


def open_renewal(kiosk: Kiosk, typed: str = "708158 123 456 789") -> TransactionRecord:
    service = renewals(kiosk)
    return kiosk.open_quote(SERVICE, service.quote(service.look_up(typed)))


def test_a_card_typed_in_groups_is_found_with_its_renewal_fee(kiosk: Kiosk) -> None:
    card = renewals(kiosk).look_up("708158-123-456-789")

    assert card.card_number == CARD
    assert (card.expiry, card.renewal_years, card.renewal_fee_cents) == ("2026-12-31", 3, 968)
    assert kiosk.natural_resources.lookups == [CARD]


def test_a_card_expired_too_long_ago_is_sent_to_a_counter_before_paying(kiosk: Kiosk) -> None:
    with pytest.raises(ValidationError) as caught:
        renewals(kiosk).look_up("708158 000 000 017")

    assert caught.value.code == "card_not_renewable"
    assert kiosk.journal.records == {}


def test_an_unknown_card_is_a_permanent_refusal(kiosk: Kiosk) -> None:
    with pytest.raises(BackendError) as caught:
        renewals(kiosk).look_up("708158 999 999 999")

    assert (caught.value.code, caught.value.permanent) == ("card_not_found", True)


def test_a_malformed_card_number_is_caught_without_asking_the_ministry(kiosk: Kiosk) -> None:
    with pytest.raises(ValidationError) as caught:
        renewals(kiosk).look_up("123456 123 456 789")

    assert caught.value.code == "outdoor_card_format"
    assert kiosk.natural_resources.lookups == []


def test_the_quote_keeps_the_fees_apart_and_the_card_number_out_of_the_items(
    kiosk: Kiosk,
) -> None:
    quote = renewals(kiosk).quote(renewals(kiosk).look_up(CARD))

    assert (quote.ministry_amount_cents, quote.kiosk_fee_cents, quote.total_cents) == (
        968,
        100,
        1068,
    )
    assert quote.items() == (LineItem("outdoor-card", 968),)
    assert dict(quote.posting_data()) == {"card_number": CARD}
    assert dict(quote.receipt_data()) == {"card_last4": "6789", "years": "3"}


def test_a_paid_renewal_extends_the_card_by_three_years(kiosk: Kiosk) -> None:
    record = open_renewal(kiosk)

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.DONE
    [write] = kiosk.natural_resources.writes_of("renew")
    assert (write.body.card_number, write.body.fee_cents) == (CARD, 968)
    assert write.body.authorization_id == result.record.authorization_id
    assert write.key == f"{record.transaction_id}:post"
    assert kiosk.natural_resources.store.cards[CARD].expiry == "2029-12-31"
    assert kiosk.terminal.charged_cents == 1068
    stored = kiosk.journal.records[record.transaction_id]
    assert (stored.posting_data, stored.receipt_data) == ((), ())


def test_the_receipt_shows_the_last_four_the_term_and_the_new_expiry(kiosk: Kiosk) -> None:
    result = kiosk.runner().pay(open_renewal(kiosk))

    text = kiosk.printer.receipts[0].plain_text()
    lines = text.splitlines()
    assert "Outdoors Card renewal" in lines
    assert "Outdoors Card: **** 6789" in lines
    assert "Term: 3 years" in lines
    assert "Ministry fee: $9.68" in lines
    assert "Kiosk fee: $1.00" in lines
    assert "Total: $10.68" in lines
    assert f"Confirmation: {result.record.confirmation}" in lines
    assert "New expiry: December 31, 2029" in lines
    assert not re.search(r"\d{13,19}", text), "nothing that looks like a card number"


def test_a_renewal_refused_at_posting_gives_the_money_back(kiosk: Kiosk) -> None:
    record = open_renewal(kiosk)
    kiosk.natural_resources.refuse("card_not_renewable")

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.REVERSED
    assert result.record.failure_code == "card_not_renewable"
    assert kiosk.terminal.charged_cents == 0
    assert kiosk.natural_resources.store.cards[CARD].expiry == "2026-12-31"
    stored = kiosk.journal.records[record.transaction_id]
    assert stored.posting_data == (), "refused for good: the card number is not kept"


def test_a_ministry_out_of_reach_queues_the_renewal_until_resume_renews_once(
    kiosk: Kiosk,
) -> None:
    kiosk.natural_resources.fail_transiently(3)
    record = open_renewal(kiosk)

    result = kiosk.runner().pay(record)
    [resumed] = kiosk.runner().resume_unfinished()

    assert result.record.state is SagaState.POST_QUEUED
    assert "PENDING" in kiosk.printer.receipts[0].plain_text()
    assert resumed.state is SagaState.DONE
    assert len(kiosk.natural_resources.writes_of("renew")) == 1
    assert kiosk.natural_resources.store.cards[CARD].expiry == "2029-12-31"
    assert kiosk.terminal.charged_cents == 1068
