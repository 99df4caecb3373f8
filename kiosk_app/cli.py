"""The ``kiosk`` command: run the kiosk, show the demo, walk a citizen through a service.

Exit codes: 0 done; 1 the citizen could not finish (card declined, notice refused);
2 the command could not run (bad configuration, bad answers file, kiosk stuck).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk_app import technician_cli
from kiosk_app.config import ConfigError, KioskConfig, default_config_path, load_config
from kiosk_app.processes import run_agent, run_touchscreen
from transactions.errors import KioskError
from transactions.services import SERVICES
from transactions.version import software_version

if TYPE_CHECKING:  # imported where used: each command loads only what it needs
    pass

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of every ``kiosk`` command."""
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="Self-service government kiosk, in French and English: citizens renew a "
        "vehicle registration, pay fines and parking tickets, change their address with "
        "several programmes at once, get a driver's record, order a personalized plate or "
        "renew an Outdoors Card, paying by card where there is a fee, and leave with a "
        "printed receipt. Technicians check it with diagnose, status, outbox and logs bundle.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {software_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the kiosk's touchscreen",
        description="Run the kiosk's touchscreen on this machine's display (fullscreen). "
        "Interrupted transactions are finished first from the journal.",
    )
    _add_config(run)

    demo = commands.add_parser(
        "demo",
        help="run the kiosk on its embedded defaults (sandbox backends, simulated devices)",
        description="Run the kiosk with the embedded sandbox backends and simulated devices. "
        "With a display, you use it yourself; without one (or with --headless), a scripted "
        "citizen pays a fine under a virtual display and a screenshot of every screen is "
        "written to the output folder.",
    )
    _add_config(demo, embedded=True)
    demo.add_argument(
        "--output", type=Path, default=Path("demo-output"), help="where screenshots go"
    )
    demo.add_argument("--headless", action="store_true", help="always play the scripted citizen")

    walk = commands.add_parser(
        "walkthrough",
        help="drive the real UI as a citizen would and measure the visit",
        description="Drive the real touchscreen UI through SERVICE by touching widgets as a "
        "person would, with the citizen's answers from a JSON file (default: a built-in "
        "sample citizen), and report each screen's modelled citizen time and measured kiosk "
        "wait. Runs on a virtual display when there is no screen.",
    )
    walk.add_argument("service", choices=SERVICES, help="the service to walk through")
    walk.add_argument("--answers", type=Path, help="JSON answers (see README: walkthrough answers)")
    walk.add_argument("--backend", help="backend base URL (default: an embedded sandbox)")
    walk.add_argument("--json", action="store_true", help="print the report as JSON")
    walk.add_argument("--screenshots", type=Path, help="write a PNG of every screen here")
    walk.add_argument("--receipt-out", type=Path, help="write the receipt's raw ESC/POS bytes here")
    walk.add_argument(
        "--data-dir", type=Path, help="kiosk state folder (default: a fresh temporary one)"
    )
    _add_config(walk)

    outbox = commands.add_parser(
        "outbox",
        help="what waits to be sent to the backends (no personal data)",
        description="Show the backend calls the kiosk still has to make: `status` (how "
        "many, per state, the oldest), `list` (one line each: reference, service, state, "
        "call, attempts, last failure, next attempt; then the calls refused for good, whose "
        "payment was given back), `export` (JSON lines, for a support case), `retry` (make "
        "every waiting call, or one reference's, due now: the agent tries it within its "
        "poll interval). Nothing personal is read or printed. `kiosk agent` sends them.",
    )
    outbox.add_argument("action", choices=("status", "list", "export", "retry"))
    outbox.add_argument("--json", action="store_true", help="print JSON")
    outbox.add_argument("--reference", help="with retry: only this reference (K-XXXX-XXXX)")
    _add_config(outbox)

    status = commands.add_parser(
        "status",
        help="the kiosk's state as its touchscreen last published it",
        description="Print the state the running kiosk published: up (every service can be "
        "sold), degraded (some cannot: their backends are down) or down (out of service: "
        "its storage cannot record a transaction, with the reason), and since when. Exit "
        "code 0 up, 1 degraded, 2 down or never published. Read from kiosk.status_file.",
    )
    status.add_argument("--json", action="store_true", help="print JSON")
    _add_config(status)

    agent = commands.add_parser(
        "agent",
        help="send what waits in the outbox to the backends, until stopped",
        description="Drain the outbox: each waiting call (posting, capture, reversal, "
        "change of address) is made with its idempotency key, retried with exponential "
        "backoff and jitter (never sooner than a backend's Retry-After), in order per "
        "citizen and programme. A posting refused for good after payment voids the payment "
        "and stays listed by `kiosk outbox list`. SIGTERM finishes the call in progress, "
        "then exits 0. With fleet.url set, it also records a status sample every "
        "fleet.sample_seconds and ships them to the fleet monitor (those taken while it is "
        "unreachable go later). Needs backend.url (the demo runs its agent inside the kiosk).",
    )
    agent.add_argument(
        "--once",
        action="store_true",
        help="make the calls due now and ship the samples, then exit "
        "(1 if a sample did not reach the fleet monitor)",
    )
    _add_config(agent)

    technician = commands.add_parser(
        "technician",
        help="the technician's PIN for on-kiosk maintenance",
        description="`technician pin` reads a new PIN (6 to 12 digits) from standard input "
        "and writes its scrypt hash (never the PIN) to --out, readable only by its owner, or "
        "prints it: install it as the systemd credential kiosk-technician-pin. Ten wrong "
        "PINs in a row lock maintenance for 30 minutes, across restarts.",
    )
    technician_actions = technician.add_subparsers(dest="action", required=True)
    pin = technician_actions.add_parser("pin", help="hash a new PIN (read from stdin)")
    pin.add_argument("--out", type=Path, help="write the hash here (mode 0600)")

    logs = commands.add_parser(
        "logs",
        help="support archive: logs, config, diagnostics, versions (redacted)",
        description="`logs bundle` writes a tar.gz for a support case: the journal of the "
        "kiosk's units, log files in its data folder, the config with secret values blanked, "
        "kiosk diagnose --json, the outbox's status and the versions. Personal data and "
        "secrets are taken out: the values the kiosk still holds, its keys and token, and "
        "anything shaped like a card, health card or licence number, a postal code, an "
        "e-mail address or a telephone number.",
    )
    log_actions = logs.add_subparsers(dest="action", required=True)
    bundle = log_actions.add_parser("bundle", help="write the support archive")
    bundle.add_argument(
        "--out", type=Path, help="the archive (default: kiosk-support-<time>.tar.gz)"
    )
    bundle.add_argument("--since", default="-2d", help="journal from (journalctl --since; -2d)")
    _add_config(bundle)

    out = commands.add_parser(
        "out-of-service",
        help="show only the out-of-service screen (after repeated crashes)",
        description="Show the bilingual out-of-service screen and nothing else, with the "
        "reason for the technician; it needs no database, backend or device. "
        "kiosk-out-of-service.service runs it when kiosk-ui.service has failed too often.",
    )
    out.add_argument("--reason", default="ui_crashed", help="the code shown to technicians")
    _add_config(out)

    shots = commands.add_parser(
        "screenshots",
        help="photograph every screen in both languages and check that no text overflows",
        description="Play every service's sample citizen on a virtual display at each SIZE "
        "and write a PNG of every screen, in French and in English, to OUT/WxH/. Every "
        "screen is also checked in large-text mode: text cut off, a widget off the screen, "
        "a touch target under 2 cm or a main control in the upper half is a problem. Exits "
        "1 if there is any.",
    )
    shots.add_argument("--out", type=Path, default=Path("screenshots"), help="output folder")
    shots.add_argument(
        "--size",
        action="append",
        dest="sizes",
        help="window size WxH (repeatable; default 1080x1920 and 1920x1080)",
    )
    shots.add_argument("--json", action="store_true", help="print the report as JSON")
    shots.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    _add_config(shots)

    diagnose = commands.add_parser(
        "diagnose",
        help="check the kiosk for a technician",
        description="Check everything a technician needs and say what to fix: the devices "
        "(their self-tests), each backend (reachable, TLS, latency), the fleet monitor, the "
        "clock against the backends, disk space, the database's integrity, the outbox's depth "
        "and oldest call, the touchscreen, the software version and the config. "
        "Exit code: 0 all good, 1 degraded, 2 down. `diagnose devices` checks the devices only.",
    )
    _add_config(diagnose)
    diagnose.add_argument("--json", action="store_true", help="print the report as JSON")
    diagnose.add_argument(
        "--test-page", action="store_true", help="also print the printer's bilingual test page"
    )
    checks = diagnose.add_subparsers(dest="check", required=False, metavar="CHECK")
    devices = checks.add_parser(
        "devices",
        help="self-test every configured device",
        description="Self-test every device in the config (card reader: readers, card, ATR, "
        "EMV read; printer: status; payment terminal: link and status; scanner: port) and "
        "give a verdict with the fix to try. Exit code: 0 all good, 1 degraded, 2 down.",
    )
    _add_config(devices)
    devices.add_argument("--json", action="store_true", help="print the report as JSON")
    devices.add_argument(
        "--test-page", action="store_true", help="also print the printer's bilingual test page"
    )
    return parser


