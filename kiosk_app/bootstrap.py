"""The composition root: turn the kiosk's config into adapters and services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from device_drivers.registry import UnknownDriverError, build_payment_terminal, build_printer
from kiosk_app.config import ConfigError, KioskConfig
from kiosk_app.i18n import Translator
from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal
from transactions.clock import SystemClock
from transactions.fines.service import SERVICE as FINE_SERVICE
from transactions.fines.service import FinePayments, FineSteps
from transactions.ministries.fines_client import HttpMinistryGateway
from transactions.ministries.http import Timeouts
from transactions.ministries.payments_client import HttpPaymentGateway
from transactions.ports import PaymentTerminal, ReceiptPrinter
from transactions.saga.runner import SagaRunner, ServiceSteps

logger = logging.getLogger(__name__)


@dataclass
class Kiosk:
    """The kiosk's services and devices, built from config; ``close()`` releases them."""

    config: KioskConfig
    backend_url: str
    database: KioskDatabase
    journal: SqliteJournal
    runner: SagaRunner
    fines: FinePayments
    terminal: PaymentTerminal
    printer: ReceiptPrinter
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        """Stop what the kiosk started (the embedded sandbox) and close the database."""
        for closer in reversed(self._closers):
            closer()
        self.database.close()


def build_kiosk(config: KioskConfig) -> Kiosk:
    """Return the kiosk wired from ``config``; start the embedded sandbox if no backend is set."""
    closers: list[Callable[[], None]] = []
    backend_url = config.backend_url
    if config.uses_embedded_sandbox:
        from ministry_sandbox.server import RunningSandbox

        sandbox = RunningSandbox.start()
        closers.append(sandbox.stop)
        backend_url = sandbox.url
        logger.info("embedded sandbox backends at %s", backend_url)
    timeouts = Timeouts(connect=config.connect_timeout, read=config.read_timeout)
    ministry = HttpMinistryGateway(backend_url, timeouts)
    gateway = HttpPaymentGateway(backend_url, timeouts)
    try:
        terminal = build_payment_terminal(
            config.payment_terminal.driver, config.payment_terminal.options, gateway
        )
        printer = build_printer(config.printer.driver, config.printer.options)
    except UnknownDriverError as err:
        for closer in closers:
            closer()
        raise ConfigError(str(err)) from err
    database = KioskDatabase(config.database_path)
    journal = SqliteJournal(database)
    fine_steps = FineSteps(ministry, config.kiosk_id, Translator)
    steps: dict[str, ServiceSteps] = {FINE_SERVICE: fine_steps}
    runner = SagaRunner(
        journal=journal,
        terminal=terminal,
        printer=printer,
        steps=steps.__getitem__,
        clock=SystemClock(),
    )
    return Kiosk(
        config=config,
        backend_url=backend_url,
        database=database,
        journal=journal,
        runner=runner,
        fines=FinePayments(ministry),
        terminal=terminal,
        printer=printer,
        _closers=closers,
    )
