"""`kiosk diagnose`: every check with its verdict and fix, against the real sandbox.

The devices' own verdicts (paper out, reader missing, terminal silent) are in
tests/test_diagnose_devices.py; `kiosk diagnose` runs the same self-tests.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fleet_support import serve_fleet
from kiosk_runs import KIOSK, kiosk_env
from sample_records import queued_fine
from unusable_files import UNUSABLE_FILES

from admin_tools.diagnostics.kiosk_checks import backend_verdict, fleet_verdict, is_loopback_url
from kiosk_app.config import KioskConfig
from kiosk_app.diagnose import fleet_monitor_check
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


# --- the fleet monitor: the kiosk's id and token, checked as the agent will send them ---------

FLEET_KIOSK = "lévis-côté-3b"
FLEET_SITE = "Galeries Chagnon, local 12-B"


def with_fleet(config: Path, kiosk_id: str, url: str, token: str) -> Path:
    """Give the kiosk at ``config`` an id, a monitor and a token file holding ``token``."""
    token_file = config.parent / "credentials" / "fleet.token"
    token_file.parent.mkdir(mode=0o700, exist_ok=True)
    token_file.write_text(token + "\n", encoding="utf-8")
    text = config.read_text(encoding="utf-8").replace("[kiosk]\n", f'[kiosk]\nid = "{kiosk_id}"\n')
    text += f'[fleet]\nurl = "{url}"\ntoken_file = "{token_file}"\n'
    config.write_text(text, encoding="utf-8")
    return config


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_kiosk_the_fleet_monitor_accepts_by_id_and_token_is_ok_naming_its_site(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    with serve_fleet(tmp_path, {FLEET_KIOSK: FLEET_SITE}) as fleet:
        config = kiosk_at(tmp_path, sandbox.url)
        code, report = diagnose(
            with_fleet(config, FLEET_KIOSK, fleet.url, fleet.tokens[FLEET_KIOSK])
        )
    check = by_name(report)["fleet monitor"]
    assert (code, report["verdict"]) == (0, "ok"), report
    assert check["status"] == "ok"
    assert check["detail"].startswith(f"accepts kiosk {FLEET_KIOSK} ({FLEET_SITE}), ")
    assert check["detail"].endswith(" ms, no TLS (this machine)")
    assert check["latency_ms"] >= 0


def test_a_wrong_fleet_token_is_down_with_the_command_that_prints_the_right_one(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    with serve_fleet(tmp_path, {FLEET_KIOSK: FLEET_SITE, "ottawa-rideau-01": "Rideau"}) as fleet:
        config = kiosk_at(tmp_path, sandbox.url)
        wrong = fleet.tokens["ottawa-rideau-01"]  # a real token, of another kiosk
        code, report = diagnose(with_fleet(config, FLEET_KIOSK, fleet.url, wrong))
    check = by_name(report)["fleet monitor"]
    assert (code, report["verdict"]) == (2, "down")
    assert check["status"] == "down"
    assert f"refuses kiosk {FLEET_KIOSK}" in check["detail"]
    assert "wrong token" in check["detail"]
    assert f"kiosk-fleet kiosks add {FLEET_KIOSK}" in check["fix"]
    assert str(tmp_path / "credentials" / "fleet.token") in check["fix"]
    assert "systemctl restart kiosk-agent" in check["fix"]
    assert wrong not in json.dumps(report)  # never the token itself


def fleet_config(tmp_path: Path, kiosk_id: str, url: str, token: str | None) -> KioskConfig:
    """Return a kiosk's config naming its monitor and a token file (absent when None)."""
    token_file = tmp_path / "credentials" / "fleet.token"
    token_file.parent.mkdir(mode=0o700, exist_ok=True)
    if token is not None:
        token_file.write_text(token + "\n", encoding="utf-8")
    return replace(KioskConfig(), kiosk_id=kiosk_id, fleet_url=url, fleet_token_file=token_file)


