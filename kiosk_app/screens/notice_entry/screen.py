"""Type the notice number on a large keypad."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk_app.screens.base import KioskScreen, blank
from kiosk_app.session_view import SessionView


def group_digits(typed: str) -> str:
    """Return typed digits grouped as printed on notices: ``10 004215873 1``."""
    return " ".join(part for part in (typed[:2], typed[2:11], typed[11:]) if part)


class NoticeEntryScreen(KioskScreen):
    """Show what was typed, and why it was refused if it was."""

    typed_text = StringProperty("")
    message_text = StringProperty("")
    step_text = StringProperty("")

    def render(self, view: SessionView, app: Any) -> None:
        """Show the digits typed so far and any message."""
        self.typed_text = group_digits(view.typed) if view.typed else "_ _ _ _ _ _ _ _ _ _ _ _"
        self.message_text = app.tr(view.message, view.language) if view.message else ""
        count = len(view.notices) + 1
        self.step_text = app.tr("notice_entry.count", view.language, number=str(count))
        self.ids.submit.disabled = view.busy or not view.typed
        self.ids.busy.opacity = 1 if view.busy else 0

    def forget(self) -> None:
        """Drop the digits the last citizen typed."""
        blank(self, "typed_text", "message_text", "step_text")