def _add_config(parser: argparse.ArgumentParser, embedded: bool = False) -> None:
    default = "embedded defaults" if embedded else "/etc/kiosk/kiosk.toml, else embedded defaults"
    parser.add_argument("--config", type=Path, help=f"the kiosk's TOML file (default: {default})")


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PRIVATE_UMASK = 0o077
"""Files the kiosk makes are its user's alone (0600, folders 0700): they hold citizens'
transactions and the key that seals them."""


def setup_logging(level: int, handler: logging.Handler | None = None) -> None:
    """Log at ``level`` to standard error (the journal, under systemd) or to ``handler``.

    urllib3 stays at WARNING whatever the level: its DEBUG lines print each request's URL,
    and backend URLs hold card, licence and health card numbers.
    """
    handler = handler or logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    """Run the ``kiosk`` command line."""
    # Private files from the first one made (database, key, logs, anything else), as under
    # systemd's UMask=0077, when a technician or a script runs the kiosk from a shell.
    os.umask(PRIVATE_UMASK)
    args = build_parser().parse_args(argv)
    setup_logging(logging.WARNING if getattr(args, "json", False) else logging.INFO)
    if args.command == "technician":
        return technician_cli.technician_pin(args.out)
    if args.config is None and args.command != "demo":  # the demo runs on embedded defaults
        args.config = default_config_path()
    try:
        if args.command == "diagnose" and args.check is None:
            try:
                config = load_config(args.config)
            except ConfigError as err:
                from kiosk_app.diagnose import config_error_report

                return config_error_report(str(err), args.json)
        config = load_config(args.config)
        if args.command == "run":
            return run_touchscreen(config)
        if args.command == "demo":
            return _demo(config, args.output, args.headless)
        if args.command == "diagnose" and args.check == "devices":
            return technician_cli.diagnose_devices(config, args.json, args.test_page)
        if args.command == "diagnose":
            from kiosk_app.diagnose import diagnose

            return diagnose(config, args.json, args.test_page)
        if args.command == "screenshots":
            return _screenshots(config, args)
        if args.command == "outbox":
            return technician_cli.outbox(config, args.action, args.json, args.reference)
        if args.command == "agent":
            return run_agent(config, args.once)
        if args.command == "status":
            return technician_cli.status(config, args.json)
        if args.command == "out-of-service":
            return technician_cli.out_of_service(config, args.reason)
        if args.command == "logs":
            from kiosk_app.support import bundle as write_support_bundle

            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            target = args.out or Path(f"kiosk-support-{stamp}.tar.gz")
            print(write_support_bundle(config, args.config, target, args.since))
            return 0
        return _walkthrough(config, args)
    except KioskError as err:
        print(f"kiosk: {err}", file=sys.stderr)
        return 2


