"""The explicit registry: driver name in the kiosk's config → factory. Nothing registers itself.

Ports are named in the config, never probed: serial devices by their stable
``/dev/serial/by-id/…`` names, printers by host or USB ids.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

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


# -- card readers -----------------------------------------------------------------------
def _simulated_reader(options: Options) -> CardReader:
    from device_drivers.sim.card_reader import SimulatedCardReader

    return SimulatedCardReader(_simulated_card(options))


def _pcsc_reader(options: Options) -> CardReader:
    from device_drivers.pcsc.pcsc_reader import PcscCardReader

    reader = options.values.get("reader")
    return PcscCardReader(reader_name=str(reader) if reader else None)


CARD_READERS: Mapping[str, Callable[[Options], CardReader]] = {
    "simulated": _simulated_reader,
    "pcsc": _pcsc_reader,
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
    str, Callable[[Options, PaymentGateway, CardReader | None], PaymentTerminal]
] = {
    "simulated": _simulated_terminal,
    "gateway-card": _gateway_card_terminal,
    "ecr-serial": _ecr_terminal,
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


PRINTERS: Mapping[str, Callable[[Options], ReceiptPrinter]] = {
    "simulated": _simulated_printer,
    "escpos-network": _escpos_network,
    "escpos-serial": _escpos_serial,
    "escpos-usb": _escpos_usb,
}


# -- scanners -------------------------------------------------------------------------------
def _serial_scanner(options: Options) -> BarcodeScanner:
    from device_drivers.serial_scanner import SerialBarcodeScanner

    return SerialBarcodeScanner(
        options.text("port", "/dev/serial/by-id/usb-Honeywell_Scanner-if00"),
        baudrate=options.integer("baudrate", 9600),
    )


SCANNERS: Mapping[str, Callable[[Options], BarcodeScanner]] = {
    "serial-scanner": _serial_scanner,
}

NONE = "none"
"""Driver name of an optional device the kiosk does not have (card reader, scanner)."""


def _factory(section: str, driver: str, known: Mapping[str, Any]) -> Any:
    factory = known.get(driver)
    if factory is None:
        names = ", ".join(sorted(known))
        raise UnknownDriverError(f"{section}.driver {driver!r} is unknown; use one of: {names}")
    return factory


def build_card_reader(driver: str, options: Mapping[str, Any]) -> CardReader | None:
    """Return the card reader the config names, or None for ``none``."""
    if driver == NONE:
        return None
    section = "devices.card_reader"
    return _factory(section, driver, CARD_READERS)(Options(section, options))  # type: ignore[no-any-return]


def build_payment_terminal(
    driver: str,
    options: Mapping[str, Any],
    gateway: PaymentGateway,
    reader: CardReader | None = None,
) -> PaymentTerminal:
    """Return the payment terminal the config names."""
    section = "devices.payment_terminal"
    factory = _factory(section, driver, PAYMENT_TERMINALS)
    return factory(Options(section, options), gateway, reader)  # type: ignore[no-any-return]


def build_printer(driver: str, options: Mapping[str, Any]) -> ReceiptPrinter:
    """Return the receipt printer the config names."""
    section = "devices.printer"
    return _factory(section, driver, PRINTERS)(Options(section, options))  # type: ignore[no-any-return]


def build_scanner(driver: str, options: Mapping[str, Any]) -> BarcodeScanner | None:
    """Return the barcode scanner the config names, or None for ``none``."""
    if driver == NONE:
        return None
    section = "devices.scanner"
    return _factory(section, driver, SCANNERS)(Options(section, options))  # type: ignore[no-any-return]
