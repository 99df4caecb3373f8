"""The attract screen: bilingual, touch anywhere to start."""

from __future__ import annotations

from kiosk_app.screens.base import KioskScreen


class AttractScreen(KioskScreen):
    """Invite a passer-by in both languages."""
