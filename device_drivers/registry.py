"""The explicit registry: driver name in the kiosk's config → factory. Nothing registers itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from device_drivers.sim.payment_terminal import SimulatedCard, SimulatedPaymentTerminal
from device_drivers.sim.printer import SimulatedPrinter
from transactions.errors import KioskError
from transactions.ports import PaymentGateway, PaymentTerminal, ReceiptPrinter


class UnknownDriverError(KioskError):
    """Raise when the config names a driver the registry does not have."""

    code = "unknown_driver"


def _simulated_terminal(options: Mapping[str, Any], gateway: PaymentGateway) -> PaymentTerminal:
    card = SimulatedCard(
        brand=str(options.get("card_brand", "visa")),
        last4=str(options.get("card_last4", "4242")),
        outcome=str(options.get("outcome", "approve")),
    )
    return SimulatedPaymentTerminal(gateway, card, float(options.get("wait_seconds", 120)))


def _simulated_printer(options: Mapping[str, Any]) -> ReceiptPrinter:
    return SimulatedPrinter()


PAYMENT_TERMINALS: Mapping[str, Callable[[Mapping[str, Any], PaymentGateway], PaymentTerminal]] = {
    "simulated": _simulated_terminal,
}
PRINTERS: Mapping[str, Callable[[Mapping[str, Any]], ReceiptPrinter]] = {
    "simulated": _simulated_printer,
}


def build_payment_terminal(
    driver: str, options: Mapping[str, Any], gateway: PaymentGateway
) -> PaymentTerminal:
    """Return the payment terminal the config names."""
    factory = PAYMENT_TERMINALS.get(driver)
    if factory is None:
        raise UnknownDriverError(_unknown("devices.payment_terminal", driver, PAYMENT_TERMINALS))
    try:
        return factory(options, gateway)
    except (TypeError, ValueError) as err:
        raise UnknownDriverError(f"devices.payment_terminal: {err}") from err


def build_printer(driver: str, options: Mapping[str, Any]) -> ReceiptPrinter:
    """Return the receipt printer the config names."""
    factory = PRINTERS.get(driver)
    if factory is None:
        raise UnknownDriverError(_unknown("devices.printer", driver, PRINTERS))
    return factory(options)


def _unknown(section: str, driver: str, known: Mapping[str, Any]) -> str:
    return f"{section}.driver {driver!r} is unknown; use one of: {', '.join(sorted(known))}"
