"""The explicit registry: driver name in the kiosk's config → factory and the keys it reads.
Nothing registers itself.

Ports are named in the config, never probed: serial devices by their stable
``/dev/serial/by-id/…`` names, printers by host or USB ids. A key the driver does not read
is refused (a typo would otherwise leave the default in use, unnoticed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from transactions.errors import KioskError
from transactions.ports import (
    BarcodeScanner,
    CardReader,
    PaymentGateway,
    PaymentTerminal,
    ReceiptPrinter,
)


class UnknownDriverError(KioskError):
    """Raise when a device section names an unknown driver or lacks an option."""

    code = "device_config_invalid"


@dataclass(frozen=True)
class Options:
    """One device section's options, read with messages that name the key and the fix."""

    section: str
    values: Mapping[str, Any]

    def text(self, key: str, example: str, default: str | None = None) -> str:
        """Return a required (or defaulted) string option."""
        value = self.values.get(key, default)
        if not isinstance(value, str) or not value:
            raise UnknownDriverError(f'{self.section}.{key} is required, e.g. {key} = "{example}"')
        return value

    def number(self, key: str, default: float) -> float:
        """Return a positive number option."""
        value = self.values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise UnknownDriverError(f"{self.section}.{key} must be a positive number")
        return float(value)

    def integer(self, key: str, default: int | None = None) -> int:
        """Return a whole-number option (USB ids may be written 0x04b8)."""
        value = self.values.get(key, default)
        if isinstance(value, str):
            try:
                value = int(value, 0)
            except ValueError:
                value = None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise UnknownDriverError(f"{self.section}.{key} must be a whole number, e.g. 0x04b8")
        return value


F = TypeVar("F")


@dataclass(frozen=True)
class Driver(Generic[F]):
    """One driver: its factory and the option keys it reads (besides ``driver``)."""

    factory: F
    keys: tuple[str, ...] = ()


SIMULATED_CARD_KEYS = ("card_brand", "card_last4", "outcome")


# -- card readers -----------------------------------------------------------------------
def _simulated_reader(options: Options) -> CardReader:
    from device_drivers.sim.card_reader import SimulatedCardReader

    return SimulatedCardReader(_simulated_card(options))


def _pcsc_reader(options: Options) -> CardReader:
    from device_drivers.pcsc.pcsc_reader import PcscCardReader

    reader = options.values.get("reader")
    return PcscCardReader(reader_name=str(reader) if reader else None)


CARD_READERS: Mapping[str, Driver[Callable[[Options], CardReader]]] = {
    "simulated": Driver(_simulated_reader, SIMULATED_CARD_KEYS),
    "pcsc": Driver(_pcsc_reader, ("reader",)),
}


# -- payment terminals --------------------------------------------------------------------
def _simulated_card(options: Options) -> Any:
    from device_drivers.sim.card_reader import SimulatedCard

    try:
        return SimulatedCard(
            brand=str(options.values.get("card_brand", "visa")),
            last4=str(options.values.get("card_last4", "4242")),
            outcome=str(options.values.get("outcome", "approve")),
        )
    except ValueError as err:
        raise UnknownDriverError(f"{options.section}: {err}") from err


def _simulated_terminal(
    options: Options, gateway: PaymentGateway, reader: CardReader | None
) -> PaymentTerminal:
    from device_drivers.sim.payment_terminal import SimulatedPaymentTerminal

    return SimulatedPaymentTerminal(
        gateway, _simulated_card(options), options.number("wait_seconds", 120)
    )


def _gateway_card_terminal(
    options: Options, gateway: PaymentGateway, reader: CardReader | None
) -> PaymentTerminal:
    from device_drivers.gateway_card_terminal import GatewayCardTerminal

    if reader is None:
        raise UnknownDriverError(
            f'{options.section}.driver = "gateway-card" needs a card reader: '
            'add [devices.card_reader] with driver = "pcsc"'
        )
    return GatewayCardTerminal(reader, gateway, options.number("wait_seconds", 120))


def _ecr_terminal(
    options: Options, gateway: PaymentGateway, reader: CardReader | None
) -> PaymentTerminal:
    from device_drivers.ecr.ecr_terminal import EcrSerialTerminal

    return EcrSerialTerminal(
        options.text("port", "/dev/serial/by-id/usb-Ingenico_Lane_3000-if00"),
        baudrate=options.integer("baudrate", 9600),
        response_timeout=options.number("response_timeout", 90),
    )


PAYMENT_TERMINALS: Mapping[
    str, Driver[Callable[[Options, PaymentGateway, CardReader | None], PaymentTerminal]]
] = {
    "simulated": Driver(_simulated_terminal, (*SIMULATED_CARD_KEYS, "wait_seconds")),
    "gateway-card": Driver(_gateway_card_terminal, ("wait_seconds",)),
    "ecr-serial": Driver(_ecr_terminal, ("port", "baudrate", "response_timeout")),
}
SETTLED_AT_KIOSK = frozenset({"ecr-serial"})
"""Terminals whose captures and voids only the terminal itself can make (over the UI's
serial port): the agent leaves them to the touchscreen, which makes them while idle. The
others' authorizations live at the payment gateway, which the agent settles directly."""