SCREEN_SIZES = ("1080x1920", "1920x1080")
"""Portrait and landscape kiosk panels."""


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    if not (width.isdigit() and height.isdigit()):
        raise KioskError(f"--size {text!r}: use WIDTHxHEIGHT, e.g. 1080x1920")
    return int(width), int(height)


def _screenshots(config: KioskConfig, args: argparse.Namespace) -> int:
    sizes = args.sizes or list(SCREEN_SIZES)
    if args.one:
        from kiosk_app.walkthrough.gallery import run_gallery

        width, height = _size(sizes[0])
        with tempfile.TemporaryDirectory(prefix="kiosk-screenshots-") as data:
            sized = replace(
                config,
                data_dir=Path(data),
                ui=replace(config.ui, width=width, height=height, fullscreen=False),
            )
            report = run_gallery(sized, args.out / sizes[0])
        print(json.dumps(report, ensure_ascii=False))
        return 0
    # One process per size (Kivy's window and the virtual display are sized at start),
    # all at once: each has its own display.
    running = []
    for size in sizes:
        _size(size)
        command = [sys.executable, "-m", "kiosk_app.cli", "screenshots", "--one", "--size", size]
        command += ["--out", str(args.out)]
        if args.config is not None:
            command += ["--config", str(args.config)]
        running.append(
            (size, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        )
    reports = []
    for size, process in running:
        out, err = process.communicate()
        lines = out.decode().strip().splitlines()
        if process.returncode != 0 or not lines:
            raise KioskError(f"screenshots at {size} failed: {err.decode().strip()[-2000:]}")
        reports.append(json.loads(lines[-1]))
    problems = sum(len(found) for report in reports for found in report["problems"].values())
    failed = [r["size"] for r in reports if not r["completed"]]
    if args.json:
        print(json.dumps({"sizes": reports}, indent=2, ensure_ascii=False))
    else:
        for report in reports:
            print(f"{report['size']}: {len(report['screenshots'])} screenshots in {args.out}")
            for where, found in report["problems"].items():
                for problem in found:
                    print(f"  {where}: {problem}")
            if not report["completed"]:
                print(f"  the walk stopped: {report['outcome']} {report['error'] or ''}")
    return 1 if problems or failed else 0


def _demo(config: KioskConfig, output: Path, headless: bool) -> int:
    if not headless and (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as data:
            return run_touchscreen(
                replace(config, data_dir=Path(data), ui=replace(config.ui, fullscreen=False))
            )
    from device_drivers.escpos.decode import decode_job
    from kiosk_app.walkthrough.answers import load_answers
    from kiosk_app.walkthrough.runner import run_walkthrough

    output.mkdir(parents=True, exist_ok=True)
    for old in output.glob("*.png"):
        old.unlink()
    receipt = output / "receipt.escpos"
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as data:
        report = run_walkthrough(
            replace(config, data_dir=Path(data)),
            "fine",
            load_answers("fine", None),
            screenshots=output,
            receipt_out=receipt,
        )
    if report.get("receipt_png"):
        print(f"The receipt as printed: {report['receipt_png']}")
    if receipt.exists():
        (output / "receipt.txt").write_text(decode_job(receipt.read_bytes()).text + "\n", "utf-8")
    (output / "walkthrough.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    )
    print(
        "A scripted citizen paid a fine at the kiosk (no display here, so it ran on a virtual one)."
    )
    print(f"Outcome: {report['outcome']}; reference {report['reference']}.")
    print(f"Screenshots of every screen: {output.resolve()}/")
    for path in report.get("screenshots", []):
        print(f"  {path}")
    if receipt.exists():
        print(f"The printed receipt, as text: {(output / 'receipt.txt').resolve()}")
    return 0 if report["completed"] else 1


def _walkthrough(config: KioskConfig, args: argparse.Namespace) -> int:
    from kiosk_app.walkthrough.answers import load_answers
    from kiosk_app.walkthrough.runner import run_walkthrough

    answers = load_answers(args.service, args.answers)
    if args.backend:
        config = replace(config, backend_url=args.backend.rstrip("/"))
    with tempfile.TemporaryDirectory(prefix="kiosk-walkthrough-") as scratch:
        data_dir = args.data_dir or Path(scratch)
        report = run_walkthrough(
            replace(config, data_dir=data_dir),
            args.service,
            answers,
            screenshots=args.screenshots,
            receipt_out=args.receipt_out,
        )
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print_report(report)
    if report["error"]:
        return 2
    return 0 if report["completed"] else 1


def _print_report(report: dict[str, object]) -> None:
    print(f"{report['service']}: {report['outcome']} (reference {report['reference']})")
    for visit in report["screens"]:  # type: ignore[attr-defined]
        print(
            f"  {visit['screen']:<16} citizen {visit['citizen_seconds']:6.2f} s"
            f"   kiosk wait {visit['wait_seconds']:6.3f} s"
        )
    print(
        f"  total: citizen {report['total_citizen_seconds']} s, kiosk wait "
        f"{report['total_wait_seconds']} s, {report['taps']} taps, {report['keys']} keys"
    )
    if report["error"]:
        print(f"  error: {report['error']}")


if __name__ == "__main__":
    sys.exit(main())
