"""A month's counters from the kiosk's own file, for the fleet monitor's monthly report.

Per service: transactions completed, kiosk fees and amounts collected; the satisfaction
survey's counters. Counted from the journal's non-personal audit columns (service, state,
fee, amounts, dates) and the anonymous survey table: nothing about anyone.
"""

from __future__ import annotations

import json
from typing import Any

from offline_store.database import KioskDatabase
from transactions.survey import RATINGS, STATEMENTS


def month_counters(database: KioskDatabase, month: str) -> dict[str, Any]:
    """Return the counters of ``month`` ("YYYY-MM", by the transactions' UTC dates)."""
    services: dict[str, dict[str, int]] = {}
    survey: dict[str, dict[str, Any]] = {}
    with database.reading() as db:
        rows = db.execute(
            "select service, kiosk_fee_cents, items_json from transactions"
            " where state = 'done' and substr(created_at, 1, 7) = ?",
            [month],
        ).fetchall()
        survey_rows = db.execute(
            "select service, rating, saves_time, would_use_again, easy, convenient_location,"
            " answers from survey_answers where month = ?",
            [month],
        ).fetchall()
    for service, fee, items in rows:
        line = services.setdefault(service, {"transactions": 0, "fees_cents": 0, "amount_cents": 0})
        line["transactions"] += 1
        line["fees_cents"] += int(fee or 0)
        line["amount_cents"] += sum(int(amount) for _item, amount in json.loads(items or "[]"))
    for service, rating, *ticks, answers in survey_rows:
        if service not in survey:
            survey[service] = {
                "answers": 0,
                "ratings": dict.fromkeys(RATINGS, 0),
                "agreed": dict.fromkeys(STATEMENTS, 0),
            }
        answer = survey[service]
        answer["answers"] += answers
        answer["ratings"][rating] = answer["ratings"].get(rating, 0) + answers
        for statement, ticked in zip(STATEMENTS, ticks, strict=True):
            answer["agreed"][statement] += answers if ticked else 0
    return {"month": month, "services": services, "survey": survey}
