"""The agent's status samples reach the fleet monitor, late ones included, over HTTP.

A real monitor on SQLite (tests/fleet_support.py), the kiosk's SQLite file, and the state
file the touchscreen writes; the reporter runs on a clock the test moves.
"""

from __future__ import annotations

import socket
import subprocess
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from subprocess import CompletedProcess

from fakes import FakeClock
from fleet_support import ORIGIN, reporter_config, serve_fleet, ui_publishes
from kiosk_runs import KIOSK as KIOSK_COMMAND
from kiosk_runs import kiosk_env

from admin_tools.diagnostics.kiosk_checks import database_checks
from kiosk_app.config import KioskConfig
from kiosk_app.fleet_reporter import FleetReporter
from kiosk_app.kiosk_status import KioskStatus
from ministry_sandbox.testing import SandboxClient
from offline_store.database import KioskDatabase
from offline_store.status_journal import StatusJournal

KIOSK = "montreal-berri-04"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ui_says(config: KioskConfig, clock: FakeClock, down: frozenset[str] = frozenset()) -> None:
    """Write the touchscreen's heartbeat as of the test clock."""
    status = KioskStatus.of(None, down)
    ui_publishes(config, clock, status)


def test_samples_taken_while_the_monitor_is_away_arrive_later_with_no_false_gap(
    tmp_path: Path,
) -> None:
    clock = FakeClock(ORIGIN)
    with serve_fleet(tmp_path, {KIOSK: "Station Berri-UQAM"}) as fleet:
        away = reporter_config(tmp_path, f"http://127.0.0.1:{closed_port()}", KIOSK)
        database = KioskDatabase(away.database_path)
        offline = FleetReporter(away, database, fleet.tokens[KIOSK], clock=clock)
        for _ in range(8):  # two minutes with the monitor unreachable
            ui_says(away, clock)
            assert offline.tick() == 0
            clock.advance(15)
        assert StatusJournal(database).depth() == 8

        back = reporter_config(tmp_path, fleet.url, KIOSK)
        online = FleetReporter(back, database, fleet.tokens[KIOSK], clock=clock)
        ui_says(back, clock, down=frozenset({"fine"}))
        assert online.tick() == 9  # the backlog, oldest first, then the new one
        assert StatusJournal(database).depth() == 0
        database.close()

        fleet.now(8 * 15 + 30)
        report = fleet.availability(0, 8 * 15 + 30).json()
        latest = fleet.store.latest()[KIOSK]
    [kiosk] = report["kiosks"]
    # up for 120 s, then degraded from 120 (fine's backend down) until now: no silence, and
    # no incident of the operator's (the ministry's outage is its own)
    assert kiosk["availability_pct"] == 80.0
    assert kiosk["downtime_seconds"] == 0
    assert [
        i for i in report["incidents"] if i.get("attributed_to", "operator") == "operator"
    ] == []
    assert latest["state"] == "degraded"
    assert latest["services"]["fine"] == {"available": False, "cause": "backend"}
    assert latest["services"]["address-change"] is True
    assert latest["version"]


def test_a_touchscreen_that_stopped_writing_or_a_full_disk_is_reported_down(
    tmp_path: Path,
) -> None:
    clock = FakeClock(ORIGIN)
    config = reporter_config(tmp_path, "http://127.0.0.1:9", KIOSK)
    database = KioskDatabase(config.database_path)
    reporter = FleetReporter(config, database, "token", clock=clock)
    assert reporter.sample()["reason"] == "ui_not_responding"  # never started
    ui_says(config, clock)
    assert reporter.sample()["state"] == "up"
    clock.current += timedelta(seconds=46)  # no heartbeat for 46 s: frozen or crashed
    stale = reporter.sample()
    assert (stale["state"], stale["reason"]) == ("down", "ui_not_responding")
    assert [name for name, line in stale["services"].items() if line is True] == []
    assert {line["cause"] for line in stale["services"].values()} == {"software"}
    ui_says(config, clock)
    full = FleetReporter(replace(config, min_free_mb=10**9), database, "token", clock=clock)
    assert (full.sample()["state"], full.sample()["reason"]) == ("down", "storage_full")
    database.close()


def test_a_dead_payment_terminal_is_down_and_a_printer_out_of_paper_degraded() -> None:
    dead = KioskStatus.of(None, frozenset(), devices={"payment_terminal": "down", "printer": "ok"})
    assert (dead.state, dead.reason) == ("down", "payment_terminal")
    paper = KioskStatus.of(None, frozenset(), devices={"payment_terminal": "ok", "printer": "down"})
    assert (paper.state, paper.reason) == ("degraded", "printer: down")
    fresh = KioskStatus.of(None, frozenset(), devices={"payment_terminal": "unknown"})
    assert fresh.state == "up"  # an ECR terminal before its first exchange: not known dead


def test_the_sample_carries_the_devices_the_touchscreen_reported(tmp_path: Path) -> None:
    clock = FakeClock(ORIGIN)
    config = reporter_config(tmp_path, "http://127.0.0.1:9", KIOSK)
    status = KioskStatus.of(
        None, frozenset(), devices={"printer": "down", "payment_terminal": "ok"}
    )
    ui_publishes(config, clock, status)
    database = KioskDatabase(config.database_path)
    taken = FleetReporter(config, database, "token", clock=clock).sample()
    database.close()
    assert taken["state"] == "degraded"
    assert taken["devices"] == {"payment_terminal": "ok", "printer": "down"}


