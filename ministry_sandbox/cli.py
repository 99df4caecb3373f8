"""`ministry-sandbox`: serve the sandbox, or print its OpenAPI contract."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from importlib import metadata
from types import FrameType

import uvicorn

from ministry_sandbox.app import create_app

logger = logging.getLogger(__name__)


def sandbox_version() -> str:
    """Return the release the sandbox was installed with: the kiosk software's own.

    The same lookup as ``transactions.version.software_version``, repeated because the
    sandbox imports nothing of the kiosk (ARCHITECTURE.md); a test holds the two equal.
    """
    try:
        return metadata.version("gov-kiosk")
    except metadata.PackageNotFoundError:
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ministry-sandbox",
        description="A reference implementation of the ministry backends the kiosk talks to, "
        "with synthetic data, fault injection and a ledger.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {sandbox_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve the sandbox over HTTP",
        description="Serve the sandbox backends over HTTP in the foreground until SIGTERM or "
        "Ctrl-C. State lives in memory and is lost when it stops.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    serve.add_argument("--port", type=int, default=8700, help="port to listen on (%(default)s)")
    serve.add_argument(
        "--no-seed", action="store_true", help="start without the synthetic seeded records"
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="server log level (%(default)s)",
    )
    openapi = commands.add_parser(
        "openapi",
        help="print the OpenAPI contract",
        description="Print the sandbox's OpenAPI document (the backend contract) as JSON. "
        "Regenerate the committed copy with: "
        "ministry-sandbox openapi > ministry_sandbox/openapi.json",
    )
    openapi.set_defaults(command="openapi")
    return parser


def openapi_document() -> str:
    """Return the OpenAPI contract as stable JSON text: sorted keys, indent 2, final newline."""
    document = create_app(seed=False).openapi()
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _serve(host: str, port: int, seed: bool, log_level: str) -> int:
    config = uvicorn.Config(create_app(seed=seed), host=host, port=port, log_level=log_level)
    server = uvicorn.Server(config)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        # Installed before uvicorn takes over the signals, and called again when uvicorn
        # re-raises the signal after its graceful shutdown: either way, just stop.
        server.should_exit = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run()
    except SystemExit as exit_:
        # uvicorn exits with status 1 when it cannot bind; it has logged why.
        return exit_.code if isinstance(exit_.code, int) else 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if server.started else 1


def main(argv: list[str] | None = None) -> int:
    """Run the `ministry-sandbox` command line; return the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "serve":
        logging.basicConfig(level=args.log_level.upper())
        return _serve(args.host, args.port, not args.no_seed, args.log_level)
    sys.stdout.write(openapi_document())
    return 0
