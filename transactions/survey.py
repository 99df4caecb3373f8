"""The optional satisfaction survey shown after the receipt: answers that name nobody.

An answer holds only the service, the month, a one-tap rating and the statements the citizen
ticked. No reference, transaction id, card, language or time finer than the month is part of
it, so a stored answer cannot be tied back to a visit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from transactions.errors import ValidationError
from transactions.services import SERVICES

RATINGS = ("good", "okay", "poor")
"""The answers to "How was your visit?", best first."""

STATEMENTS = ("saves_time", "would_use_again", "easy", "convenient_location")
"""The short statements a citizen may tick as agreeing with, in the order they are shown."""


# ASCII digits only: a bare \d would also accept Arabic-Indic or full-width digits.
_MONTH = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])")


@dataclass(frozen=True)
class SurveyAnswer:
    """One citizen's answer to the survey; build it with ``survey_answer``."""

    service: str
    month: str  # "YYYY-MM"
    rating: str
    agreed: frozenset[str]


@dataclass(frozen=True)
class ServiceSurveyCounts:
    """How many answers one service got, per rating and per statement agreed with."""

    service: str
    answers: int
    ratings: dict[str, int]
    agreed: dict[str, int]


def survey_answer(service: str, month: str, rating: str, agreed: Iterable[str]) -> SurveyAnswer:
    """Return a checked answer; raise ValidationError naming the value that is not known."""
    if service not in SERVICES:
        raise ValidationError(
            f"unknown service {service!r}; expected one of {', '.join(SERVICES)}",
            code="survey_service_unknown",
        )
    check_month(month)
    if rating not in RATINGS:
        raise ValidationError(
            f"unknown rating {rating!r}; expected one of {', '.join(RATINGS)}",
            code="survey_rating_unknown",
        )
    if isinstance(agreed, str):
        # A lone string is an iterable of characters, which would be refused one letter at
        # a time with a confusing message.
        raise ValidationError(
            f"statements must be a collection of names, not the string {agreed!r}",
            code="survey_statement_unknown",
        )
    ticked = frozenset(agreed)
    unknown = sorted(ticked.difference(STATEMENTS))
    if unknown:
        raise ValidationError(
            f"unknown statement(s) {', '.join(map(repr, unknown))}; "
            f"expected some of {', '.join(STATEMENTS)}",
            code="survey_statement_unknown",
        )
    return SurveyAnswer(service=service, month=month, rating=rating, agreed=ticked)


def check_month(month: str) -> str:
    """Return ``month`` if it is a calendar month written "YYYY-MM"; raise ValidationError."""
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise ValidationError(
            f"month must be written YYYY-MM (for example 2025-03), not {month!r}",
            code="survey_month_invalid",
        )
    return month


def month_of(day: date) -> str:
    """Return the "YYYY-MM" month of ``day``: the only time an answer keeps."""
    return check_month(f"{day.year:04d}-{day.month:02d}")
