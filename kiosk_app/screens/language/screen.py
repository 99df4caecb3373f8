"""Choose French or English."""

from __future__ import annotations

from kiosk_app.screens.base import KioskScreen


class LanguageScreen(KioskScreen):
    """Offer both languages, each named in itself."""
