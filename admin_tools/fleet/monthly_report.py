"""The monthly report per ministry: availability and incidents, transactions and fees per
service with the operator's share, and the satisfaction survey's answers.

Counts come from the kiosks' own counters, shipped with their samples (the newest of each
kiosk for the month); availability and incidents from the stored runs over the month (UTC).
A change of address reaches several ministries at once, so it is listed under each of them.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any

from admin_tools.fleet.availability import availability_report
from admin_tools.fleet.store import FleetStore

MINISTRIES: dict[str, tuple[str, ...]] = {
    "transport": ("registration-renewal", "driver-record", "personalized-plate", "address-change"),
    "fines": ("fine",),
    "health": ("address-change",),
    "natural-resources": ("outdoor-card", "address-change"),
}
"""Each ministry's services (as ``transactions.services.BACKENDS`` routes them)."""
OPERATOR_SHARE = 0.5
"""The kiosk operator keeps $0.50 of each $1.00 of kiosk fees."""


def month_bounds(month: str) -> tuple[float, float]:
    """Return the month "YYYY-MM" as [start, end) in seconds (UTC)."""
    try:
        year, number = (int(part) for part in month.split("-"))
        days = calendar.monthrange(year, number)[1]
    except (ValueError, calendar.IllegalMonthError):
        raise ValueError(f"--month must be YYYY-MM, e.g. 2026-11 (got {month!r})") from None
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    assert (end - start).days == days
    return start.timestamp(), end.timestamp()


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def monthly_report(store: FleetStore, month: str, now: float) -> dict[str, Any]:
    """Return the report of ``month`` as of ``now``."""
    start, end = month_bounds(month)
    availability = availability_report(store.histories(until=now), start, end, now, store.grace)
    services: dict[str, dict[str, int]] = {}
    survey: dict[str, dict[str, Any]] = {}
    for counters in store.month_counters(month).values():
        for service, counts in counters.get("services", {}).items():
            line = services.setdefault(
                service, {"transactions": 0, "fees_cents": 0, "amount_cents": 0}
            )
            for key in line:
                line[key] += int(counts.get(key, 0))
        for service, answers in counters.get("survey", {}).items():
            line2 = survey.setdefault(service, {"answers": 0, "ratings": {}, "agreed": {}})
            line2["answers"] += int(answers.get("answers", 0))
            for group in ("ratings", "agreed"):
                for key, value in answers.get(group, {}).items():
                    line2[group][key] = line2[group].get(key, 0) + int(value)
    # The fleet's incidents are the operator's, on its two-hour clock; a ministry's outage
    # is its own (the availability report lists both, each with whom it is attributed to).
    incidents = [
        i for i in availability["incidents"] if i.get("attributed_to", "operator") == "operator"
    ]
    fleet = {
        **availability["fleet"],
        "kiosks": len(availability["kiosks"]),
        "incidents": len(incidents),
        "incidents_over_repair_time": sum(1 for i in incidents if i["sla_breached"]),
    }
    ministries = []
    for ministry, owned in MINISTRIES.items():
        rows = []
        for service in owned:
            counts = services.get(service, {"transactions": 0, "fees_cents": 0, "amount_cents": 0})
            operator = round(counts["fees_cents"] * OPERATOR_SHARE)
            answers = survey.get(service, {"answers": 0, "ratings": {}, "agreed": {}})
            total = answers["answers"]
            rows.append(
                {
                    "service": service,
                    "transactions": counts["transactions"],
                    "amount_cents": counts["amount_cents"],
                    "fees_cents": counts["fees_cents"],
                    "operator_share_cents": operator,
                    "province_share_cents": counts["fees_cents"] - operator,
                    "survey_answers": total,
                    "rated_good_pct": _pct(answers["ratings"].get("good", 0), total),
                    "agreed_pct": {k: _pct(v, total) for k, v in sorted(answers["agreed"].items())},
                }
            )
        ministries.append({"ministry": ministry, "services": rows})
    return {
        "month": month,
        "generated_at": datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds"),
        "fleet": fleet,
        "ministries": ministries,
    }
