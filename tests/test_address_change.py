"""Change of address with fakes at the ports: one address, one transaction per programme.

A refusal by one ministry never undoes the others, a ministry out of reach gets the change
later exactly once, and no card is ever asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakes import (
    KIOSK_ID,
    FakeJournal,
    FakeKiosk,
    FakeTexts,
    SimulatedPowerCut,
    build_kiosk,
    kiosk_with_journal,
)

from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal
from transactions.address_change import (
    DRIVERS_LICENCE,
    HEALTH_CARD,
    OUTDOOR_CARD,
    SERVICE,
    AddressChangeResult,
    ProgrammeChoice,
    Status,
    choose_programme,
    submit_address_change,
)
from transactions.addresses import Address, normalize_address
from transactions.errors import ValidationError
from transactions.records import LineItem
from transactions.saga.states import SagaState

Kiosk = FakeKiosk[FakeJournal]

LICENCE = "C60234567890123"
HEALTH = "1234567890AB"
EXPIRED_HEALTH = "9876543210ZZ"
OUTDOOR = "708158123456789"


@pytest.fixture
def kiosk() -> Kiosk:
    return build_kiosk()


def new_address() -> Address:
    return normalize_address(
        street_number="12 1/2",
        street_name=" rue  Sainte-Catherine Ouest",
        unit="unité 12",
        city="Trois-Rivières",
        province="qc",
        postal_code="g9a5h7",
    )


def ticked(health: str = "1234-567-890-ab") -> list[ProgrammeChoice]:
    """Return the three programmes as the citizen typed their numbers."""
    return [
        choose_programme(HEALTH_CARD, health),
        choose_programme(DRIVERS_LICENCE, "c6023-45678-90123"),
        choose_programme(OUTDOOR_CARD, "708158 123 456 789"),
    ]


def submit(
    kiosk: FakeKiosk[Any], choices: list[ProgrammeChoice] | None = None, language: str = "en"
) -> AddressChangeResult:
    return submit_address_change(
        kiosk.runner(),
        new_address(),
        ticked() if choices is None else choices,
        language=language,
        texts=FakeTexts(),
        clock=kiosk.clock,
    )


def outside_calls(kiosk: FakeKiosk[Any]) -> list[str]:
    return [what for what, _ in kiosk.timeline if not what.startswith("journal.")]


# --- choosing programmes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("programme", "typed", "identifier"),
    [
        (HEALTH_CARD, "1234-567-890-ab", HEALTH),
        (DRIVERS_LICENCE, "c6023 45678 90123", LICENCE),
        (OUTDOOR_CARD, "708158-123-456-789", OUTDOOR),
    ],
)
def test_each_programme_takes_its_own_identifier_typed_loosely(
    programme: str, typed: str, identifier: str
) -> None:
    assert choose_programme(programme, typed) == ProgrammeChoice(programme, identifier)


@pytest.mark.parametrize(
    ("programme", "typed", "code"),
    [
        (HEALTH_CARD, "1234-567-890", "health_card_format"),
        (DRIVERS_LICENCE, "1234567890AB", "licence_number_format"),
        (OUTDOOR_CARD, "1234-567-890-AB", "outdoor_card_format"),
        ("fishing-licence", "708158123456789", "programme_unknown"),
    ],
)
def test_a_wrong_identifier_or_programme_is_refused_on_the_spot(
    programme: str, typed: str, code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        choose_programme(programme, typed)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("choices", "code"),
    [
        ([], "programme_missing"),
        (
            [ProgrammeChoice(HEALTH_CARD, HEALTH), ProgrammeChoice(HEALTH_CARD, EXPIRED_HEALTH)],
            "programme_repeated",
        ),
    ],
)
def test_nothing_ticked_or_ticked_twice_is_refused_before_anything_is_sent(
    kiosk: Kiosk, choices: list[ProgrammeChoice], code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        submit(kiosk, choices)

    assert caught.value.code == code
    assert kiosk.journal.records == {}
    assert outside_calls(kiosk) == []


# --- every programme answers -----------------------------------------------------------


def test_the_address_reaches_each_ministry_once_as_its_own_free_transaction(kiosk: Kiosk) -> None:
    result = submit(kiosk)

    assert [o.status for o in result.outcomes] == [Status.DONE] * 3
    assert [o.programme for o in result.outcomes] == [HEALTH_CARD, DRIVERS_LICENCE, OUTDOOR_CARD]
    assert kiosk.health.addresses == {HEALTH: new_address()}
    assert kiosk.transport.licences[LICENCE].address == new_address()
    assert kiosk.natural_resources.store.addresses == {OUTDOOR: new_address()}
    records = list(kiosk.journal.records.values())
    assert len(records) == 3
    for record, programme in zip(
        records, [HEALTH_CARD, DRIVERS_LICENCE, OUTDOOR_CARD], strict=True
    ):
        assert record.service == SERVICE
        assert record.items == (LineItem(programme, 0),)
        assert (record.kiosk_fee_cents, record.total_cents) == (0, 0)
        assert record.state is SagaState.DONE
    assert len({record.reference for record in records}) == 3
    assert kiosk.journal.unfinished() == []


def test_each_ministry_gets_the_normalized_address_with_its_accents_and_unit(
    kiosk: Kiosk,
) -> None:
    submit(kiosk)

    [write] = kiosk.health.writes
    card_number, address, kiosk_id = write.body
    assert (card_number, kiosk_id) == (HEALTH, KIOSK_ID)
    assert address.fields() == {
        "street_number": "12 1/2",
        "street_name": "rue Sainte-Catherine Ouest",
        "unit": "unité 12",
        "city": "Trois-Rivières",
        "province": "QC",
        "postal_code": "G9A 5H7",
    }


def test_a_change_of_address_never_touches_the_payment_terminal(kiosk: Kiosk) -> None:
    kiosk.health.refuse("card_expired")
    kiosk.natural_resources.fail_transiently(3)

    submit(kiosk)
    kiosk.runner().resume_unfinished()

    assert not [what for what in outside_calls(kiosk) if what.startswith("terminal.")]
    assert kiosk.terminal.authorize_requests == []
    assert kiosk.terminal.capture_calls == []
    assert kiosk.terminal.reverse_calls == []
    steps = {step.step for step in kiosk.journal.steps}
    assert not steps & {"authorize", "capture", "reverse", "print"}


def test_each_posting_is_journaled_as_an_intent_before_its_ministry_is_called(
    kiosk: Kiosk,
) -> None:
    submit(kiosk)

    for index, (what, key) in enumerate(kiosk.timeline):
        if what.endswith(".change_address"):
            assert key.endswith(":post")
            assert kiosk.timeline[index - 1] == ("journal.intent", key)
            assert kiosk.timeline[index + 1] == ("journal.outcome", key)


def test_once_posted_the_journal_keeps_neither_the_address_nor_the_card_numbers(
    kiosk: Kiosk,
) -> None:
    submit(kiosk)

    for record in kiosk.journal.records.values():
        assert record.posting_data == ()
        stored = repr(record)
        assert "Sainte-Catherine" not in stored
        for identifier in (HEALTH, LICENCE, OUTDOOR):
            assert identifier not in stored


# --- one says no, one is away ----------------------------------------------------------


def test_a_health_card_refused_does_not_stop_the_licence_and_the_outdoors_card(
    kiosk: Kiosk,
) -> None:
    result = submit(kiosk, ticked(health="9876-543-210-zz"))

    health, licence, outdoor = result.outcomes
    assert (health.status, health.failure_code) == (Status.REJECTED, "card_expired")
    assert health.confirmation is None
    assert (licence.status, outdoor.status) == (Status.DONE, Status.DONE)
    assert licence.confirmation
    assert outdoor.confirmation
    assert kiosk.health.addresses == {}
    assert kiosk.transport.licences[LICENCE].address == new_address()
    assert kiosk.natural_resources.store.addresses == {OUTDOOR: new_address()}
    assert [r.state for r in kiosk.journal.records.values()] == [
        SagaState.REJECTED,
        SagaState.DONE,
        SagaState.DONE,
    ]
    assert kiosk.journal.unfinished() == [], "a rejected change is finished: never retried"
    lines = result.receipt.plain_text().splitlines()
    assert "Not changed: this card has expired. Please visit a service centre." in lines
    assert lines.count("Address changed.") == 2


def test_a_refusal_is_not_retried(kiosk: Kiosk) -> None:
    kiosk.health.refuse("card_not_found")

    result = submit(kiosk)

    assert result.outcomes[0].status is Status.REJECTED
    assert kiosk.clock.sleeps == []
    assert len(kiosk.health.write_calls) == 1


def test_a_ministry_out_of_reach_gets_the_change_later_exactly_once(kiosk: Kiosk) -> None:
    kiosk.natural_resources.fail_transiently(3)  # the first try and both retries

    result = submit(kiosk)

    health, licence, outdoor = result.outcomes
    assert (health.status, licence.status, outdoor.status) == (
        Status.DONE,
        Status.DONE,
        Status.QUEUED,
    )
    assert "Will be sent to the ministry shortly." in result.receipt.plain_text()
    assert kiosk.natural_resources.store.addresses == {}
    [waiting] = kiosk.journal.unfinished()
    assert waiting.state is SagaState.SUBMIT_QUEUED
    assert waiting.posting_value("identifier") == OUTDOOR, "kept until it is delivered"

    [delivered] = kiosk.runner().resume_unfinished()
    again = kiosk.runner().resume_unfinished()

    assert delivered.state is SagaState.DONE
    assert delivered.reference == outdoor.reference
    assert delivered.confirmation
    assert again == []
    assert kiosk.natural_resources.store.addresses == {OUTDOOR: new_address()}
    assert len(kiosk.natural_resources.writes) == 1
    assert len(kiosk.health.writes) == 1
    assert len(kiosk.transport.writes) == 1


def test_a_ministry_away_for_a_long_time_keeps_the_change_queued(kiosk: Kiosk) -> None:
    kiosk.health.fail_transiently(None)

    submit(kiosk)
    [still] = kiosk.runner().resume_unfinished()
    kiosk.health.back_to_normal()
    [delivered] = kiosk.runner().resume_unfinished()

    assert still.state is SagaState.SUBMIT_QUEUED
    assert delivered.state is SagaState.DONE
    assert len(kiosk.health.writes) == 1
    keys = set(kiosk.health.write_calls)
    assert keys == {f"{delivered.transaction_id}:post"}, "every attempt carries the same key"


def test_a_queued_change_refused_when_finally_delivered_is_rejected(kiosk: Kiosk) -> None:
    kiosk.health.fail_transiently(3)
    submit(kiosk)
    kiosk.health.back_to_normal()
    kiosk.health.refuse("card_expired")

    [resumed] = kiosk.runner().resume_unfinished()

    assert resumed.state is SagaState.REJECTED
    assert resumed.failure_code == "card_expired"
    assert resumed.posting_data == ()


@pytest.mark.parametrize("after_recording", [False, True], ids=["before", "after"])
def test_a_kiosk_stopped_mid_posting_delivers_the_change_once_after_restart(
    kiosk: Kiosk, after_recording: bool
) -> None:
    kiosk.transport.will_stop_the_kiosk_during_the_next_write(after_recording=after_recording)
    with pytest.raises(SimulatedPowerCut):
        submit(kiosk, [choose_programme(DRIVERS_LICENCE, LICENCE)])
    [stranded] = kiosk.journal.unfinished()
    assert stranded.state is SagaState.SUBMITTING

    [resumed] = kiosk.runner().resume_unfinished()

    assert resumed.state is SagaState.DONE
    assert len(kiosk.transport.writes) == 1
    assert kiosk.transport.licences[LICENCE].address == new_address()


def test_a_queued_change_survives_a_restart_in_the_sqlite_journal(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.sqlite3"
    database = KioskDatabase(path)
    kiosk = kiosk_with_journal(SqliteJournal(database))
    kiosk.health.fail_transiently(3)
    submit(kiosk, ticked(), language="fr")
    database.close()

    reopened = KioskDatabase(path)
    restarted = kiosk.restarted_on(SqliteJournal(reopened))
    [waiting] = restarted.journal.unfinished()
    [delivered] = restarted.runner().resume_unfinished()

    assert waiting.state is SagaState.SUBMIT_QUEUED
    assert waiting.language == "fr"
    assert delivered.state is SagaState.DONE
    assert kiosk.health.addresses == {HEALTH: new_address()}, "accents survive the file"
    assert restarted.journal.get(delivered.transaction_id) == delivered
    assert delivered.posting_data == ()
    reopened.close()


# --- the one receipt -------------------------------------------------------------------


def test_one_receipt_lists_the_address_and_each_programmes_outcome_and_reference(
    kiosk: Kiosk,
) -> None:
    kiosk.natural_resources.fail_transiently(3)

    result = submit(kiosk, ticked(health="9876543210ZZ"))

    assert kiosk.printer.receipts == [result.receipt]
    assert result.receipt_printed
    health, licence, outdoor = result.outcomes
    assert result.receipt.plain_text().splitlines() == [
        "Government Services Kiosk",
        "Change of address",
        "Date: 2026-11-22 14:03",
        "-" * 32,
        "New address:",
        "12 1/2 rue Sainte-Catherine Ouest, unité 12",
        "Trois-Rivières QC  G9A 5H7",
        "-" * 32,
        "Health card",
        f"Reference: {health.reference}",
        "Not changed: this card has expired. Please visit a service centre.",
        "-" * 32,
        "Driver's licence",
        f"Reference: {licence.reference}",
        "Address changed.",
        f"Confirmation: {licence.confirmation}",
        "-" * 32,
        "Outdoors Card",
        f"Reference: {outdoor.reference}",
        "Will be sent to the ministry shortly.",
        "-" * 32,
        "Total: $0.00",
        f"[QR {health.reference} {licence.reference} {outdoor.reference}]",
        "Keep this receipt.",
    ]


def test_the_receipt_is_in_the_citizens_language(kiosk: Kiosk) -> None:
    result = submit(kiosk, language="fr")

    assert result.receipt.language == "fr"
    assert {r.language for r in kiosk.journal.records.values()} == {"fr"}


def test_a_printer_out_of_paper_changes_nothing_but_the_receipt(kiosk: Kiosk) -> None:
    kiosk.printer.paper_out = True

    result = submit(kiosk)

    assert not result.receipt_printed
    assert [o.status for o in result.outcomes] == [Status.DONE] * 3
    assert "Address changed." in result.receipt.plain_text(), "the screen can still show it"


def test_the_saga_refuses_to_submit_a_paid_transaction_without_payment(kiosk: Kiosk) -> None:
    record = kiosk.open_fine("10 004215873 1")

    with pytest.raises(ValueError, match="free"):
        kiosk.runner().submit(record)

    assert kiosk.ministry.pay_calls == []


def test_one_programmes_own_receipt_can_be_built_from_its_transaction(kiosk: Kiosk) -> None:
    kiosk.health.fail_transiently(3)
    submit(kiosk, [choose_programme(HEALTH_CARD, HEALTH)])
    [waiting] = kiosk.journal.unfinished()

    receipt = kiosk.steps()[SERVICE].receipt(waiting, kiosk.clock.now().isoformat())

    lines = receipt.plain_text().splitlines()
    assert "12 1/2 rue Sainte-Catherine Ouest, unité 12" in lines, "still in the record: queued"
    assert "Health card" in lines
    assert "Will be sent to the ministry shortly." in lines
    assert receipt.reference == waiting.reference


def test_a_record_for_a_programme_nobody_knows_is_refused_for_good(kiosk: Kiosk) -> None:
    record = kiosk.runner().open(
        SERVICE,
        "en",
        (LineItem("fishing-licence", 0),),
        0,
        posting_data=(("identifier", "X"),),
    )

    result = kiosk.runner().submit(record)

    assert result.record.state is SagaState.REJECTED
    assert result.record.failure_code == "programme_unknown"
