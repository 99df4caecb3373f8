"""The out-of-service screen: the kiosk cannot record a transaction, so it takes none."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk_app.screens.base import KioskScreen
from kiosk_app.session_view import SessionView


class OutOfServiceScreen(KioskScreen):
    """Tell passers-by, in both languages, to go elsewhere; give technicians the reason."""

    reason = StringProperty("")
    """Why: the storage failure's code (``storage_full``…) or ``maintenance`` during a
    repair, shown small for the technician."""

    def render(self, view: SessionView, app: Any) -> None:
        """Show why the kiosk stopped."""
        session = app.session
        self.reason = session.out_of_service or ("maintenance" if session.under_repair else "")
