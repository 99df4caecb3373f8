"""`/metrics` passes `promtool check metrics` and says what the fleet is doing now."""

from __future__ import annotations

import subprocess
from pathlib import Path

import prometheus_client
import requests
from fleet_support import ORIGIN, sample, serve_fleet
from prometheus_client.parser import text_string_to_metric_families

from admin_tools.fleet.metrics import unavailable_by_cause

SITES = {"laval-carrefour-01": 'Carrefour "Laval"', "sherbrooke-04": "Carrefour de l'Estrie"}
Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> tuple[str, Series]:
    """Return the exposition text and its samples keyed by (name, labels)."""
    answer = requests.get(f"{url}/metrics", timeout=30)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    series = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }
    return answer.text, series


def promtool_check(text: str) -> None:
    """Fail unless ``promtool check metrics`` finds nothing to say (lint included)."""
    checked = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def at_origin(seconds: float) -> float:
    return ORIGIN.timestamp() + seconds


def test_metrics_pass_promtool_and_show_states_share_and_open_incidents(
    tmp_path: Path, fleet_db: str
) -> None:
    with serve_fleet(tmp_path, SITES, fleet_db) as fleet:
        fleet.post("laval-carrefour-01", [sample(t) for t in range(0, 7500, 15)])
        fleet.post("sherbrooke-04", [sample(0), sample(15, "down")])  # down since 15
        fleet.now(7500)
        text, series = scrape(fleet.url)
    promtool_check(text)
    assert series["kiosk_fleet_operational_ratio", frozenset()] == 0.5
    assert series["kiosk_fleet_kiosks", frozenset({("state", "down")})] == 1
    estrie = {("kiosk_id", "sherbrooke-04"), ("site", "Carrefour de l'Estrie")}
    assert series["kiosk_state", frozenset({*estrie, ("state", "down")})] == 1
    assert series["kiosk_state", frozenset({*estrie, ("state", "up")})] == 0
    laval = {("kiosk_id", "laval-carrefour-01"), ("site", 'Carrefour "Laval"')}
    assert series["kiosk_state", frozenset({*laval, ("state", "up")})] == 1
    assert 'site="Carrefour \\"Laval\\""' in text  # quotes escaped as the format says
    assert series["kiosk_fleet_open_incidents", frozenset()] == 1
    assert series["kiosk_fleet_open_incidents_over_repair_time", frozenset()] == 1  # 7485 s


def test_the_last_sample_time_is_exact_to_the_millisecond(tmp_path: Path, fleet_db: str) -> None:
    with serve_fleet(tmp_path, SITES, fleet_db) as fleet:
        fleet.post("sherbrooke-04", [sample(0), sample(15.123)])
        fleet.now(20)
        text, series = scrape(fleet.url)
    promtool_check(text)
    newest = series[
        "kiosk_last_sample_timestamp_seconds", frozenset({("kiosk_id", "sherbrooke-04")})
    ]
    assert round(newest * 1000) == round(at_origin(15.123) * 1000)


def test_each_kiosk_shows_its_outbox_version_and_unavailable_services_by_cause(
    tmp_path: Path,
    fleet_db: str,
) -> None:
    with serve_fleet(tmp_path, SITES, fleet_db) as fleet:
        fleet.post(
            "laval-carrefour-01",
            [
                sample(
                    0,
                    "degraded",
                    services={"fine": False, "registration-renewal": False, "address-change": True},
                    outbox_depth=17,
                    version="1.5.0-rc.1+île",
                )
            ],
        )
        fleet.post("sherbrooke-04", [sample(0)])
        fleet.now(30)
        text, series = scrape(fleet.url)
    promtool_check(text)
    laval = ("kiosk_id", "laval-carrefour-01")
    assert series["kiosk_outbox_depth", frozenset({laval})] == 17
    info = frozenset({laval, ("version", "1.5.0-rc.1+île")})
    assert series["kiosk_software_info", info] == 1
    assert series["kiosk_unavailable_services", frozenset({laval, ("cause", "unspecified")})] == 2
    assert series["kiosk_unavailable_services", frozenset({laval, ("cause", "backend")})] == 0
    estrie = ("kiosk_id", "sherbrooke-04")
    assert series["kiosk_unavailable_services", frozenset({estrie, ("cause", "unspecified")})] == 0
    assert series["kiosk_software_info", frozenset({estrie, ("version", "1.4.0")})] == 1


def test_unavailable_services_are_counted_by_their_cause_and_a_bare_false_is_unspecified() -> None:
    services = {
        "fine": {"available": False, "cause": "device:printer"},
        "registration-renewal": {"available": False, "cause": "device:printer"},
        "health-card": {"available": False, "cause": "backend"},
        "fishing-licence": {"available": False},
        "address-change": True,
        "hunting-licence": {"available": True},
        "parking-permit": False,
    }
    assert unavailable_by_cause(services) == {"device:printer": 2, "backend": 1, "unspecified": 2}


