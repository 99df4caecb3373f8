"""The services, as large buttons: name and a one-line hint."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import ListProperty
from kivy.utils import escape_markup

from kiosk_app.screens.base import KioskScreen


class MenuScreen(KioskScreen):
    """Choose a service; one whose backends cannot be reached is shown unavailable."""

    unavailable = ListProperty([])

    def render(self, view: Any, app: Any) -> None:
        """Grey out the services that cannot be served right now."""
        super().render(view, app)
        self.unavailable = sorted(view.unavailable)

    @staticmethod
    def entry(name: str, hint: str, scale: float) -> str:
        """Return a service button's text: the name, and its hint smaller below."""
        size = round(App.get_running_app().theme.body_size * 0.75 * scale)
        return f"{escape_markup(name)}\n[size={size}][b]{escape_markup(hint)}[/b][/size]"
