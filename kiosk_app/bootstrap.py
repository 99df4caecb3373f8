"""The composition root: turn the kiosk's config into adapters and services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from device_drivers.registry import (
    UnknownDriverError,
    build_card_reader,
    build_payment_terminal,
    build_printer,
    build_scanner,
)
from kiosk_app.config import ConfigError, KioskConfig
from kiosk_app.flows.address_change import AddressChangeFlow
from kiosk_app.flows.base import ServiceFlow
from kiosk_app.flows.driver_record import DriverRecordFlow
from kiosk_app.flows.outdoor_card import OutdoorCardFlow
from kiosk_app.flows.plates import PlateFlow
from kiosk_app.flows.registration import RegistrationFlow
from kiosk_app.i18n import Translator
from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal
from offline_store.survey import SqliteSurveyLog
from transactions import address_change
from transactions.clock import SystemClock
from transactions.errors import KioskError
from transactions.fines.service import SERVICE as FINE_SERVICE
from transactions.fines.service import FinePayments, FineSteps
from transactions.ministries.fines_client import HttpMinistryGateway
from transactions.ministries.health_client import HttpHealthGateway
from transactions.ministries.http import Timeouts
from transactions.ministries.natural_resources_client import HttpNaturalResourcesGateway
from transactions.ministries.payments_client import HttpPaymentGateway
from transactions.ministries.transport_client import HttpTransportGateway
from transactions.natural_resources import outdoor_card
from transactions.ports import (
    BarcodeScanner,
    CardReader,
    PaymentGateway,
    PaymentTerminal,
    ReceiptPrinter,
)
from transactions.saga.runner import SagaRunner, ServiceSteps
from transactions.transport import driver_record, personalized_plates, registration

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConfiguredDevice:
    """A device as the config names it: its section, its driver and the adapter."""

    name: str
    driver: str
    device: Any


@dataclass
class Devices:
    """The kiosk's hardware (or simulators), built from the config's device sections."""

    terminal: PaymentTerminal
    printer: ReceiptPrinter
    card_reader: CardReader | None
    scanner: BarcodeScanner | None
    configured: list[ConfiguredDevice]


def build_devices(config: KioskConfig, gateway: PaymentGateway) -> Devices:
    """Return the devices the config names, through the one registry."""
    try:
        reader = build_card_reader(config.card_reader.driver, config.card_reader.options)
        terminal = build_payment_terminal(
            config.payment_terminal.driver, config.payment_terminal.options, gateway, reader
        )
        printer = build_printer(config.printer.driver, config.printer.options)
        scanner = build_scanner(config.scanner.driver, config.scanner.options)
    except UnknownDriverError as err:
        raise ConfigError(str(err)) from err
    configured = [
        ConfiguredDevice(name, section.driver, device)
        for name, section, device in (
            ("card_reader", config.card_reader, reader),
            ("payment_terminal", config.payment_terminal, terminal),
            ("printer", config.printer, printer),
            ("scanner", config.scanner, scanner),
        )
        if device is not None
    ]
    return Devices(terminal, printer, reader, scanner, configured)


@dataclass
class Kiosk:
    """The kiosk's services and devices, built from config; ``close()`` releases them."""

    config: KioskConfig
    backend_url: str
    database: KioskDatabase
    journal: SqliteJournal
    runner: SagaRunner
    fines: FinePayments
    flows: dict[str, ServiceFlow]
    """The services other than fines, by name."""
    survey: SqliteSurveyLog
    devices: Devices
    backends: Backends
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def terminal(self) -> PaymentTerminal:
        """Return the payment terminal."""
        return self.devices.terminal

    @property
    def printer(self) -> ReceiptPrinter:
        """Return the receipt printer."""
        return self.devices.printer

    def close(self) -> None:
        """Stop what the kiosk started (the embedded sandbox) and close the database."""
        for closer in reversed(self._closers):
            closer()
        self.database.close()


@dataclass(frozen=True)
class Backends:
    """The HTTP clients of every backend the kiosk talks to."""

    fines: HttpMinistryGateway
    transport: HttpTransportGateway
    health: HttpHealthGateway
    natural_resources: HttpNaturalResourcesGateway
    payments: HttpPaymentGateway

    @classmethod
    def at(cls, url: str, timeouts: Timeouts) -> Backends:
        """Return the clients of the backends served at ``url``."""
        return cls(
            HttpMinistryGateway(url, timeouts),
            HttpTransportGateway(url, timeouts),
            HttpHealthGateway(url, timeouts),
            HttpNaturalResourcesGateway(url, timeouts),
            HttpPaymentGateway(url, timeouts),
        )


def build_steps(config: KioskConfig, backends: Backends) -> dict[str, ServiceSteps]:
    """Return each service's saga steps (how it posts, what its receipt says), by name."""
    kiosk_id = config.kiosk_id
    transport = backends.transport
    return {
        FINE_SERVICE: FineSteps(backends.fines, kiosk_id, Translator),
        registration.SERVICE: registration.RegistrationSteps(transport, kiosk_id, Translator),
        driver_record.SERVICE: driver_record.DriverRecordSteps(transport, kiosk_id, Translator),
        personalized_plates.SERVICE: personalized_plates.PlateSteps(
            transport, kiosk_id, Translator
        ),
        outdoor_card.SERVICE: outdoor_card.OutdoorCardSteps(
            backends.natural_resources, kiosk_id, Translator
        ),
        address_change.SERVICE: address_change.AddressChangeSteps(
            transport=transport,
            health=backends.health,
            natural_resources=backends.natural_resources,
            kiosk_id=kiosk_id,
            texts=Translator,
        ),
    }


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
    backends = Backends.at(backend_url, timeouts)
    try:
        devices = build_devices(config, backends.payments)
        database = KioskDatabase(config.database_path, config.pii_key_file)
    except KioskError:  # a bad device section, an unreadable key: stop what was started
        for closer in closers:
            closer()
        raise
    journal = SqliteJournal(database)
    steps = build_steps(config, backends)
    clock = SystemClock()
    runner = SagaRunner(
        journal=journal,
        terminal=devices.terminal,
        printer=devices.printer,
        steps=steps.__getitem__,
        clock=clock,
    )
    flows: list[ServiceFlow] = [
        RegistrationFlow(registration.RegistrationRenewals(backends.transport)),
        AddressChangeFlow(runner, Translator, clock),
        DriverRecordFlow(driver_record.DriverRecords(backends.transport, clock), clock),
        PlateFlow(personalized_plates.PersonalizedPlates(backends.transport)),
        OutdoorCardFlow(outdoor_card.OutdoorCardRenewals(backends.natural_resources)),
    ]
    return Kiosk(
        config=config,
        backend_url=backend_url,
        database=database,
        journal=journal,
        runner=runner,
        fines=FinePayments(backends.fines),
        flows={flow.service: flow for flow in flows},
        survey=SqliteSurveyLog(database),
        devices=devices,
        backends=backends,
        _closers=closers,
    )
