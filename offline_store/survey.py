"""Satisfaction survey answers in the kiosk's SQLite file, kept as anonymous counters.

Each answer adds one to the counter of its month, service, rating and statements: nothing
says who answered, when in the month, or in which order (the table has no rowid).
"""

from __future__ import annotations

from typing import Any

from offline_store.database import KioskDatabase
from transactions.services import SERVICES
from transactions.survey import (
    RATINGS,
    STATEMENTS,
    ServiceSurveyCounts,
    SurveyAnswer,
    check_month,
)

TABLE = "survey_answers"

# Column names come from the fixed tuples above, never from input, so building the SQL
# from them is safe.
_SUMS = ", ".join(
    [f"sum((rating = '{rating}') * answers) as rating_{rating}" for rating in RATINGS]
    + [f"sum({statement} * answers) as agreed_{statement}" for statement in STATEMENTS]
)
_KEY = ("month", "service", "rating", *STATEMENTS)
_COUNT = (
    f"insert into {TABLE} ({', '.join(_KEY)}, answers) "
    f"values ({', '.join('?' for _ in _KEY)}, 1) "
    f"on conflict ({', '.join(_KEY)}) do update set answers = answers + 1"
)


class SqliteSurveyLog:
    """Store survey answers without anything that could tell who answered or when."""

    def __init__(self, database: KioskDatabase) -> None:
        self._database = database

    def record(self, answer: SurveyAnswer) -> None:
        """Count one answer under its month, service, rating and statements ticked."""
        ticked = [int(statement in answer.agreed) for statement in STATEMENTS]
        with self._database.transaction() as db:
            db.execute(_COUNT, [answer.month, answer.service, answer.rating, *ticked])

    def counts(self, month: str | None = None) -> list[ServiceSurveyCounts]:
        """Return the counts of each service that has answers, in catalogue order.

        ``month`` ("YYYY-MM") keeps that month's answers only; None counts every answer.
        """
        where, params = ("where month = ?", [check_month(month)]) if month is not None else ("", [])
        sums = f"sum(answers) as answers, {_SUMS}"
        sql = f"select service, {sums} from {TABLE} {where} group by service"
        with self._database.reading() as db:
            rows = {row["service"]: row for row in db.query(sql, params)}
        order = [s for s in SERVICES if s in rows] + sorted(set(rows).difference(SERVICES))
        return [_counts(rows[service]) for service in order]


def _counts(row: dict[str, Any]) -> ServiceSurveyCounts:
    return ServiceSurveyCounts(
        service=row["service"],
        answers=int(row["answers"]),
        ratings={rating: int(row[f"rating_{rating}"] or 0) for rating in RATINGS},
        agreed={statement: int(row[f"agreed_{statement}"] or 0) for statement in STATEMENTS},
    )
