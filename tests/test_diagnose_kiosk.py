"""`kiosk diagnose`: every check with its verdict and fix, against the real sandbox.

The devices' own verdicts (paper out, reader missing, terminal silent) are in
tests/test_diagnose_devices.py; `kiosk diagnose` runs the same self-tests.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kiosk_runs import KIOSK, kiosk_env
from sample_records import queued_fine
from unusable_files import UNUSABLE_FILES

from admin_tools.diagnostics.kiosk_checks import backend_verdict, is_loopback_url
from kiosk_app.kiosk_status import KioskStatus, publish
from ministry_sandbox.testing import SandboxClient
from offline_store import outbox_items
from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal
from offline_store.secret_hash import hash_secret


def kiosk_at(tmp_path: Path, url: str, extra: str = "") -> Path:
    """Write a kiosk's config, create its database and publish a fresh touchscreen state."""
    data = tmp_path / "data"
    config = tmp_path / "kiosk.toml"
    pin = tmp_path / "technician-pin"
    pin.write_text(hash_secret("482917") + "\n", encoding="utf-8")
    config.write_text(
        f'[kiosk]\ndata_dir = "{data}"\nstatus_file = "{tmp_path / "status.json"}"\n'
        f'technician_pin_file = "{pin}"\n{extra}[backend]\nurl = "{url}"\n',
        encoding="utf-8",
    )
    KioskDatabase(data / "kiosk.db").close()
    publish(tmp_path / "status.json", KioskStatus.of(None, frozenset()))
    return config


def diagnose(config: Path) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [KIOSK, "diagnose", "--json", "--config", str(config)],
        capture_output=True, text=True, timeout=120, env=kiosk_env(), check=False,
    )  # fmt: skip
    return done.returncode, json.loads(done.stdout)


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in report["checks"]}


