"""The services the kiosk offers, in the menu's order."""

from __future__ import annotations

from collections.abc import Callable

SERVICES = (
    "registration-renewal",
    "fine",
    "address-change",
    "driver-record",
    "personalized-plate",
    "outdoor-card",
)
"""Each service module's ``SERVICE``: the menu, ``kiosk walkthrough SERVICE``, the survey."""

PAYMENTS = "payments"
BACKENDS: dict[str, tuple[str, ...]] = {
    "registration-renewal": ("transport",),
    "fine": ("fines",),
    "address-change": ("transport", "health", "natural-resources"),
    "driver-record": ("transport",),
    "personalized-plate": ("transport",),
    "outdoor-card": ("natural-resources",),
}
"""The ministries each service talks to (the sandbox's and the contract's path names)."""
FREE_SERVICES = frozenset({"address-change"})
"""Services with nothing to pay: they never need the payment gateway."""


def unavailable_services(
    unreachable: frozenset[str], accepts_offline: Callable[[str], bool]
) -> frozenset[str]:
    """Return the services the menu must show as unavailable while ``unreachable`` are down.

    A paid service needs the gateway: a card is never approved offline. A service whose
    ministry is down is unavailable unless its policy accepts it offline (then it is queued
    and delivered later).
    """
    down = set()
    for service, ministries in BACKENDS.items():
        if (service not in FREE_SERVICES and PAYMENTS in unreachable) or (
            unreachable.intersection(ministries) and not accepts_offline(service)
        ):
            down.add(service)
    return frozenset(down)