def test_open_incidents_show_the_seconds_left_on_their_repair_clock(
    tmp_path: Path, fleet_db: str
) -> None:
    with serve_fleet(tmp_path, SITES, fleet_db) as fleet:
        fleet.post("laval-carrefour-01", [sample(0), sample(15, "down")])  # down since 15
        fleet.post("sherbrooke-04", [sample(t) for t in range(0, 1500, 15)])  # silent from 1545
        fleet.now(7500.25)
        text, series = scrape(fleet.url)
    promtool_check(text)
    left = {
        dict(labels)["kiosk_id"]: value
        for (name, labels), value in series.items()
        if name == "kiosk_incident_repair_seconds_left"
    }
    assert left == {"laval-carrefour-01": 7200 - 7485.25, "sherbrooke-04": 7200 - (7500.25 - 1545)}


def test_kiosks_falling_silent_together_are_one_incident_with_one_repair_clock(
    tmp_path: Path,
) -> None:
    kiosks = {f"montreal-{n:02d}": f"Place Dupuis, unité {n}" for n in range(1, 11)}
    kiosks["quebec-01"] = "Galeries de la Capitale"
    with serve_fleet(tmp_path, kiosks) as fleet:
        for n, kiosk_id in enumerate(sorted(kiosks)):
            last = 1785 if kiosk_id == "quebec-01" else 15 + n  # ten fall silent together
            fleet.post(kiosk_id, [sample(t) for t in range(0, last + 1, 15)] + [sample(last)])
        fleet.now(1800)
        text, series = scrape(fleet.url)
    promtool_check(text)
    assert series["kiosk_fleet_open_incidents", frozenset()] == 1
    clocks = {
        labels: value
        for (name, labels), value in series.items()
        if name == "kiosk_incident_repair_seconds_left"
    }
    # Silent from the first one's last sample + the 60 s grace period: 15 + 60 = 75.
    together = frozenset({("kiosk_id", ""), ("site", ""), ("cause", "network or monitor")})
    assert clocks == {together: 7200 - (1800 - 75)}  # an empty label is no label to Prometheus


def test_fleet_operator_availability_is_served_as_a_ratio(tmp_path: Path) -> None:
    with serve_fleet(tmp_path, SITES) as fleet:
        fleet.post("laval-carrefour-01", [sample(0), sample(15)])
        fleet.post("sherbrooke-04", [sample(0), sample(15, "down")])
        fleet.now(30)
        _text, series = scrape(fleet.url)
    assert series["kiosk_fleet_operator_availability_ratio", frozenset()] == 0.5


def test_a_kiosk_degraded_only_by_a_ministrys_backend_still_counts_for_the_operator(
    tmp_path: Path,
    fleet_db: str,
) -> None:
    backend = {"fine": {"available": False, "cause": "backend"}, "address-change": True}
    printer = {"fine": {"available": False, "cause": "device:printer"}, "address-change": True}
    kiosks = {**SITES, "gatineau-02": "Galeries de Hull, local 118"}
    with serve_fleet(tmp_path, kiosks, fleet_db) as fleet:
        fleet.post("laval-carrefour-01", [sample(t, "degraded", services=backend) for t in (0, 15)])
        fleet.post("sherbrooke-04", [sample(t, "degraded", services=printer) for t in (0, 15)])
        fleet.post("gatineau-02", [sample(0), sample(15)])
        fleet.now(30)
        text, series = scrape(fleet.url)
    promtool_check(text)
    assert series["kiosk_fleet_operator_availability_ratio", frozenset()] == 2 / 3
    assert series["kiosk_fleet_operational_ratio", frozenset()] == 1 / 3
    laval, estrie = ("kiosk_id", "laval-carrefour-01"), ("kiosk_id", "sherbrooke-04")
    assert series["kiosk_unavailable_services", frozenset({laval, ("cause", "backend")})] == 1
    printer_cause = frozenset({estrie, ("cause", "device:printer")})
    assert series["kiosk_unavailable_services", printer_cause] == 1
    assert series["kiosk_unavailable_services", frozenset({estrie, ("cause", "unspecified")})] == 0


def test_two_monitors_in_one_process_each_serve_their_own_fleet(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        serve_fleet(tmp_path / "a", {"gatineau-02": "Galeries de Hull"}) as first,
        serve_fleet(tmp_path / "b", {"rimouski-01": "Carrefour Rimouski"}) as second,
    ):
        first.post("gatineau-02", [sample(0)])
        second.post("rimouski-01", [sample(0, "down")])
        first.now(10)
        second.now(10)
        _text, one = scrape(first.url)
        _text, other = scrape(second.url)
    assert one["kiosk_fleet_operational_ratio", frozenset()] == 1
    assert other["kiosk_fleet_operational_ratio", frozenset()] == 0
    assert not any(labels and ("kiosk_id", "rimouski-01") in labels for _n, labels in one)
    # Nothing was registered in prometheus-client's global registry (nothing at import).
    names = {m.name for m in prometheus_client.REGISTRY.collect()}
    assert not any(name.startswith("kiosk_") for name in names)
