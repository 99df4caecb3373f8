"""``GET /api/v1/availability`` over real HTTP: who is to blame, as kiosks say it.

Ground truth worked out by hand: grace period 60 s, samples every 15 s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fleet_support import at, sample, serve_fleet

SITES = {
    "ottawa-rideau-01": "Centre Rideau, unité 12",
    "quebec-ste-foy-02": "Place Ste-Foy",
}
PAPER_OUT = "printer: paper_out"


def said(seconds: int, state: str, out: dict[str, str], reason: str = "") -> dict[str, Any]:
    """Return a sample whose ``out`` services cannot be sold, each with its cause."""
    services: dict[str, Any] = {"fine": True, "address-change": True}
    services.update({name: {"available": False, "cause": c} for name, c in out.items()})
    extra: dict[str, Any] = {"reason": reason} if reason else {}
    return sample(seconds, state, services=services, **extra)


def test_the_operators_and_each_ministrys_figures_and_incidents_over_http(
    tmp_path: Path, fleet_db: str
) -> None:
    # Ottawa: up 0-600, fines' backend down 600-1800, up 1800-3600.
    # Ste-Foy: up 0-1200, paper out 1200-2400 (fine unsellable), up 2400-3600.
    ottawa = [said(t, "up", {}) for t in range(0, 600, 15)]
    ottawa += [said(t, "degraded", {"fine": "backend"}) for t in range(600, 1800, 15)]
    ottawa += [said(t, "up", {}) for t in range(1800, 3600, 15)]
    ste_foy = [said(t, "up", {}) for t in range(0, 1200, 15)]
    paper = {"fine": "device:printer"}
    ste_foy += [said(t, "degraded", paper, PAPER_OUT) for t in range(1200, 2400, 15)]
    ste_foy += [said(t, "up", {}) for t in range(2400, 3600, 15)]
    with serve_fleet(tmp_path, SITES, fleet_db) as fleet:
        for kiosk_id, samples in (("ottawa-rideau-01", ottawa), ("quebec-ste-foy-02", ste_foy)):
            answer = fleet.post(kiosk_id, samples)
            assert answer.status_code == 202, answer.text
        fleet.now(3600)
        answer = fleet.availability(0, 3600)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["fleet"]["availability_pct"] == pytest.approx(100 * 4800 / 7200, abs=1e-3)
    assert report["fleet"]["operator_availability_pct"] == pytest.approx(100 * 6000 / 7200)
    assert report["fleet"]["min_operational_pct"] == 50.0  # Ste-Foy out of paper
    assert report["fleet"]["time_meeting_target_pct"] == pytest.approx(100 * 2400 / 3600)
    by_kiosk = {k["kiosk_id"]: k["operator_availability_pct"] for k in report["kiosks"]}
    assert by_kiosk == {"ottawa-rideau-01": 100.0, "quebec-ste-foy-02": pytest.approx(66.6667)}
    assert report["ministries"] == [
        {"ministry": "fines", "availability_pct": pytest.approx(100 * 4800 / 7200, abs=1e-3),
         "kiosks": 2},
        {"ministry": "health", "availability_pct": 100.0, "kiosks": 2},
        {"ministry": "natural-resources", "availability_pct": 100.0, "kiosks": 2},
        {"ministry": "transport", "availability_pct": 100.0, "kiosks": 2},
    ]  # fmt: skip
    assert report["incidents"] == [
        {"kiosk_id": None, "kiosks": ["ottawa-rideau-01"], "detected_at": at(600),
         "resolved_at": at(1800), "duration_seconds": 1200, "sla_breached": False,
         "cause": "backend", "attributed_to": "ministry:fines", "reason": ""},
        {"kiosk_id": "quebec-ste-foy-02", "kiosks": ["quebec-ste-foy-02"],
         "detected_at": at(1200), "resolved_at": at(2400), "duration_seconds": 1200,
         "sla_breached": False, "cause": "device:printer", "attributed_to": "operator",
         "reason": PAPER_OUT},
    ]  # fmt: skip


def test_a_whole_site_falling_silent_is_one_incident_over_http(tmp_path: Path) -> None:
    sites = {"gare-01": "Gare Centrale, unité 4b", "gare-02": "Gare Centrale, unité 4b"}
    with serve_fleet(tmp_path, sites) as fleet:
        fleet.post("gare-01", [sample(t) for t in range(0, 301, 15)])  # silent from 360
        fleet.post("gare-02", [sample(t) for t in range(0, 391, 15)])  # silent from 450
        fleet.now(1000)
        report = fleet.availability(0, 1000).json()
    assert report["incidents"] == [
        {"kiosk_id": None, "kiosks": ["gare-01", "gare-02"], "detected_at": at(360),
         "resolved_at": None, "duration_seconds": 640, "sla_breached": False,
         "cause": "network or monitor", "attributed_to": "operator",
         "reason": "2 kiosks silent within 120 s"},
    ]  # fmt: skip
    assert [k["downtime_seconds"] for k in report["kiosks"]] == [640, 550]
