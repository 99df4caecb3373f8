"""The services, named for what the citizen wants to do (not by ministry)."""

from __future__ import annotations

from kiosk_app.screens.base import KioskScreen


class MenuScreen(KioskScreen):
    """List the services."""
