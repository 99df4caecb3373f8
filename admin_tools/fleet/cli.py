"""``kiosk-fleet``: the fleet monitor's command line (serve, register kiosks and users)."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from admin_tools.fleet.notifications import (
    NOTIFY_CREDENTIAL,
    NOTIFY_ENV,
    NOTIFY_MINISTRY_CREDENTIAL,
    NOTIFY_MINISTRY_ENV,
)
from transactions.version import software_version

if TYPE_CHECKING:
    from fastapi import FastAPI

    from admin_tools.fleet.notifications import Audience
    from admin_tools.fleet.notifier import Channel, Notifier
    from admin_tools.fleet.store import FleetStore

DEFAULT_DB = "fleet.db"
"""The SQLite file's name in systemd's state directory (``StateDirectory=kiosk-fleet``)."""
DATABASE_CREDENTIAL = "kiosk-fleet-database-url"
"""The systemd credential holding a ``postgresql://`` URL (``LoadCredential=``): a URL
with a password on the command line would show in ``ps``."""
NO_DATABASE = (
    "which database? give --db FILE (SQLite) or --db postgresql://…; as a service it "
    f"uses the credential {DATABASE_CREDENTIAL}, else {DEFAULT_DB} in its state directory"
)


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of ``kiosk-fleet``."""
    parser = argparse.ArgumentParser(
        prog="kiosk-fleet", description="The fleet monitor: kiosks' states, availability, reports."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {software_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve the monitor's API (and dashboard) over HTTP",
        description="Serve the fleet monitor: kiosks post their samples to /api/v1/samples "
        "with their token; ops users read /api/v1/availability (HTTP Basic).",
    )
    _add_db(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    serve.add_argument("--port", type=int, default=8800, help="port (%(default)s)")
    serve.add_argument("--grace", type=float, default=60.0, help="grace period, s (%(default)s)")
    _add_notify(serve)

    kiosks = commands.add_parser(
        "kiosks",
        help="register kiosks",
        description="Register a kiosk with its site; its token is printed once (only a hash "
        "of it is kept): put it in the kiosk's credentials.",
    )
    kiosk_actions = kiosks.add_subparsers(dest="action", required=True)
    add_kiosk = kiosk_actions.add_parser("add", help="register a kiosk and print its token")
    add_kiosk.add_argument("kiosk_id")
    add_kiosk.add_argument("--site", required=True, help="where it stands (a mall, a library)")
    _add_db(add_kiosk)

    users = commands.add_parser(
        "users",
        help="register dashboard and API users",
        description="Register a user with a role (ops: availability and reports; "
        "technician: kiosks and incidents). The password is read from standard input.",
    )
    user_actions = users.add_subparsers(dest="action", required=True)
    add_user = user_actions.add_parser("add", help="register a user (password on stdin)")
    add_user.add_argument("name")
    add_user.add_argument("--role", required=True, choices=("ops", "technician"))
    _add_db(add_user)
    report = commands.add_parser(
        "report",
        help="the monthly report per ministry",
        description="Write the month's report per ministry: availability and incidents, "
        "transactions and fees per service with the operator's share ($0.50 of each $1.00), "
        "and the satisfaction survey's answers, as json, csv, html or pdf.",
    )
    report.add_argument("--month", required=True, help="YYYY-MM (UTC)")
    report.add_argument("--format", default="json", choices=("json", "csv", "html", "pdf"))
    report.add_argument("--out", help="write to this file (default: standard output)")
    _add_db(report)

    simulate = commands.add_parser(
        "simulate",
        help="make up a fleet's history through the real API (demo, benchmarks)",
        description="Register N simulated kiosks on 10 sites and post D days of their "
        "samples up to now through the HTTP API: printers out of paper, dead payment "
        "terminals and their repairs, ministry outages, network cuts (samples shipped late) "
        "and power cuts (silence). Seeded: the same seed gives the same fleet.",
    )
    simulate.add_argument("--kiosks", type=int, default=20)
    simulate.add_argument("--days", type=float, default=7)
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--every", type=float, default=60.0, help="seconds between samples")
    _add_db(simulate)
    simulate.add_argument(
        "--url", help="a monitor already serving this --db (default: one started here)"
    )
    return parser


def _add_notify(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--notify",
        action="append",
        default=[],
        metavar="URL",
        help="an Apprise URL (mailto://, json://, msteams://, slack://…) told in French and "
        "English when an operator incident opens, has 30 minutes of its 2-hour clock left, "
        "is breached and is resolved; repeatable. URLs hold passwords and show in ps here: "
        f"prefer the systemd credential {NOTIFY_CREDENTIAL} (one URL a line), or "
        f"${NOTIFY_ENV} (space-separated); all three are used",
    )
    serve.add_argument(
        "--notify-ministry",
        action="append",
        default=[],
        metavar="URL",
        help="an Apprise URL told of ministry incidents (their own list); repeatable; "
        f"prefer the credential {NOTIFY_MINISTRY_CREDENTIAL} or ${NOTIFY_MINISTRY_ENV}",
    )
    serve.add_argument(
        "--public-url",
        help="the dashboard's address as its readers reach it, for the incident links in "
        "messages (default: http://HOST:PORT)",
    )


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        help="SQLite file or postgresql:// URL (default: the systemd credential "
        f"{DATABASE_CREDENTIAL}, else $STATE_DIRECTORY/{DEFAULT_DB}; a password in a URL "
        "here shows in ps)",
    )


def database_url(given: str | None) -> str:
    """Return the database to open: ``--db``, else the URL in the systemd credential
    ``kiosk-fleet-database-url`` (when not empty), else ``fleet.db`` in systemd's state
    directory. Outside systemd there is no default: never a new empty file here."""
    if given:
        return given
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials and (Path(credentials) / DATABASE_CREDENTIAL).is_file():
        url = (Path(credentials) / DATABASE_CREDENTIAL).read_text(encoding="utf-8").strip()
        if url:
            return url
    state = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    if state:
        return str(Path(state) / DEFAULT_DB)
    raise ValueError(NO_DATABASE)


def shown(url: str) -> str:
    """Return ``url`` fit for a log or a message: its password (if any) hidden."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def main(argv: list[str] | None = None) -> int:
    """Run ``kiosk-fleet``."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    from admin_tools.fleet.sql import DatabaseUnavailable
    from admin_tools.fleet.store import FleetStore

    try:
        args.db = database_url(args.db)
        if args.command == "serve":
            return _serve(args)
        if args.command == "simulate":
            return _simulate(args)
        if args.command == "report":
            return _report(args)
        store = FleetStore(args.db)
        try:
            if args.command == "kiosks":
                print(store.add_kiosk(args.kiosk_id, args.site))
            else:
                store.add_user(args.name, args.role, _password())
                print(f"user {args.name} added ({args.role})")
        finally:
            store.close()
    except ValueError as err:
        print(f"kiosk-fleet: {err}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as err:
        print(f"kiosk-fleet: {err} (try again later)", file=sys.stderr)
        return 1
    return 0


def _password() -> str:
    """Read the password: a prompt on a terminal, else the first line of standard input."""
    if sys.stdin.isatty():
        return getpass.getpass("password: ")
    return sys.stdin.readline().rstrip("\n")


def _report(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from admin_tools.fleet.monthly_report import monthly_report
    from admin_tools.fleet.report_formats import render
    from admin_tools.fleet.store import FleetStore

    store = FleetStore(args.db)
    try:
        data = render(monthly_report(store, args.month, time.time()), args.format)
    finally:
        store.close()
    if args.out:
        Path(args.out).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from contextlib import nullcontext

    from admin_tools.fleet.serving import served
    from admin_tools.fleet.simulated_upload import post_fleet
    from admin_tools.fleet.store import FleetStore

    store = FleetStore(args.db)
    try:
        place = nullcontext(args.url) if args.url else served(_app(store))
        with place as url:
            totals = post_fleet(store, url, args.kiosks, args.days, args.seed, args.every)
    finally:
        store.close()
    print(f"{totals['kiosks']} kiosks, {totals['samples']} samples posted to {shown(args.db)}")
    return 0


def _app(store: FleetStore) -> FastAPI:
    """Return the monitor's app over ``store`` (it answers 503 while its database is down,
    and lists each incident's notifications)."""
    from admin_tools.fleet.api import create_app

    return create_app(store)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from admin_tools.fleet.store import FleetStore

    logging.getLogger(__name__).info("fleet database: %s", shown(args.db))
    channels = _channels(args)  # an unusable URL stops the start, before the database
    store = FleetStore(args.db, grace=args.grace)
    notifier = _notifier(store, channels, args)
    try:
        if notifier is not None:
            notifier.start()
        uvicorn.run(_app(store), host=args.host, port=args.port, log_level="info")
    finally:
        if notifier is not None:
            notifier.stop()
        store.close()
    return 0


def _channels(args: argparse.Namespace) -> dict[Audience, list[Channel]]:
    """Return the lists to call, from the credentials, the environment and ``--notify``."""
    from admin_tools.fleet.notifications import channels_from
    from admin_tools.fleet.notifier import channels_of

    channels = channels_of(channels_from(args.notify, args.notify_ministry))
    for audience, found in channels.items():
        for channel in found:
            logging.getLogger(__name__).info("%s list: %s", audience.value, channel.label)
    return channels


def _notifier(
    store: FleetStore, channels: dict[Audience, list[Channel]], args: argparse.Namespace
) -> Notifier | None:
    """Return the worker that calls the lists, or None when there is nobody to call."""
    from admin_tools.fleet.notifier import Notifier

    if not any(channels.values()):
        return None
    public = args.public_url or f"http://{args.host}:{args.port}"
    return Notifier(store, channels, public)


if __name__ == "__main__":
    sys.exit(main())
