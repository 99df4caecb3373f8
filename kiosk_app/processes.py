"""The kiosk's two long-running processes: the touchscreen (``kiosk run``) and the agent
(``kiosk agent``). ``kiosk_app.cli`` parses the command line and calls these; systemd runs
them as kiosk-ui.service and kiosk-agent.service.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk_app.config import KioskConfig
from transactions.errors import KioskError, StorageError

if TYPE_CHECKING:  # imported where used: each command loads only what it needs
    from kiosk_app.agent import OutboxAgent
    from kiosk_app.fleet_reporter import FleetReporter

logger = logging.getLogger(__name__)


def run_agent(config: KioskConfig, once: bool) -> int:
    """Run ``kiosk agent``: drain the outbox and ship samples until SIGTERM (or once)."""
    from kiosk_app.agent import AgentSettings, build_agent, open_when_free
    from offline_store.database import KioskDatabase

    if config.uses_embedded_sandbox:
        raise KioskError(
            "kiosk agent needs backend.url in the config: it sends to the real backends "
            "(the demo runs its agent inside the kiosk, with the embedded sandbox)"
        )
    stopping = threading.Event()
    stoppers: list[Callable[[], None]] = [stopping.set]

    def stop(_signum: int, _frame: object) -> None:
        for stopper in stoppers:
            stopper()

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, stop)
    if once:  # a technician's run: a busy database is said at once, not waited for
        database: KioskDatabase | None = KioskDatabase(config.database_path, config.pii_key_file)
    else:
        database = open_when_free(config, stopping)
    if database is None:
        return 0
    agent = build_agent(
        config,
        config.backend_url,
        database,
        settings=AgentSettings(poll_seconds=config.agent_poll_seconds),
    )
    stoppers.append(agent.stop)
    reporter = None
    if config.fleet_url:
        from kiosk_app.fleet_reporter import FleetReporter, load_token

        reporter = FleetReporter(config, database, load_token(config))
        stoppers.append(reporter.stop)
    code = 0
    try:
        if once:
            code = _agent_once(agent, reporter)
        elif not stopping.is_set():
            if reporter is not None:
                reporter.start()
            agent.run()
    finally:
        if reporter is not None:
            reporter.stop()
            reporter.join(timeout=30)
        database.close()
    return code


def _agent_once(agent: OutboxAgent, reporter: FleetReporter | None) -> int:
    """Drain the outbox and ship the samples once; 1 if any sample did not reach the monitor
    (refused, or kept for later: a wrong token, an unreachable monitor), else 0."""
    delivered = agent.drain_once()
    print(f"{len(delivered)} transaction(s) sent or retried")
    if reporter is None:
        return 0
    shipment = reporter.take_and_ship()
    print(f"{shipment.shipped} status sample(s) shipped to the fleet monitor")
    if shipment.complete:
        return 0
    print(f"kiosk agent: {shipment.problem()}", file=sys.stderr)
    return 1


def run_touchscreen(config: KioskConfig) -> int:
    """Run ``kiosk run``: the touchscreen until SIGTERM (out of service while its database
    cannot be opened)."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise KioskError("no display to draw on; use `kiosk demo` on a headless machine")
    from kiosk_app.bootstrap import build_kiosk
    from kiosk_app.ui.kivy_setup import configure_kivy

    configure_kivy(config.ui, config.data_dir / "kivy")
    from kiosk_app.ui.app import KioskApp

    try:
        kiosk = build_kiosk(config)
    except StorageError as err:
        from offline_store.database import PASSING

        if err.code not in PASSING:
            raise
        return _out_of_service_until_storage(config, err)
    app = KioskApp(kiosk, config.ui)
    agent = None
    if config.uses_embedded_sandbox:
        # The demo's sandbox lives in this process: so does its agent (on a kiosk, the
        # agent is its own systemd service talking to the real backends).
        from kiosk_app.agent import AgentSettings, build_agent

        agent = build_agent(
            config,
            kiosk.backend_url,
            kiosk.database,
            settings=AgentSettings(poll_seconds=config.agent_poll_seconds),
        )
        agent.start()
    for number in (signal.SIGTERM, signal.SIGINT):
        # Stop the UI loop and close the journal cleanly when systemd or a person asks.
        signal.signal(number, lambda _signum, _frame: app.stop())
    try:
        app.run()
    finally:
        if agent is not None:
            agent.stop()
            agent.join(timeout=30)
        kiosk.close()
    return 0


def _out_of_service_until_storage(config: KioskConfig, err: StorageError) -> int:
    """Show out of service while the database cannot be opened; then start afresh."""
    from kiosk_app.ui.out_of_service_app import OutOfServiceApp
    from offline_store.database import KioskDatabase

    logger.error("kiosk out of service: %s (%s); trying again", err, err.code)

    def opens() -> bool:
        try:
            KioskDatabase(config.database_path, config.pii_key_file).close()
        except StorageError:
            return False
        return True

    app = OutOfServiceApp(err.code, until=opens, status_path=config.status_path)
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda _signum, _frame: app.stop())
    app.run()
    if not app.recovered:
        return 0
    logger.info("the database opens again: starting the kiosk afresh")
    # A new image in the same process: systemd keeps its main PID, its watchdog and its
    # restart count, and the new kiosk starts with a clean Kivy window.
    os.execv(sys.executable, [sys.executable, *sys.argv])
