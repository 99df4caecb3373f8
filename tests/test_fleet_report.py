"""`kiosk-fleet report`: the month per ministry, from the kiosks' own counters, in four formats.

The counters come the real way: a kiosk's journal and survey table, sampled by the agent's
reporter and posted to the monitor over HTTP.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fakes import FakeClock
from fleet_support import sample, serve_fleet
from sample_records import queued_fine

from kiosk_app.config import KioskConfig
from kiosk_app.fleet_reporter import FleetReporter
from kiosk_app.kiosk_status import KioskStatus, publish
from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal
from offline_store.survey import SqliteSurveyLog
from transactions.saga.states import SagaState
from transactions.survey import survey_answer

FLEET = str(Path(sys.executable).parent / "kiosk-fleet")
NOV_20 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def kiosk_with_a_month(folder: Path, fines: int, good: int, okay: int) -> KioskDatabase:
    """Return a kiosk's file holding ``fines`` paid fines and survey answers in November."""
    database = KioskDatabase(folder / "kiosk.db")
    journal = SqliteJournal(database)
    for number in range(fines):
        record = replace(
            queued_fine(f"t-{folder.name}-{number}"),
            state=SagaState.DONE,
            created_at=f"2026-11-{10 + number % 10:02d}T14:03:00+00:00",
        )
        journal.open_transaction(record)
    december = replace(queued_fine(f"t-{folder.name}-dec"), state=SagaState.DONE,
                       created_at="2026-12-01T00:00:05+00:00")  # fmt: skip
    journal.open_transaction(december)  # another month: not counted in November
    survey = SqliteSurveyLog(database)
    for _ in range(good):
        survey.record(survey_answer("fine", "2026-11", "good", {"saves_time", "easy"}))
    for _ in range(okay):
        survey.record(survey_answer("fine", "2026-11", "okay", {"saves_time"}))
    return database


def ship(fleet: Any, kiosk_id: str, database: KioskDatabase, folder: Path) -> None:
    """Let the agent's reporter take one sample in November and post it."""
    config = replace(
        KioskConfig(),
        kiosk_id=kiosk_id,
        data_dir=folder,
        status_file=folder / "status.json",
        fleet_url=fleet.url,
        min_free_mb=0,
    )
    clock = FakeClock(NOV_20)
    publish(config.status_path, replace(KioskStatus.of(None, frozenset()), at=NOV_20.isoformat()))
    assert FleetReporter(config, database, fleet.tokens[kiosk_id], clock=clock).tick() == 1


def test_the_month_per_ministry_in_json_csv_html_and_pdf(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    kiosks = {"ottawa-01": "Centre Rideau", "gatineau-02": "Les Promenades"}
    with serve_fleet(tmp_path, kiosks) as fleet:
        first = kiosk_with_a_month(tmp_path / "a", fines=10, good=3, okay=1)
        ship(fleet, "ottawa-01", first, tmp_path / "a")
        second = kiosk_with_a_month(tmp_path / "b", fines=5, good=1, okay=0)
        ship(fleet, "gatineau-02", second, tmp_path / "b")
        first.close()
        second.close()
        fleet.post("ottawa-01", [sample(t) for t in range(0, 600, 15)])  # no counters: kept
        db = str(tmp_path / "fleet.db")
        outputs = {}
        for fmt in ("json", "csv", "html", "pdf"):
            done = subprocess.run(
                [FLEET, "report", "--month", "2026-11", "--format", fmt, "--db", db],
                capture_output=True, timeout=120, check=False,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            outputs[fmt] = done.stdout

    report = json.loads(outputs["json"])
    fines = next(m for m in report["ministries"] if m["ministry"] == "fines")
    [fine] = fines["services"]
    assert fine["transactions"] == 15
    assert fine["amount_cents"] == 15 * 12500
    assert fine["fees_cents"] == 15 * 100
    assert fine["operator_share_cents"] == fine["province_share_cents"] == 750
    assert fine["survey_answers"] == 5
    assert fine["rated_good_pct"] == 80.0
    assert fine["agreed_pct"] == {
        "convenient_location": 0.0,
        "easy": 80.0,
        "saves_time": 100.0,
        "would_use_again": 0.0,
    }
    assert report["fleet"]["kiosks"] == 2

    rows = list(csv.DictReader(io.StringIO(outputs["csv"].decode())))
    fine_row = next(r for r in rows if (r["ministry"], r["service"]) == ("fines", "fine"))
    assert (fine_row["transactions"], fine_row["operator_share_cents"]) == ("15", "750")
    assert {r["ministry"] for r in rows} == {"transport", "fines", "health", "natural-resources"}

    html = outputs["html"].decode()
    assert "Kiosk report, 2026-11" in html
    assert "<td>fine</td><td>15</td><td>$1,875.00</td><td>$15.00</td><td>$7.50</td>" in html

    pdf = outputs["pdf"]
    assert pdf.startswith(b"%PDF-1.4\n")
    assert pdf.rstrip().endswith(b"%%EOF")
    xref = int(re.findall(rb"startxref\n(\d+)", pdf)[-1])
    assert pdf[xref:].startswith(b"xref")
    for number, offset in enumerate(re.findall(rb"(\d{10}) 00000 n", pdf), start=1):
        assert pdf[int(offset) :].startswith(b"%d 0 obj" % number)
    assert b"(Ministry: fines) Tj" in pdf
    assert b"(fine: 15 transactions, $1,875.00 collected, fees $15.00 \\(operator $7.50\\)," in pdf


def test_a_month_that_is_not_one_is_refused_with_the_form_to_use(tmp_path: Path) -> None:
    done = subprocess.run(
        [FLEET, "report", "--month", "2026-13", "--db", str(tmp_path / "fleet.db")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "YYYY-MM" in done.stderr


def test_the_fleet_incidents_of_the_month_are_the_operators_not_a_ministrys_outage(
    tmp_path: Path,
) -> None:
    from fleet_support import ORIGIN

    from admin_tools.fleet.monthly_report import monthly_report

    kiosks = {"ottawa-01": "Centre Rideau", "gatineau-02": "Les Promenades"}
    courts_down = {"fine": {"available": False, "cause": "backend"}, "address-change": True}
    no_printer = {"fine": {"available": False, "cause": "device:printer"}, "address-change": True}
    with serve_fleet(tmp_path, kiosks) as fleet:
        for kiosk_id, services in (("ottawa-01", courts_down), ("gatineau-02", no_printer)):
            minutes = [sample(t, "degraded", services=services) for t in range(0, 1800, 15)]
            back = [sample(t) for t in range(1800, 3600, 15)]
            assert fleet.post(kiosk_id, minutes + back).status_code == 202
        report = monthly_report(fleet.store, "2026-11", ORIGIN.timestamp() + 3600)
    # The courts' outage is the fines ministry's, not on the operator's two-hour clock.
    assert report["fleet"]["incidents"] == 1
