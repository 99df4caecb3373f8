"""Thank the citizen; the kiosk returns to the attract screen on its own."""

from __future__ import annotations

from kiosk_app.screens.base import KioskScreen


class ThankYouScreen(KioskScreen):
    """Say goodbye."""