def test_a_healthy_kiosk_is_all_ok_with_latencies_and_the_clock(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    code, report = diagnose(kiosk_at(tmp_path, sandbox.url))
    checks = by_name(report)
    assert code == 0, report
    assert report["verdict"] == "ok"
    for backend in ("payments", "fines", "transport", "health", "natural-resources"):
        assert checks[f"backend {backend}"]["status"] == "ok"
        assert checks[f"backend {backend}"]["latency_ms"] >= 0
    assert checks["clock"]["status"] == "ok"
    assert checks["database"]["detail"] == "integrity ok"
    assert checks["outbox"]["depth"] == 0
    assert checks["software"]["detail"].startswith("version ")


def test_a_backend_down_makes_the_kiosk_down_with_the_fix(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    sandbox.set_faults(outage=True, paths=["/fines/v1"])
    try:
        code, report = diagnose(kiosk_at(tmp_path, sandbox.url))
    finally:
        sandbox.clear_faults()
    fines = by_name(report)["backend fines"]
    assert code == 2
    assert (fines["status"], fines["detail"]) == ("down", "answers 503")
    assert "help desk" in fines["fix"]


def test_a_full_disk_an_old_outbox_and_a_silent_touchscreen_are_each_named(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    config = kiosk_at(tmp_path, sandbox.url, extra="min_free_mb = 1000000\n")
    database = KioskDatabase(tmp_path / "data" / "kiosk.db")
    journal = SqliteJournal(database)
    record = queued_fine("t-old")
    journal.open_transaction(record)
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    with database.transaction() as db:
        outbox_items.sync(db, record, "post_queued", None, two_hours_ago)
    database.close()
    stale = KioskStatus.of(None, frozenset())
    publish(tmp_path / "status.json", replace(stale, at=(two_hours_ago).isoformat()))
    code, report = diagnose(config)
    checks = by_name(report)
    assert code == 2
    assert checks["disk"]["status"] == "down"
    assert "journalctl --vacuum-size" in checks["disk"]["fix"]
    assert checks["outbox"]["status"] == "degraded"
    assert checks["outbox"]["depth"] == 1
    assert "the oldest for 2.0 h" in checks["outbox"]["detail"]
    assert checks["touchscreen"]["status"] == "down"
    assert "systemctl restart kiosk-ui" in checks["touchscreen"]["fix"]


def test_a_config_that_does_not_load_is_reported_down_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[ui]\ndefault_language = "es"\n', encoding="utf-8")
    code, report = diagnose(config)
    [check] = report["checks"]
    assert code == 2
    assert check["name"] == "configuration"
    assert "ui.default_language" in check["detail"]


def test_the_terminal_output_has_a_verdict_and_progress_for_the_slow_checks(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    done = subprocess.run(
        [KIOSK, "diagnose", "--config", str(kiosk_at(tmp_path, sandbox.url))],
        capture_output=True, text=True, timeout=120, env=kiosk_env(), check=False,
    )  # fmt: skip
    assert done.returncode == 0
    assert done.stdout.strip().endswith("verdict: OK")
    assert "… probing the backends" in done.stderr


def test_a_kiosk_without_a_technician_pin_is_degraded_with_the_command_to_make_one(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    config = kiosk_at(tmp_path, sandbox.url)
    (tmp_path / "technician-pin").unlink()
    text = config.read_text(encoding="utf-8").replace(
        f'technician_pin_file = "{tmp_path / "technician-pin"}"\n', ""
    )
    config.write_text(text, encoding="utf-8")
    code, report = diagnose(config)
    pin = by_name(report)["technician PIN"]
    assert code == 1
    assert (pin["status"], pin["detail"]) == (
        "degraded",
        "not set: maintenance mode cannot open on the screen",
    )
    assert pin["fix"].startswith("kiosk technician pin --out ")

    (tmp_path / "not-a-hash").write_text("482917\n", encoding="utf-8")  # the PIN itself
    pin_line = f'technician_pin_file = "{tmp_path / "not-a-hash"}"\n'
    config.write_text(text.replace("status_file", pin_line + "status_file"), encoding="utf-8")
    code, report = diagnose(config)
    pin = by_name(report)["technician PIN"]
    assert (code, pin["status"]) == (1, "degraded")
    assert "not-a-hash holds no PIN hash" in pin["detail"]


def test_a_backend_over_plain_http_off_this_machine_is_degraded_for_no_tls() -> None:
    for url in ("http://example.test", "http://backends.québec.example:8080", "http://192.0.2.7"):
        check = backend_verdict("fines", url, 200, 0.05)
        assert (check.name, check.status) == ("backend fines", "degraded"), url
        assert "no TLS" in check.detail
        assert "https://" in check.fix
        assert check.data == {"latency_ms": 50}


def test_a_backend_on_this_machine_or_over_https_is_ok_without_tls_or_with_it() -> None:
    local = ("http://127.0.0.1:8700", "http://127.8.9.10", "http://localhost:8700", "http://[::1]")
    for url in local:
        check = backend_verdict("payments", url, 200, 0.012)
        assert check.status == "ok", url
        assert check.detail == "12 ms, no TLS (this machine)"
    secure = backend_verdict("payments", "https://example.test", 200, 0.012)
    assert (secure.status, secure.detail) == ("ok", "12 ms, TLS valid")


def test_names_that_only_look_local_are_not_loopback() -> None:
    assert is_loopback_url("http://LOCALHOST:8700")
    assert is_loopback_url("http://[::ffff:127.0.0.1]:8700")
    for url in ("http://localhost.example.test", "http://127.0.0.1.nip.io", "http://0.0.0.0"):
        assert not is_loopback_url(url), url


def test_a_slow_or_failing_backend_keeps_its_verdict_over_plain_http() -> None:
    failing = backend_verdict("health", "http://example.test", 503, 0.05)
    assert (failing.status, failing.detail) == ("down", "answers 503")
    slow = backend_verdict("health", "http://example.test", 200, 2.5)
    assert slow.status == "degraded"
    assert "slow (2500 ms)" in slow.detail
    assert "no TLS" in slow.detail


@pytest.mark.parametrize("kind", sorted(UNUSABLE_FILES))
def test_a_config_that_cannot_be_read_is_reported_down_naming_the_file(
    tmp_path: Path, kind: str
) -> None:
    config = UNUSABLE_FILES[kind][0](tmp_path)
    code, report = diagnose(config)
    [check] = report["checks"]
    assert (code, report["verdict"]) == (2, "down")
    assert (check["name"], check["status"]) == ("configuration", "down")
    assert str(config) in check["detail"]
