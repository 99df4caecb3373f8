"""The shipped Prometheus rules and Alertmanager example: checked, unit-tested, in the package.

``promtool`` (Debian's prometheus) and ``amtool`` (prometheus-alertmanager) are in
system-packages/dev.txt; the rules' own unit tests are in ``kiosk-fleet.rules.test.yml``.
"""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
import tomllib
from pathlib import Path

import requests
from fleet_support import sample, serve_fleet

import admin_tools

FOLDER = Path(admin_tools.__file__).parent / "fleet" / "prometheus"
RULES = FOLDER / "kiosk-fleet.rules.yml"
ALERTS = ("KioskFleetBelowTarget", "KioskDown", "KioskRepairClockNearlyOut", "KioskRepairOverdue")


def run(*command: str) -> subprocess.CompletedProcess[str]:
    """Run a Prometheus tool in the rules' folder (the test file names the rules relatively)."""
    return subprocess.run(command, cwd=FOLDER, capture_output=True, text=True, check=False)


def test_the_shipped_alert_rules_pass_promtool_check_rules() -> None:
    checked = run("promtool", "check", "rules", RULES.name)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    text = RULES.read_text(encoding="utf-8")
    for alert in ALERTS:
        assert f"- alert: {alert}\n" in text


def test_the_shipped_alerts_fire_when_their_unit_tests_say_and_not_before() -> None:
    tested = run("promtool", "test", "rules", "kiosk-fleet.rules.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    cases = (FOLDER / "kiosk-fleet.rules.test.yml").read_text(encoding="utf-8")
    for alert in ALERTS:
        assert f"alertname: {alert}\n" in cases


def served_names(folder: Path) -> set[str]:
    """Return the metric names a real monitor serves (with a kiosk down past its clock)."""
    with serve_fleet(folder, {"trois-rivieres-03": "Les Rivières, unité 12"}) as fleet:
        fleet.post("trois-rivieres-03", [sample(0), sample(15, "down")])
        fleet.now(7300)  # an open incident, past its repair time
        served = requests.get(f"{fleet.url}/metrics", timeout=30).text
    return set(re.findall(r"^(kiosk_[a-z_]+)[{ ]", served, flags=re.MULTILINE))


def metrics_read(expressions: str) -> set[str]:
    """Return the kiosk_ metric names that PromQL ``expressions`` read (labels left out)."""
    return set(re.findall(r"\bkiosk_[a-z_]+", expressions)) - {"kiosk_id"}


def test_the_alert_rules_read_only_metrics_the_monitor_serves(tmp_path: Path) -> None:
    read = metrics_read(RULES.read_text(encoding="utf-8"))
    assert read, "the rules read no kiosk_ metric"
    names = served_names(tmp_path)
    assert read <= names, f"not served: {sorted(read - names)}"


def test_the_grafana_dashboard_queries_are_valid_promql_over_served_metrics(
    tmp_path: Path,
) -> None:
    dashboard = json.loads((FOLDER / "kiosk-fleet.grafana.json").read_text(encoding="utf-8"))
    queries = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert len(queries) >= 9
    # promtool parses PromQL when it checks rules: each query becomes a recording rule.
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:query_{n}", "expr": q} for n, q in enumerate(queries)
                ],
            }
        ]
    }
    (tmp_path / "queries.yml").write_text(json.dumps(rules), encoding="utf-8")
    checked = run("promtool", "check", "rules", str(tmp_path / "queries.yml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    read = metrics_read("\n".join(queries))
    names = served_names(tmp_path)
    assert read <= names, f"not served: {sorted(read - names)}"


def test_the_alertmanager_example_passes_amtool_and_calls_on_call_for_the_repair_clock() -> None:
    checked = run("amtool", "check-config", "alertmanager.example.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    labels = ["team=operator", "alertname=KioskRepairClockNearlyOut", "kiosk_id=gatineau-02"]
    routed = run(
        "amtool",
        "config",
        "routes",
        "test",
        "--config.file=alertmanager.example.yml",
        "severity=critical",
        *labels,
    )
    assert routed.stdout.split() == ["operator-on-call,operator-email"], routed.stderr
    warning = run(
        "amtool",
        "config",
        "routes",
        "test",
        "--config.file=alertmanager.example.yml",
        "severity=warning",
        "team=operator",
        "alertname=KioskDown",
    )
    assert warning.stdout.split() == ["operator-email"], warning.stderr


def test_the_prometheus_files_ship_in_the_package() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["admin_tools"]
    shipped = sorted(FOLDER.iterdir())
    assert shipped
    for path in shipped:
        inside = path.relative_to(FOLDER.parents[1]).as_posix()
        assert any(fnmatch.fnmatch(inside, glob) for glob in globs), inside
