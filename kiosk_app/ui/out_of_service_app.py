"""The out-of-service screen on its own, for kiosk-out-of-service.service.

When kiosk-ui.service has crashed too often, systemd starts this instead: the same
bilingual screen as a storage failure shows (``screens/out_of_service``), with the reason
for the technician, and nothing else. It needs no database, backend or device, since any
of them may be why the kiosk crashed.

``kiosk run`` shows it too when its database cannot be opened at start (busy: another
process holds it; a failing or full disk): it tries again every few seconds, and once the
file opens the kiosk starts afresh. The file is never moved aside for that.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.text import LabelBase
from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty

from kiosk_app.i18n import LANGUAGES, Translator
from kiosk_app.kiosk_status import HEARTBEAT_SECONDS, KioskStatus, publish
from kiosk_app.screens.base import SYMBOLS_FONT
from kiosk_app.ui.kivy_lockdown import LockedDownApp
from kiosk_app.ui.theme import SYMBOLS_FONT_FILE, Theme
from kiosk_app.watchdog import notify, ping_interval

RETRY_SECONDS = 5.0
"""How often kiosk-ui, out of service for its storage, tries its database again."""


class _Session:
    def __init__(self, reason: str) -> None:
        self.out_of_service = reason
        self.under_repair = False


class OutOfServiceApp(LockedDownApp):
    """Show the out-of-service screen until stopped."""

    language = StringProperty("fr")
    text_scale = NumericProperty(1.0)

    def __init__(
        self,
        reason: str,
        *,
        until: Callable[[], bool] | None = None,
        status_path: Path | None = None,
        **kwargs: Any,
    ) -> None:
        """Show ``reason``. With ``until`` (kiosk-ui waiting for its database), ask it on a
        thread every ``RETRY_SECONDS`` and stop once it says True (``recovered`` is then
        True); meanwhile tell systemd the UI is alive and publish ``down`` to
        ``status_path`` for the agent and ``kiosk status``."""
        super().__init__(**kwargs)
        self.title = "Kiosk"
        self.theme = Theme()
        self.session = _Session(reason)
        self._translators = {language: Translator(language) for language in LANGUAGES}
        self._until = until
        self._status_path = status_path
        self._since = datetime.now(UTC).isoformat()
        self._asking = threading.Lock()
        self.recovered = False

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

    def on_start(self) -> None:
        """Say READY and feed the watchdog from this loop; start watching for recovery."""
        self.lock_window()  # no settings panel, no key, no close request: a public screen
        self._publish()
        Clock.schedule_interval(lambda _dt: self._publish(), HEARTBEAT_SECONDS)
        notify("READY=1")
        every = ping_interval()
        if every is not None:
            Clock.schedule_interval(lambda _dt: notify("WATCHDOG=1"), every)
        if self._until is not None:
            Clock.schedule_interval(lambda _dt: self._ask(), RETRY_SECONDS)

    def on_stop(self) -> None:
        """Tell systemd the UI is stopping."""
        notify("STOPPING=1")

    def _publish(self) -> None:
        if self._status_path is not None:
            status = KioskStatus.of(self.session.out_of_service, frozenset(), self._since)
            publish(self._status_path, status)

    def _ask(self) -> None:
        # Opening a busy database waits for its lock: never on the UI loop, one at a time.
        if self._until is None or not self._asking.acquire(blocking=False):
            return
        until = self._until

        def ask() -> None:
            try:
                if until():
                    Clock.schedule_once(lambda _dt: self._recover())
            finally:
                self._asking.release()

        threading.Thread(target=ask, name="storage-wait", daemon=True).start()

    def _recover(self) -> None:
        self.recovered = True
        self.stop()
