"""The services the kiosk offers, in the menu's order."""

from __future__ import annotations

SERVICES = (
    "registration-renewal",
    "fine",
    "address-change",
    "driver-record",
    "personalized-plate",
    "outdoor-card",
)
"""Each service module's ``SERVICE``: the menu, ``kiosk walkthrough SERVICE``, the survey."""
