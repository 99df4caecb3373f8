"""The satisfaction survey on a real SQLite file: counted per service, and naming no one."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sample_records import queued_fine

import offline_store.database
import offline_store.journal
from offline_store.database import MIGRATIONS, KioskDatabase
from offline_store.journal import SqliteJournal
from offline_store.survey import TABLE, SqliteSurveyLog
from transactions.errors import ValidationError
from transactions.ports import SurveyLog
from transactions.services import SERVICES
from transactions.survey import (
    RATINGS,
    STATEMENTS,
    ServiceSurveyCounts,
    month_of,
    survey_answer,
)

ZEROS_RATED = dict.fromkeys(RATINGS, 0)
NONE_AGREED = dict.fromkeys(STATEMENTS, 0)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "kiosk.sqlite3"


@pytest.fixture
def database(path: Path) -> Iterator[KioskDatabase]:
    database = KioskDatabase(path)
    yield database
    database.close()


@pytest.fixture
def survey(database: KioskDatabase) -> SurveyLog:
    return SqliteSurveyLog(database)


# --- the domain value -------------------------------------------------------------------


def test_an_answer_keeps_the_ticked_statements_whatever_their_order() -> None:
    answer = survey_answer("fine", "2026-11", "good", ["easy", "saves_time", "easy"])

    assert answer == survey_answer("fine", "2026-11", "good", ("saves_time", "easy"))
    assert answer.agreed == frozenset({"easy", "saves_time"})


def test_an_answer_may_agree_with_nothing() -> None:
    assert survey_answer("outdoor-card", "2027-01", "poor", ()).agreed == frozenset()


@pytest.mark.parametrize(
    ("service", "month", "rating", "agreed", "code", "message"),
    [
        ("fine", "2026-11", "très bien", (), "survey_rating_unknown", "unknown rating 'très bien'"),
        ("fine", "2026-11", "Good", (), "survey_rating_unknown", "expected one of good, okay"),
        ("fine", "2026-11", "", (), "survey_rating_unknown", "unknown rating ''"),
        (
            "fine",
            "2026-11",
            "okay",
            ("easy", "près_de_chez_moi"),
            "survey_statement_unknown",
            "unknown statement(s) 'près_de_chez_moi'",
        ),
        (
            "fine",
            "2026-11",
            "okay",
            ("saves time",),
            "survey_statement_unknown",
            "expected some of saves_time, would_use_again",
        ),
        (
            "changement-d'adresse",
            "2026-11",
            "good",
            (),
            "survey_service_unknown",
            'unknown service "changement-d\'adresse"',
        ),
        ("Fine", "2026-11", "good", (), "survey_service_unknown", "expected one of registration"),
        ("fine", "2026-13", "good", (), "survey_month_invalid", "not '2026-13'"),
        ("fine", "2026-3", "good", (), "survey_month_invalid", "YYYY-MM"),
        ("fine", "mars 2026", "good", (), "survey_month_invalid", "not 'mars 2026'"),
        # A day or a time of day would say more than the month: refused, not truncated.
        ("fine", "2026-11-22", "good", (), "survey_month_invalid", "YYYY-MM"),
        ("fine", "2026-11 ", "good", (), "survey_month_invalid", "YYYY-MM"),
        ("fine", "٢٠٢٦-١١", "good", (), "survey_month_invalid", "YYYY-MM"),  # Arabic-Indic
        ("fine", "２０２６-１１", "good", (), "survey_month_invalid", "YYYY-MM"),  # full-width
    ],
)
def test_an_unknown_value_is_refused_with_a_message_that_names_it(
    service: str, month: str, rating: str, agreed: tuple[str, ...], code: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)) as refused:
        survey_answer(service, month, rating, agreed)

    assert refused.value.code == code


def test_a_single_statement_passed_as_a_bare_string_is_refused_as_a_whole() -> None:
    with pytest.raises(ValidationError, match="not the string 'easy'"):
        survey_answer("fine", "2026-11", "good", "easy")


def test_the_survey_knows_exactly_the_services_of_the_catalogue() -> None:
    modules = [
        "transactions.transport.registration",
        "transactions.fines.service",
        "transactions.address_change",
        "transactions.transport.driver_record",
        "transactions.transport.personalized_plates",
        "transactions.natural_resources.outdoor_card",
    ]
    assert tuple(importlib.import_module(name).SERVICE for name in modules) == SERVICES


def test_the_month_of_a_moment_keeps_neither_the_day_nor_the_time() -> None:
    assert month_of(datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC)) == "2026-02"
    assert month_of(date(987, 1, 1)) == "0987-01"


def is_calendar_month(text: str) -> bool:
    """Say independently of the parser whether ``text`` is written YYYY-MM."""
    year, month = text[:4], text[5:]
    ascii_digits = (year + month).isascii() and (year + month).isdigit()
    return len(text) == 7 and text[4] == "-" and ascii_digits and 1 <= int(month) <= 12


@given(st.text(max_size=12) | st.from_regex(r"[0-9]{4}-[0-9]{2}", fullmatch=True))
def test_any_text_is_either_a_calendar_month_or_refused_as_one(text: str) -> None:
    if is_calendar_month(text):
        assert survey_answer("fine", text, "good", ()).month == text
    else:
        with pytest.raises(ValidationError, match="YYYY-MM"):
            survey_answer("fine", text, "good", ())


@given(st.dates())
def test_every_date_has_a_month_the_survey_accepts(day: date) -> None:
    assert survey_answer("fine", month_of(day), "okay", ()).month == month_of(day)


# --- the SQLite log ---------------------------------------------------------------------


def test_nothing_is_counted_before_anyone_answered(survey: SurveyLog) -> None:
    assert survey.counts() == []
    assert survey.counts("2026-11") == []


def test_answers_are_counted_per_service_in_catalogue_order(survey: SurveyLog) -> None:
    survey.record(survey_answer("outdoor-card", "2026-11", "good", ["convenient_location"]))
    survey.record(survey_answer("fine", "2026-11", "good", ["saves_time", "easy"]))
    survey.record(survey_answer("fine", "2026-11", "poor", []))
    survey.record(survey_answer("fine", "2026-11", "good", ["easy", "would_use_again"]))

    assert survey.counts() == [
        ServiceSurveyCounts(
            service="fine",
            answers=3,
            ratings={"good": 2, "okay": 0, "poor": 1},
            agreed={"saves_time": 1, "would_use_again": 1, "easy": 2, "convenient_location": 0},
        ),
        ServiceSurveyCounts(
            service="outdoor-card",
            answers=1,
            ratings={"good": 1, "okay": 0, "poor": 0},
            agreed={**NONE_AGREED, "convenient_location": 1},
        ),
    ]


def test_counts_for_one_month_leave_the_other_months_out(survey: SurveyLog) -> None:
    survey.record(survey_answer("address-change", "2026-11", "okay", ["easy"]))
    survey.record(survey_answer("address-change", "2026-12", "poor", []))
    survey.record(survey_answer("driver-record", "2026-12", "good", STATEMENTS))
    survey.record(survey_answer("driver-record", "2027-01", "good", ["saves_time"]))

    november, december = survey.counts("2026-11"), survey.counts("2026-12")

    assert november == [
        ServiceSurveyCounts(
            "address-change", 1, {**ZEROS_RATED, "okay": 1}, {**NONE_AGREED, "easy": 1}
        )
    ]
    assert december == [
        ServiceSurveyCounts("address-change", 1, {**ZEROS_RATED, "poor": 1}, NONE_AGREED),
        ServiceSurveyCounts(
            "driver-record", 1, {**ZEROS_RATED, "good": 1}, dict.fromkeys(STATEMENTS, 1)
        ),
    ]
    assert survey.counts("2027-02") == []
    assert [c.answers for c in survey.counts()] == [2, 2]


def test_counts_for_a_malformed_month_are_refused_rather_than_empty(survey: SurveyLog) -> None:
    with pytest.raises(ValidationError, match="YYYY-MM"):
        survey.counts("novembre 2026")
    with pytest.raises(ValidationError, match="YYYY-MM"):
        survey.counts("")


def test_answers_survive_a_restart(path: Path) -> None:
    first = KioskDatabase(path)
    SqliteSurveyLog(first).record(survey_answer("personalized-plate", "2026-11", "okay", ["easy"]))
    first.close()

    second = KioskDatabase(path)
    try:
        assert [c.ratings["okay"] for c in SqliteSurveyLog(second).counts()] == [1]
    finally:
        second.close()


def test_the_table_holds_counters_that_name_no_citizen_and_keep_no_order(
    database: KioskDatabase, survey: SurveyLog
) -> None:
    journal = SqliteJournal(database)
    journal.open_transaction(queued_fine("t-Zoë-1"))
    survey.record(survey_answer("fine", "2026-11", "good", ["saves_time"]))
    survey.record(survey_answer("outdoor-card", "2026-11", "poor", []))
    survey.record(survey_answer("fine", "2026-11", "good", ["saves_time"]))

    with database.reading() as db:
        columns = [column.name for column in db.table(TABLE).columns]
        rows = sorted(db.execute(f"select * from {TABLE}").fetchall())
        with_rowid = db.execute(
            "select count(*) from pragma_table_info(?) where name = 'rowid'", [TABLE]
        ).fetchone()[0]
        schema = db.execute("select sql from sqlite_master where name = ?", [TABLE]).fetchone()[0]

    assert columns == [
        "month",
        "service",
        "rating",
        "saves_time",
        "would_use_again",
        "easy",
        "convenient_location",
        "answers",
    ]
    # Two citizens who gave the same answer are one counter: nothing tells them apart.
    assert rows == [
        ("2026-11", "fine", "good", 1, 0, 0, 0, 2),
        ("2026-11", "outdoor-card", "poor", 0, 0, 0, 0, 1),
    ]
    assert with_rowid == 0
    assert "without rowid" in schema.lower()  # not even the order answers came in is kept


# --- the migration ----------------------------------------------------------------------


def test_a_new_file_has_every_migration_including_the_survey(database: KioskDatabase) -> None:
    assert database.schema_version() == len(MIGRATIONS) == 7
    assert database.db.table(TABLE).exists()


def test_a_version_1_file_is_upgraded_and_keeps_its_journal(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as only_v1:
        only_v1.setattr(offline_store.database, "MIGRATIONS", MIGRATIONS[:1])
        old = KioskDatabase(path)
        queued = queued_fine("t-Éloïse-1")
        with old.transaction() as db:  # as a version-1 kiosk wrote it
            db.table("transactions").insert(offline_store.journal._row(queued))
            offline_store.journal._step(db, queued, "open", "outcome", queued.state.value)
        assert old.schema_version() == 1
        assert not old.db.table(TABLE).exists()
        old.close()

    upgraded = KioskDatabase(path)
    try:
        assert upgraded.schema_version() == len(MIGRATIONS)
        journal = SqliteJournal(upgraded)
        assert [r.transaction_id for r in journal.unfinished()] == ["t-Éloïse-1"]
        assert journal.due(10) == ["t-Éloïse-1"]  # the outbox migration gave it its row
        assert [s["step"] for s in journal.steps("t-Éloïse-1")] == ["open"]
        survey = SqliteSurveyLog(upgraded)
        survey.record(survey_answer("registration-renewal", "2026-11", "good", ["easy"]))
        assert [c.service for c in survey.counts("2026-11")] == ["registration-renewal"]
    finally:
        upgraded.close()