# -- printers -------------------------------------------------------------------------------
def _simulated_printer(options: Options) -> ReceiptPrinter:
    from device_drivers.sim.printer import SimulatedPrinter

    return SimulatedPrinter()


def _escpos_network(options: Options) -> ReceiptPrinter:
    from device_drivers.escpos.escpos_printer import EscposPrinter, NetworkConnection

    return EscposPrinter(
        NetworkConnection(
            options.text("host", "192.0.2.40"),
            port=options.integer("port", 9100),
            timeout=options.number("timeout", 5),
        )
    )


def _escpos_serial(options: Options) -> ReceiptPrinter:
    from device_drivers.escpos.escpos_printer import EscposPrinter, SerialConnection

    return EscposPrinter(
        SerialConnection(
            options.text("port", "/dev/serial/by-id/usb-EPSON_TM-T88V-if00"),
            baudrate=options.integer("baudrate", 38400),
        )
    )


def _escpos_usb(options: Options) -> ReceiptPrinter:
    from device_drivers.escpos.escpos_printer import EscposPrinter, UsbConnection

    return EscposPrinter(UsbConnection(options.integer("vendor_id"), options.integer("product_id")))


PRINTERS: Mapping[str, Driver[Callable[[Options], ReceiptPrinter]]] = {
    "simulated": Driver(_simulated_printer),
    "escpos-network": Driver(_escpos_network, ("host", "port", "timeout")),
    "escpos-serial": Driver(_escpos_serial, ("port", "baudrate")),
    "escpos-usb": Driver(_escpos_usb, ("vendor_id", "product_id")),
}


# -- scanners -------------------------------------------------------------------------------
def _serial_scanner(options: Options) -> BarcodeScanner:
    from device_drivers.serial_scanner import SerialBarcodeScanner

    return SerialBarcodeScanner(
        options.text("port", "/dev/serial/by-id/usb-Honeywell_Scanner-if00"),
        baudrate=options.integer("baudrate", 9600),
    )


SCANNERS: Mapping[str, Driver[Callable[[Options], BarcodeScanner]]] = {
    "serial-scanner": Driver(_serial_scanner, ("port", "baudrate")),
}

NONE = "none"
"""Driver name of an optional device the kiosk does not have (card reader, scanner)."""

DEVICE_DRIVERS: Mapping[str, Mapping[str, Driver[Any]]] = {
    "card_reader": CARD_READERS,
    "payment_terminal": PAYMENT_TERMINALS,
    "printer": PRINTERS,
    "scanner": SCANNERS,
}
"""Each device section of the config (``[devices.NAME]``) and its drivers."""
OPTIONAL_DEVICES = frozenset({"card_reader", "scanner"})
"""Devices a kiosk may do without (driver ``none``)."""


def check_options(device: str, driver: str, options: Mapping[str, Any]) -> None:
    """Refuse an unknown driver for ``[devices.DEVICE]``, or a key that driver does not read."""
    section = f"devices.{device}"
    known = DEVICE_DRIVERS[device]
    if driver == NONE and device in OPTIONAL_DEVICES:
        keys: tuple[str, ...] = ()
    else:
        keys = _driver(section, driver, known).keys
    unknown = sorted(set(options) - set(keys))
    if unknown:
        names = ", ".join(f"{section}.{key}" for key in unknown)
        its = f"its keys: {', '.join(keys)}" if keys else "it takes no keys besides driver"
        raise UnknownDriverError(
            f'unknown key {names} for driver "{driver}"; check the spelling ({its})'
        )


def _driver(section: str, driver: str, known: Mapping[str, Driver[Any]]) -> Driver[Any]:
    found = known.get(driver)
    if found is None:
        names = ", ".join(sorted(known))
        raise UnknownDriverError(f"{section}.driver {driver!r} is unknown; use one of: {names}")
    return found


def _factory(
    device: str, driver: str, options: Mapping[str, Any], drivers: Mapping[str, Driver[F]]
) -> F:
    check_options(device, driver, options)
    return drivers[driver].factory


def build_card_reader(driver: str, options: Mapping[str, Any]) -> CardReader | None:
    """Return the card reader the config names, or None for ``none``."""
    if driver == NONE:
        check_options("card_reader", driver, options)
        return None
    factory = _factory("card_reader", driver, options, CARD_READERS)
    return factory(Options("devices.card_reader", options))


def build_payment_terminal(
    driver: str,
    options: Mapping[str, Any],
    gateway: PaymentGateway,
    reader: CardReader | None = None,
) -> PaymentTerminal:
    """Return the payment terminal the config names."""
    factory = _factory("payment_terminal", driver, options, PAYMENT_TERMINALS)
    return factory(Options("devices.payment_terminal", options), gateway, reader)


def build_printer(driver: str, options: Mapping[str, Any]) -> ReceiptPrinter:
    """Return the receipt printer the config names."""
    factory = _factory("printer", driver, options, PRINTERS)
    return factory(Options("devices.printer", options))


def build_scanner(driver: str, options: Mapping[str, Any]) -> BarcodeScanner | None:
    """Return the barcode scanner the config names, or None for ``none``."""
    if driver == NONE:
        check_options("scanner", driver, options)
        return None
    factory = _factory("scanner", driver, options, SCANNERS)
    return factory(Options("devices.scanner", options))
