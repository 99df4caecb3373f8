"""The monitor takes each service's cause and the kiosk's reason, over real HTTP.

A service is ``true``, a bare ``false`` (an older kiosk) or ``{"available": false,
"cause": …}``; an unknown cause is refused with 422 naming the field, and nothing is
stored. SQLite and PostgreSQL (``fleet_db``).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fleet_support import sample, serve_fleet

from admin_tools.fleet.store import FleetStore

KIOSK = "gatineau-promenades-3"
SITES = {KIOSK: "Les Promenades Gatineau, local 1080"}


def printer_out(seconds: float) -> dict[str, Any]:
    return sample(
        seconds,
        "degraded",
        services={
            "fine": {"available": False, "cause": "device:printer"},
            "address-change": True,
        },
        reason="printer: paper_out",
    )


def test_both_forms_of_a_service_are_taken_and_the_causes_kept_with_the_runs(
    tmp_path: Path, fleet_db: str
) -> None:
    with serve_fleet(tmp_path, SITES, fleet_db) as fleet:
        old = sample(0, "degraded")  # "fine": false, as a kiosk from before causes says
        answer = fleet.post(KIOSK, [old, printer_out(15), printer_out(30)])
        assert answer.status_code == 202, answer.text
        runs = fleet.store.runs(KIOSK)
        spans = fleet.store.histories()[KIOSK]
        latest = fleet.store.latest()[KIOSK]
    assert [len(run.times) for run in runs] == [1, 2]  # the cause differs: a new run
    first, second = (json.loads(run.detail) for run in runs)
    assert first["services"]["fine"] == "unspecified"  # the operator's, whatever it was
    assert second == {
        "services": {"fine": "device:printer", "address-change": True},
        "reason": "printer: paper_out",
    }
    assert [span.detail for span in spans] == [run.detail for run in runs]
    assert latest["reason"] == "printer: paper_out"
    assert latest["services"]["fine"] == {"available": False, "cause": "device:printer"}


@pytest.mark.parametrize(
    ("services", "says"),
    [
        ({"fine": {"available": False, "cause": "gremlins"}}, "fine.cause is 'gremlins'"),
        ({"fine": {"available": False}}, "fine.cause is None"),
        ({"fine": "non"}, "fine must be true, false or"),
    ],
)  # fmt: skip
def test_a_cause_the_monitor_does_not_know_is_refused_naming_the_field(
    tmp_path: Path, fleet_db: str, services: dict[str, Any], says: str
) -> None:
    with serve_fleet(tmp_path, SITES, fleet_db) as fleet:
        answer = fleet.post(KIOSK, [sample(0), sample(15, services=services)])
        stored = fleet.store.db.all("select * from runs")
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("samples.1.services: ")
    assert says in answer.json()["detail"]
    assert stored == []


def test_an_overlong_reason_is_refused_rather_than_cut(tmp_path: Path) -> None:
    with serve_fleet(tmp_path, SITES) as fleet:
        answer = fleet.post(KIOSK, [sample(0, "down", reason="é" * 201)])
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("samples.0.reason: ")


def test_a_database_made_before_causes_gets_their_columns_and_keeps_its_runs(
    tmp_path: Path,
) -> None:
    path = tmp_path / "fleet.db"
    FleetStore(str(path)).close()
    with sqlite3.connect(path) as old:  # as an older release left it
        old.execute("alter table runs drop column detail")
        old.execute("alter table latest drop column reason")
        old.execute("insert into runs (kiosk_id, state, start_at, last_at, times)"
                    " values ('x', 'up', 1, 1, '1')")  # fmt: skip
    old.close()
    store = FleetStore(str(path))
    try:
        assert store.db.all("select state, detail from runs") == [("up", "")]
        assert "reason" in {row[1] for row in store.db.all("pragma table_info(latest)")}
    finally:
        store.close()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("services", {f"service-{n}": True for n in range(1000)}),
        ("services", {"é" * 5000: True}),
        ("devices", {f"device-{n}": "ok" for n in range(1000)}),
        ("devices", {"printer": "x" * 5000}),
        ("warnings", {"p" * 5000: "paper_low"}),
    ],
)
def test_a_sample_with_too_many_or_too_long_entries_is_refused_naming_the_field(
    tmp_path: Path, field: str, value: dict[str, Any]
) -> None:
    with serve_fleet(tmp_path, SITES) as fleet:
        answer = fleet.post(KIOSK, [{**sample(0), field: value}])
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith(f"samples.0.{field}")


def test_the_notifications_of_an_overlong_kiosk_id_are_refused_not_looked_up(
    tmp_path: Path,
) -> None:
    import requests
    from fleet_support import OPS

    with serve_fleet(tmp_path, SITES) as fleet:
        path = f"{fleet.url}/api/v1/incidents/{'k' * 5000}/0/notifications"
        anonymous = requests.get(path, timeout=30)
        answer = requests.get(path, auth=OPS, timeout=30)
        not_a_time = requests.get(
            path.replace("k" * 5000, KIOSK).replace("/0/", "/9e9/"), auth=OPS, timeout=30
        )
    assert anonymous.status_code == 401  # who asks, before what is asked
    assert answer.status_code == 422
    assert not_a_time.status_code == 422
