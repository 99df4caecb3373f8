"""The ``kiosk`` commands a technician uses on site: status, outbox, device self-tests, the
PIN, the out-of-service screen. ``kiosk_app.cli`` parses the command line and calls these."""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from kiosk_app.config import KioskConfig
from transactions.errors import KioskError


def technician_pin(out: Path | None) -> int:
    import getpass

    from offline_store.secret_hash import hash_secret

    pin = getpass.getpass("new PIN: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
    if not (pin.isdigit() and 6 <= len(pin) <= 12):
        print("kiosk: the PIN must be 6 to 12 digits", file=sys.stderr)
        return 2
    stored = hash_secret(pin)
    if out is None:
        print(stored)
        return 0
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(stored + "\n")
    print(f"PIN hash written to {out}: install it as the credential kiosk-technician-pin")
    return 0


def out_of_service(config: KioskConfig, reason: str) -> int:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise KioskError("no display to draw on: this runs in the kiosk's cage session")
    from kiosk_app.ui.kivy_setup import configure_kivy

    configure_kivy(config.ui, Path(tempfile.mkdtemp(prefix="kiosk-kivy-")))
    from kiosk_app.ui.out_of_service_app import OutOfServiceApp

    app = OutOfServiceApp(reason)
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda _signum, _frame: app.stop())
    app.run()
    return 0


def status(config: KioskConfig, as_json: bool) -> int:
    from kiosk_app.kiosk_status import read_status

    status = read_status(config.status_path)
    if status is None:
        message = f"no state published at {config.status_path}: is the kiosk running?"
        print(json.dumps({"state": None, "error": message}) if as_json else message)
        return 2
    if as_json:
        print(json.dumps(asdict(status), ensure_ascii=False))
    else:
        line = f"{status.state} since {status.since} (last heard {status.at})"
        if status.reason:
            line += f": {status.reason}"
        if status.unavailable:
            line += f" (unavailable: {', '.join(status.unavailable)})"
        print(line)
    return {"up": 0, "degraded": 1}.get(status.state, 2)


def outbox(config: KioskConfig, action: str, as_json: bool, reference: str | None) -> int:
    from datetime import UTC, datetime

    from offline_store.database import KioskDatabase
    from offline_store.outbox import refused, retry_now, status, waiting

    if not config.database_path.exists():
        raise KioskError(f"no kiosk database at {config.database_path}: check kiosk.data_dir")
    # The outbox's listing holds nothing sealed: no key needed. Only `retry` writes, and
    # even it opens the file as it is (no key made, nothing moved aside on a busy file).
    database = KioskDatabase(
        config.database_path,
        config.pii_key_file,
        read_only=action != "retry",
        need_key=False,
    )
    try:
        if action == "retry":
            count = retry_now(database, datetime.now(UTC), reference)
        entries = waiting(database)
        given_up = refused(database)
    finally:
        database.close()
    if action == "retry":
        if reference is not None and count == 0:
            print(f"nothing waits for {reference}", file=sys.stderr)
            return 1
        print(f"{count} waiting call(s) due now; the agent sends them within its poll interval")
        return 0
    if action == "export":
        for entry in [*entries, *given_up]:
            print(json.dumps(entry.as_json(), ensure_ascii=False))
        return 0
    if action == "status":
        summary = status(entries, datetime.now(UTC))
        if as_json:
            print(json.dumps(summary, ensure_ascii=False))
        else:
            print(f"{summary['depth']} waiting; oldest {summary['oldest_reference'] or '-'}")
            for state, count in sorted(summary["by_state"].items()):
                print(f"  {state}: {count}")
        return 0
    if as_json:
        print(json.dumps([e.as_json() for e in [*entries, *given_up]], ensure_ascii=False))
        return 0
    for entry in entries:
        print(
            f"{entry.reference}  {entry.service:<22} {entry.state:<16} {entry.last_step:<9} "
            f"attempts {entry.attempts:<3} {entry.failure_code or '':<20} "
            f"next {entry.next_attempt_at}  since {entry.created_at}"
        )
    if given_up:
        print("refused for good (a payment was given back; tell the citizen's ministry):")
        for entry in given_up:
            print(
                f"{entry.reference}  {entry.service:<22} {entry.state:<16} {entry.last_step:<9} "
                f"{entry.failure_code or ''}  since {entry.created_at}"
            )
    return 0


def diagnose_devices(config: KioskConfig, as_json: bool, test_page: bool) -> int:
    from admin_tools.diagnostics.devices import check_devices, report, verdict
    from kiosk_app.bootstrap import build_devices
    from transactions.ministries.payments_client import HttpPaymentGateway

    # Self-tests never reach the gateway; a placeholder URL keeps the sandbox unstarted.
    gateway = HttpPaymentGateway(config.backend_url or "http://127.0.0.1:9")
    checks = check_devices(build_devices(config, gateway).configured, test_page)
    if as_json:
        print(json.dumps(report(checks), indent=2, ensure_ascii=False))
    else:
        marks = {"ok": "OK  ", "degraded": "WARN", "down": "DOWN", "unknown": "??  "}
        for check in checks:
            line = check.as_json()
            print(f"[{marks[line['status']]}] {line['name']} ({line['driver']}): {line['detail']}")
            if line["fix"]:
                print(f"       fix: {line['fix']}")
            if "card" in line:
                card = line["card"]
                print(
                    f"       card: {card['brand']} **** {card['last4']}, expires {card['expiry']}"
                )
        print(f"verdict: {verdict(checks).value}")
    return verdict(checks).exit_code