def test_a_sample_the_monitor_refuses_for_good_is_set_aside_and_the_rest_keep_flowing(
    tmp_path: Path,
) -> None:
    clock = FakeClock(ORIGIN)
    with serve_fleet(tmp_path, {KIOSK: "Bibliothèque Gabrielle-Roy"}) as fleet:
        config = reporter_config(tmp_path, fleet.url, KIOSK)
        database = KioskDatabase(config.database_path)
        journal = StatusJournal(database)
        reporter = FleetReporter(config, database, fleet.tokens[KIOSK], clock=clock)
        for number in range(7):  # the fourth one is a state the monitor does not know
            ui_says(config, clock)
            taken = reporter.sample()
            journal.record({**taken, "state": "exploded"} if number == 3 else taken)
            clock.advance(15)

        assert reporter.ship() == 6  # every good sample, the bad one set aside
        assert journal.depth() == 0
        count, reason = journal.refusals()
        assert count == 1
        assert reason is not None
        assert reason.startswith("422")

        ui_says(config, clock)
        assert reporter.tick() == 1  # later samples are not held up behind it
        assert sum(len(run.times) for run in fleet.store.runs(KIOSK)) == 7

        wrong = FleetReporter(config, database, "not-the-token", clock=clock)
        ui_says(config, clock)
        assert wrong.tick() == 0  # 401: kept for when the token is right, never set aside
        assert journal.depth() == 1
        assert journal.refusals()[0] == 1
        checks = {c.name: c for c in database_checks(config.database_path, clock.now().timestamp())}
        database.close()
    assert checks["fleet samples"].status == "degraded"
    assert "1 status sample" in checks["fleet samples"].detail
    assert "422" in checks["fleet samples"].detail


def test_each_round_says_how_many_samples_were_shipped_set_aside_or_kept_and_why(
    tmp_path: Path,
) -> None:
    clock = FakeClock(ORIGIN)
    with serve_fleet(tmp_path, {KIOSK: "Carrefour Laval, local 1-A"}) as fleet:
        config = reporter_config(tmp_path, fleet.url, KIOSK)
        database = KioskDatabase(config.database_path)
        journal = StatusJournal(database)
        reporter = FleetReporter(config, database, fleet.tokens[KIOSK], clock=clock)
        ui_says(config, clock)
        journal.record({**reporter.sample(), "state": "exploded"})
        clock.advance(15)
        ui_says(config, clock)
        refused = reporter.take_and_ship()
        wrong = FleetReporter(config, database, "pas-le-bon-jeton", clock=clock)
        clock.advance(15)
        ui_says(config, clock)
        kept = wrong.take_and_ship()
        clock.advance(15)
        ui_says(config, clock)
        shipped = reporter.take_and_ship()
    away = FleetReporter(
        reporter_config(tmp_path, f"http://127.0.0.1:{closed_port()}", KIOSK),
        database,
        "x",
        clock=clock,
    )
    unreachable = away.take_and_ship()
    database.close()

    assert (refused.shipped, refused.refused, refused.kept) == (1, 1, 0)
    assert refused.reason.startswith("422 ")
    assert not refused.complete
    assert "1 status sample(s) refused for good by the fleet monitor" in refused.problem()
    assert (kept.shipped, kept.refused, kept.kept) == (0, 0, 1)
    assert kept.reason.startswith("401 ")
    assert "1 status sample(s) kept for later" in kept.problem()
    assert (shipped.shipped, shipped.refused, shipped.kept, shipped.complete) == (2, 0, 0, True)
    assert shipped.problem() == ""
    assert (unreachable.shipped, unreachable.kept) == (0, 1)
    assert unreachable.reason == "unreachable (ConnectionError)"


def agent_once(tmp_path: Path, backend: str, fleet: str, token: str) -> CompletedProcess[str]:
    """Run ``kiosk agent --once`` for the kiosk in ``tmp_path`` with ``token``."""
    token_file = tmp_path / "fleet.token"
    token_file.write_text(token + "\n", encoding="utf-8")
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\nid = "{KIOSK}"\ndata_dir = "{tmp_path / "données"}"\n'
        f'status_file = "{tmp_path / "status.json"}"\n[backend]\nurl = "{backend}"\n'
        f'[fleet]\nurl = "{fleet}"\ntoken_file = "{token_file}"\n',
        encoding="utf-8",
    )
    return subprocess.run(
        [KIOSK_COMMAND, "agent", "--once", "--config", str(config)],
        capture_output=True, text=True, timeout=120, env=kiosk_env(), check=False,
    )  # fmt: skip


def test_kiosk_agent_once_exits_non_zero_while_the_monitor_does_not_take_the_samples(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    with serve_fleet(tmp_path, {KIOSK: "Place Ville Marie, kiosque 2"}) as fleet:
        wrong = agent_once(tmp_path, sandbox.url, fleet.url, "pas-le-bon-jeton")
        away = agent_once(tmp_path, sandbox.url, f"http://127.0.0.1:{closed_port()}", "x")
        right = agent_once(tmp_path, sandbox.url, fleet.url, fleet.tokens[KIOSK])
        arrived = sum(len(run.times) for run in fleet.store.runs(KIOSK))

    assert wrong.returncode == 1, wrong.stderr
    assert "0 status sample(s) shipped" in wrong.stdout
    assert "kiosk agent: 1 status sample(s) kept for later" in wrong.stderr
    assert "401 " in wrong.stderr
    assert "wrong token" in wrong.stderr
    assert "pas-le-bon-jeton" not in wrong.stderr
    assert away.returncode == 1, away.stderr
    assert "2 status sample(s) kept for later: unreachable (ConnectionError)" in away.stderr
    assert right.returncode == 0, right.stderr
    assert "3 status sample(s) shipped to the fleet monitor" in right.stdout
    assert "kiosk agent:" not in right.stderr
    assert arrived == 3
