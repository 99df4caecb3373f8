"""`/metrics` passes `promtool check metrics` and says what the fleet is doing now."""

from __future__ import annotations

import subprocess
from pathlib import Path

import requests
from fleet_support import sample, serve_fleet

SITES = {"laval-carrefour-01": 'Carrefour "Laval"', "sherbrooke-04": "Carrefour de l'Estrie"}


def test_metrics_pass_promtool_and_show_states_share_and_open_incidents(tmp_path: Path) -> None:
    with serve_fleet(tmp_path, SITES) as fleet:
        fleet.post("laval-carrefour-01", [sample(t) for t in range(0, 7500, 15)])
        fleet.post("sherbrooke-04", [sample(0), sample(15, "down")])  # down since 15
        fleet.now(7500)
        text = requests.get(f"{fleet.url}/metrics", timeout=30).text
    checked = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    lines = set(text.splitlines())
    assert "kiosk_fleet_operational_ratio 0.5" in lines
    assert 'kiosk_fleet_kiosks{state="down"} 1' in lines
    assert (
        'kiosk_state{kiosk_id="sherbrooke-04",site="Carrefour de l\'Estrie",state="down"} 1'
        in lines
    )
    assert (
        'kiosk_state{kiosk_id="laval-carrefour-01",site="Carrefour \\"Laval\\"",state="up"} 1'
        in lines
    )
    assert "kiosk_fleet_open_incidents 1" in lines
    assert "kiosk_fleet_open_incidents_over_repair_time 1" in lines  # 7485 s > 2 h
