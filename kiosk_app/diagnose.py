"""``kiosk diagnose``: every check a technician needs, with a verdict and the fix to try.

The checks themselves are in ``admin_tools.diagnostics``; this module gathers what they
need from the config, runs them (saying so before each slow one), prints them in colour
on a terminal or as JSON, and returns the exit code: 0 all good, 1 degraded, 2 down.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from admin_tools.diagnostics.devices import DeviceCheck, NamedDevice, check_devices
from admin_tools.diagnostics.devices import verdict as device_verdict
from admin_tools.diagnostics.kiosk_checks import (
    Check,
    backend_checks,
    clock_check,
    database_checks,
    disk_check,
    fleet_check,
    worst,
)
from kiosk_app.availability import PROBES
from kiosk_app.config import KioskConfig, credential_file
from kiosk_app.fleet_reporter import TOKEN_CREDENTIAL
from kiosk_app.kiosk_status import STALE_SECONDS, read_status
from transactions.errors import KioskError
from transactions.version import software_version

COLOURS = {"ok": "\033[32m", "degraded": "\033[33m", "down": "\033[31m", "unknown": "\033[35m"}
RESET = "\033[0m"
EXIT_CODES = {"ok": 0, "degraded": 1, "down": 2}
INSTALLED_PIN = Path("/etc/kiosk/credentials/technician-pin")
"""Where systemd/install-kiosk.sh keeps the PIN's hash (kiosk-ui's credential)."""
INSTALLED_FLEET_TOKEN = Path("/etc/kiosk/credentials/fleet.token")
"""Where systemd/install-kiosk.sh keeps the fleet token (kiosk-agent's credential)."""


def config_error_report(error: str, as_json: bool) -> int:
    """Report a config that does not load: the kiosk is down until it is fixed."""
    check = Check("configuration", "down", error, "fix what it names, then run diagnose again")
    _print([check], "down", as_json)
    return 2


def _progress(as_json: bool, what: str) -> None:
    if not as_json:
        print(f"… {what}", file=sys.stderr, flush=True)


def ui_check(config: KioskConfig) -> Check:
    """Judge the touchscreen by the state it publishes (and its heartbeat)."""
    status = read_status(config.status_path)
    if status is None:
        return Check(
            "touchscreen",
            "down",
            "never published its state: not running",
            "systemctl start kiosk-ui (journalctl -u kiosk-ui says why it stopped)",
        )
    age = status.age(datetime.now(UTC))
    if age > STALE_SECONDS:
        return Check(
            "touchscreen",
            "down",
            f"silent for {age:.0f} s: frozen or stopped",
            "systemctl restart kiosk-ui",
        )
    detail = f"{status.state}" + (f" ({status.reason})" if status.reason else "")
    if status.unavailable:
        detail += f"; unavailable: {', '.join(status.unavailable)}"
    state = "ok" if status.state == "up" else "down" if status.state == "down" else "degraded"
    return Check("touchscreen", state, detail, "see the checks below" if state != "ok" else "")


def device_check(device: DeviceCheck) -> Check:
    """Return a device's self-test as one of the kiosk's checks."""
    line = device.as_json()
    status = line["status"] if line["status"] in EXIT_CODES else "degraded"
    extra = {"driver": line["driver"], **({"card": line["card"]} if "card" in line else {})}
    return Check(f"device {line['name']}", status, line["detail"], line["fix"], extra)


def pin_check(config: KioskConfig, installed: Path = INSTALLED_PIN) -> Check:
    """Tell whether maintenance mode can open: a technician PIN hash is installed.

    Run from a shell, diagnose is not given kiosk-ui's credentials: it reads the installed
    file when it may (with sudo), and otherwise says where the PIN is checked.
    """
    from kiosk_app.maintenance import PIN_CREDENTIAL, load_pin_hash, read_pin_hash

    fix = f"kiosk technician pin --out {installed}"
    try:
        found = load_pin_hash(config)
        if found is None and credential_file(PIN_CREDENTIAL) is None and installed.exists():
            found = read_pin_hash(installed) if installed.stat().st_size else None
    except PermissionError:
        detail = f"kept in {installed}, given only to kiosk-ui: run diagnose with sudo"
        return Check("technician PIN", "unknown", detail, "")
    except KioskError as err:
        return Check("technician PIN", "degraded", str(err), fix)
    if found is None:
        detail = "not set: maintenance mode cannot open on the screen"
        return Check("technician PIN", "degraded", detail, fix)
    return Check("technician PIN", "ok", "set (scrypt hash)", "")


def fleet_monitor_check(config: KioskConfig, installed: Path = INSTALLED_FLEET_TOKEN) -> Check:
    """Check that the fleet monitor accepts this kiosk's id and the token the agent sends.

    The agent's token is its systemd credential, else ``fleet.token_file``; a shell has
    neither credential and may lack the right to read the file (then only whether the
    monitor answers is checked, and it says to use sudo).
    """
    path = config.fleet_token_file or installed
    if not config.fleet_url:
        return fleet_check("", config.kiosk_id, None, path)
    credential = credential_file(TOKEN_CREDENTIAL)
    token: str | None
    try:
        source = credential or path
        token = source.read_text(encoding="utf-8").strip() if source.exists() else ""
    except PermissionError:
        token = None
    except (OSError, UnicodeDecodeError) as err:
        detail = f"{path}: cannot read the token ({err})"
        return Check("fleet monitor", "down", detail, f"write the token again in {path}")
    return fleet_check(config.fleet_url, config.kiosk_id, token, path)


def run_checks(
    config: KioskConfig,
    devices: Sequence[NamedDevice],
    progress: Callable[[str], None] = lambda _what: None,
    test_page: bool = False,
) -> list[Check]:
    """Run every check on the kiosk whose ``devices`` are given; ``progress`` hears of each
    slow one before it starts. The touchscreen's maintenance mode runs these too."""
    checks: list[Check] = [Check("configuration", "ok", "valid", "")]
    checks.append(Check("software", "ok", f"version {software_version()}", ""))
    progress("self-testing the devices")
    device_checks = check_devices(devices, test_page)
    checks += [device_check(device) for device in device_checks]
    if device_verdict(device_checks).value == "down":
        checks.append(Check("devices", "down", "an essential device cannot serve", ""))
    if config.uses_embedded_sandbox:
        checks.append(Check("backends", "ok", "embedded sandbox (demo): no network to check", ""))
    else:
        progress("probing the backends")
        found, skew = backend_checks(config.backend_url, PROBES)
        checks += found
        checks.append(clock_check(skew))
    progress("checking the fleet monitor")
    checks.append(fleet_monitor_check(config))
    checks.append(disk_check(config.data_dir, int(config.min_free_mb * 1024 * 1024)))
    progress("checking the database")
    checks += database_checks(config.database_path, time.time())
    checks.append(ui_check(config))
    checks.append(pin_check(config))
    return checks


def diagnose(config: KioskConfig, as_json: bool, test_page: bool = False) -> int:
    """Run every check; print them; return the exit code."""
    from kiosk_app.bootstrap import build_devices
    from transactions.ministries.payments_client import HttpPaymentGateway

    gateway = HttpPaymentGateway(config.backend_url or "http://127.0.0.1:9")
    devices = build_devices(config, gateway).configured
    checks = run_checks(config, devices, lambda what: _progress(as_json, what), test_page)
    overall = worst([c.status for c in checks])
    _print(checks, overall, as_json)
    return EXIT_CODES[overall]


def _print(checks: list[Check], overall: str, as_json: bool) -> None:
    if as_json:
        report: dict[str, Any] = {"verdict": overall, "checks": [c.as_json() for c in checks]}
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return
    colour = sys.stdout.isatty()
    for check in checks:
        mark = f"{check.status.upper():<8}"
        if colour:
            mark = f"{COLOURS.get(check.status, '')}{mark}{RESET}"
        print(f"{mark} {check.name}: {check.detail}")
        if check.fix:
            print(f"         fix: {check.fix}")
    final = overall.upper()
    print(f"verdict: {COLOURS[overall]}{final}{RESET}" if colour else f"verdict: {final}")