def test_a_kiosk_id_the_fleet_monitor_does_not_know_is_down_naming_the_id(
    tmp_path: Path,
) -> None:
    with serve_fleet(tmp_path, {FLEET_KIOSK: FLEET_SITE}) as fleet:
        token = fleet.tokens[FLEET_KIOSK]  # the right token, under a mistyped id
        check = fleet_monitor_check(fleet_config(tmp_path, "levis-cote-3b", fleet.url, token))
    assert check.status == "down"
    assert "refuses kiosk levis-cote-3b" in check.detail
    assert "not registered" in check.detail
    assert "[kiosk] id" in check.fix
    assert "kiosk-fleet kiosks add levis-cote-3b" in check.fix


def test_an_unreachable_fleet_monitor_is_degraded_and_samples_wait(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    check = fleet_monitor_check(fleet_config(tmp_path, FLEET_KIOSK, url, "a-token"))
    assert (check.status, check.detail) == ("degraded", "unreachable: ConnectionError")
    assert "samples wait on the kiosk" in check.fix


def test_no_fleet_token_at_all_is_down_naming_where_it_goes(tmp_path: Path) -> None:
    with serve_fleet(tmp_path, {FLEET_KIOSK: FLEET_SITE}) as fleet:
        for token in (None, "", "  \n"):  # no file; empty, as installed before it is pasted
            config = fleet_config(tmp_path, FLEET_KIOSK, fleet.url, token)
            check = fleet_monitor_check(config, installed=tmp_path / "not-installed")
            assert check.status == "down", token
            assert "no token" in check.detail
            assert str(config.fleet_token_file) in check.fix
            assert f"kiosk-fleet kiosks add {FLEET_KIOSK}" in check.fix


def as_a_technician_without_sudo(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``work`` in a child process that may not read root's files; return its result."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)  # nobody
            os.write(write, json.dumps(work()).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        said = pipe.read()
    os.waitpid(pid, 0)
    result: dict[str, Any] = json.loads(said)
    return result


def test_a_fleet_token_this_shell_may_not_read_is_unknown_asking_for_sudo(
    tmp_path: Path,
) -> None:
    with serve_fleet(tmp_path, {FLEET_KIOSK: FLEET_SITE}) as fleet:
        config = fleet_config(tmp_path, FLEET_KIOSK, fleet.url, fleet.tokens[FLEET_KIOSK])
        folder = tmp_path / "credentials"
        folder.chmod(0o700 if os.geteuid() == 0 else 0o000)  # root's, as installed
        try:
            seen = as_a_technician_without_sudo(lambda: fleet_monitor_check(config).as_json())
        finally:
            folder.chmod(0o700)
    assert seen["status"] == "unknown", seen
    assert "run diagnose with sudo" in seen["detail"]
    assert seen["detail"].startswith("answers; ")


def test_a_fleet_monitor_over_plain_http_off_this_machine_is_degraded_for_no_tls() -> None:
    token_file = Path("/etc/kiosk/credentials/fleet.token")
    check = fleet_verdict(
        "http://fleet.québec.example", FLEET_KIOSK, 200, 0.03, site=FLEET_SITE,
        token_path=token_file,
    )  # fmt: skip
    assert check.status == "degraded"
    assert "no TLS" in check.detail
    assert "https://" in check.fix
    secure = fleet_verdict(
        "https://fleet.québec.example", FLEET_KIOSK, 200, 0.03, site=FLEET_SITE,
        token_path=token_file,
    )  # fmt: skip
    assert (secure.status, secure.detail) == (
        "ok", f"accepts kiosk {FLEET_KIOSK} ({FLEET_SITE}), 30 ms, TLS valid"
    )  # fmt: skip
    refused = fleet_verdict("http://192.0.2.7", FLEET_KIOSK, 401, 0.03, token_path=token_file)
    assert refused.status == "down"
    assert "no TLS" in refused.detail
    old = fleet_verdict("https://fleet.example", FLEET_KIOSK, 404, 0.03, token_path=token_file)
    assert old.status == "degraded"
    assert "update the fleet monitor" in old.fix
