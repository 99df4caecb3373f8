"""What every screen shares."""

from __future__ import annotations

from typing import Any

from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget
from kivy.utils import escape_markup

from kiosk_app.session_view import SessionView


class KioskScreen(Screen):  # type: ignore[misc]
    """A screen that renders the session's view; layout lives in its ``screen.kv``."""

    def render(self, view: SessionView, app: Any) -> None:
        """Show ``view``; screens with changing content override this."""

    def forget(self) -> None:
        """Drop what the last visit left here: its texts and the widgets built for it.

        Called when a visit ends, so nothing of a citizen stays in memory on a screen that
        is not showing, and the kiosk holds the same widgets between every two visits.
        """


def blank(screen: Widget, *names: str) -> None:
    """Set each of ``screen``'s text properties ``names`` back to empty."""
    for name in names:
        setattr(screen, name, "")


def show(widget: Widget, visible: bool) -> None:
    """Show or hide ``widget`` without leaving a gap or a touchable ghost."""
    if not hasattr(widget, "_kiosk_height"):
        widget._kiosk_height = widget.height
    widget.disabled = not visible  # first: the kv rule ties opacity to disabled
    widget.opacity = 1 if visible else 0
    widget.height = widget._kiosk_height if visible else 0


SYMBOLS_FONT = "KioskSymbols"
"""A font with the check mark (registered at start; the text font lacks it)."""


def ticked_text(label: str, picked: bool) -> str:
    """Return a choice button's markup: a check mark before a chosen option's label."""
    text = escape_markup(label)
    return f"[font={SYMBOLS_FONT}]\u2713[/font] {text}" if picked else text
