"""The out-of-service screen on its own, for kiosk-out-of-service.service.

When kiosk-ui.service has crashed too often, systemd starts this instead: the same
bilingual screen as a storage failure shows (``screens/out_of_service``), with the reason
for the technician, and nothing else. It needs no database, backend or device, since any
of them may be why the kiosk crashed.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from kivy.app import App
from kivy.core.text import LabelBase
from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty

from kiosk_app.i18n import LANGUAGES, Translator
from kiosk_app.screens.base import SYMBOLS_FONT
from kiosk_app.ui.theme import SYMBOLS_FONT_FILE, Theme


class _Session:
    def __init__(self, reason: str) -> None:
        self.out_of_service = reason
        self.under_repair = False


class OutOfServiceApp(App):  # type: ignore[misc]
    """Show the out-of-service screen until stopped."""

    language = StringProperty("fr")
    text_scale = NumericProperty(1.0)

    def __init__(self, reason: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.title = "Kiosk"
        self.theme = Theme()
        self.session = _Session(reason)
        self._translators = {language: Translator(language) for language in LANGUAGES}

    def tr(self, key: str, language: str | None = None, **values: str) -> str:
        """Return the text for ``key`` (what the kv files call)."""
        return self._translators[language or self.language].text(key, **values)

    def build(self) -> Any:
        """Load the one screen."""
        from kiosk_app.screens.out_of_service.screen import OutOfServiceScreen

        package = resources.files("kiosk_app")
        LabelBase.register(SYMBOLS_FONT, SYMBOLS_FONT_FILE)
        Builder.load_file(str(package / "ui" / "widgets.kv"))
        Builder.load_file(str(package / "screens" / "out_of_service" / "screen.kv"))
        screen = OutOfServiceScreen(name="out_of_service")
        screen.reason = self.session.out_of_service
        return screen
