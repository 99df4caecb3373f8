"""The Kivy application: screens render the session's view; touches become intents."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from kivy.clock import Clock
from kivy.core.text import LabelBase
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from device_drivers.registry import SETTLED_AT_KIOSK
from kiosk_app.availability import BackendWatch, DeviceWatch, StorageWatch
from kiosk_app.bootstrap import Kiosk
from kiosk_app.config import UiConfig
from kiosk_app.i18n import LANGUAGES, Translator
from kiosk_app.idle_drain import IdleDrain
from kiosk_app.inactivity import InactivityGuard, Nudge
from kiosk_app.kiosk_status import HEARTBEAT_SECONDS
from kiosk_app.screens import SCREENS
from kiosk_app.screens.attract.screen import AttractScreen
from kiosk_app.screens.base import SYMBOLS_FONT
from kiosk_app.screens.form.screen import FormScreen
from kiosk_app.screens.help.screen import HelpPanel
from kiosk_app.screens.language.screen import LanguageScreen
from kiosk_app.screens.maintenance.screen import MaintenanceMode
from kiosk_app.screens.menu.screen import MenuScreen
from kiosk_app.screens.more_time.screen import MoreTimePrompt
from kiosk_app.screens.notice_details.screen import NoticeDetailsScreen
from kiosk_app.screens.notice_entry.screen import NoticeEntryScreen
from kiosk_app.screens.out_of_service.screen import OutOfServiceScreen
from kiosk_app.screens.payment.screen import PaymentScreen
from kiosk_app.screens.receipt.screen import ReceiptScreen
from kiosk_app.screens.review.screen import ReviewScreen
from kiosk_app.screens.thank_you.screen import ThankYouScreen
from kiosk_app.session import CitizenSession
from kiosk_app.session_view import SessionView, Step
from kiosk_app.speech import Guidance, HeadsetDetector, Speaker
from kiosk_app.ui.kivy_lockdown import LockedDownApp
from kiosk_app.ui.status_publisher import StatusPublisher
from kiosk_app.ui.theme import SYMBOLS_FONT_FILE, Theme
from kiosk_app.watchdog import notify, ping_interval
from kiosk_app.worker import ThreadWorker
from transactions.services import unavailable_services

logger = logging.getLogger(__name__)

SCREEN_CLASSES = {
    "attract": AttractScreen,
    "language": LanguageScreen,
    "menu": MenuScreen,
    "notice_entry": NoticeEntryScreen,
    "notice_details": NoticeDetailsScreen,
    "form": FormScreen,
    "review": ReviewScreen,
    "payment": PaymentScreen,
    "receipt": ReceiptScreen,
    "thank_you": ThankYouScreen,
    "out_of_service": OutOfServiceScreen,
}
_QUIET_STEPS = (Step.ATTRACT, Step.THANK_YOU, Step.OUT_OF_SERVICE)
_VISIT_OVER = (Step.ATTRACT, Step.OUT_OF_SERVICE)
LARGE_TEXT_SCALE = 1.25


class KioskApp(LockedDownApp):
    """The kiosk's touchscreen."""

    language = StringProperty("fr")
    progress_text = StringProperty("")
    """'Step 2 of 4' in the citizen's language, on the screens inside a service."""
    text_scale = NumericProperty(1.0)
    """1 normally; larger in large-text mode (every font size in the kv files uses it)."""

    def __init__(
        self, kiosk: Kiosk, ui: UiConfig, on_started: Callable[[KioskApp], None] | None = None
    ) -> None:
        super().__init__()
        self.title = "Kiosk"
        self.kiosk = kiosk
        self.ui = ui
        self.theme = Theme()
        self.worker = ThreadWorker(post=lambda fn: Clock.schedule_once(lambda _dt: fn(), 0))
        self.session = CitizenSession(
            fines=kiosk.fines,
            runner=kiosk.runner,
            terminal=kiosk.terminal,
            worker=self.worker,
            default_language=ui.default_language,
            flows=kiosk.flows,
            survey=kiosk.survey,
        )
        self.language = ui.default_language
        self.guidance = Guidance(Speaker(wav_dir=ui.speech_wav_dir), HeadsetDetector(), ui.speech)
        self._spoken_screen: tuple[str, str, int, str, str] | None = None
        self.guard = InactivityGuard(ui.inactivity_seconds, ui.prompt_seconds)
        self._translators = {language: Translator(language) for language in LANGUAGES}
        self._prompt: MoreTimePrompt | None = None
        self.help_panel: HelpPanel | None = None
        self._thank_you_event: Any = None
        self._on_started = on_started
        self.watch = BackendWatch(
            kiosk.backend_url, self._backends_changed, every=kiosk.config.probe_seconds
        )
        min_free = int(kiosk.config.min_free_mb * 1024 * 1024)
        self.storage_watch = StorageWatch(
            lambda: kiosk.database.storage_problem(min_free),
            self._storage_changed,
            every=kiosk.config.probe_seconds,
        )
        # The printer's status is read between jobs too: a silent printer is then known.
        self.printer_watch = DeviceWatch(
            lambda: getattr(kiosk.devices.printer, "self_test", lambda: None)(),
            lambda: Clock.schedule_once(lambda _dt: self.publish_status(True), 0),
            every=kiosk.config.probe_seconds,
        )
        self._backend_down: frozenset[str] = frozenset()
        self._network = False
        self.status_publisher = StatusPublisher(kiosk.config, kiosk.devices.configured)
        self.idle_drain = (
            IdleDrain(kiosk.runner, self._idle)
            if kiosk.config.payment_terminal.driver in SETTLED_AT_KIOSK
            else None
        )
        self.resumed: list[Any] | None = None
        """Transactions finished at start from the journal (None until that is done)."""
        self.maintenance = MaintenanceMode(self)
        # A repair started before a restart is still under way.
        self.session.set_repair(self.maintenance.desk.repair_began is not None)

    # -- texts used by the .kv files -------------------------------------------------
    def translator(self, language: str) -> Translator:
        """Return the translator for ``language``."""
        return self._translators[language]

    def tr(self, key: str, language: str | None = None, **values: str) -> str:
        """Return the text for ``key`` (kv files pass ``app.language`` to rebind on change)."""
        return self._translators[language or self.language].text(key, **values)

    # -- life cycle --------------------------------------------------------------------
    def build(self) -> ScreenManager:
        """Load the layouts and create the screens."""
        package = resources.files("kiosk_app")
        LabelBase.register(SYMBOLS_FONT, SYMBOLS_FONT_FILE)
        Builder.load_file(str(package / "ui" / "widgets.kv"))
        for name in (*SCREENS, "more_time", "help", "maintenance"):
            Builder.load_file(str(package / "screens" / name / "screen.kv"))
        manager = ScreenManager(transition=NoTransition())
        for name in SCREENS:
            manager.add_widget(SCREEN_CLASSES[name](name=name))
        self.session.subscribe(self._render)
        return manager

    def on_start(self) -> None:
        """Start the worker, finish interrupted transactions, watch for inactivity."""
        self.printer_watch.start()  # first, so the menu knows the printer from the start
        self.worker.start()
        Window.bind(on_touch_down=self._on_touch)
        self.lock_window()  # bound last, so it sees keys and touches first
        Clock.schedule_interval(self._poll_guard, 0.25)
        started = datetime.now(UTC).isoformat()
        self.worker.submit(lambda: self.kiosk.runner.resume_unfinished(started), self._resumed)
        scanner = self.kiosk.devices.scanner
        if scanner is not None:
            scanner.start(self._on_scan)
        self.watch.start()
        self.storage_watch.start()
        Clock.schedule_interval(lambda _dt: self.publish_status(True), HEARTBEAT_SECONDS)
        if self.idle_drain is not None:
            Clock.schedule_interval(self._drain_while_idle, self.kiosk.config.agent_poll_seconds)
        self._render(self.session.view)
        notify("READY=1")
        every = ping_interval()
        if every is not None:  # pinged from the UI loop itself: a frozen loop stops them
            Clock.schedule_interval(lambda _dt: notify("WATCHDOG=1"), every)
        if self._on_started is not None:
            self._on_started(self)

    def on_stop(self) -> None:
        """Stop the scanner, the speech and the worker threads."""
        notify("STOPPING=1")
        self.guidance.reset()
        self.watch.stop()
        self.storage_watch.stop()
        self.printer_watch.stop()
        scanner = self.kiosk.devices.scanner
        if scanner is not None:
            scanner.stop()
        self.worker.stop()

    def _on_scan(self, code: str) -> None:
        """Hand a scanned code (read on the scanner's thread) to the UI thread."""
        Clock.schedule_once(lambda _dt: self.session.scanned(code), 0)

    def _backends_changed(self, unreachable: frozenset[str]) -> None:
        """Hand what the watcher found (on its thread) to the menu, on the UI thread."""
        down = unavailable_services(unreachable, self.kiosk.config.accepts_offline)
        network = self.watch.network
        Clock.schedule_once(lambda _dt: self._backends_now(down, network), 0)

    def _backends_now(self, down: frozenset[str], network: bool) -> None:
        self._backend_down, self._network = down, network
        self.publish_status()

    def _idle(self) -> bool:
        view = self.session.view
        return (
            view.step is Step.ATTRACT
            and not view.busy
            and self.resumed is not None
            and not self.maintenance.is_open
            and not self.maintenance.working
        )

    def _drain_while_idle(self, _dt: float) -> None:
        """Make the queued calls only this kiosk's terminal can make, if nobody is here."""
        drain = self.idle_drain
        if drain is not None and self._idle():
            self.worker.submit(drain.tick, self._drained)

    @staticmethod
    def _drained(outcome: Any) -> None:
        if isinstance(outcome, BaseException):
            logger.error("queued calls not made while idle", exc_info=outcome)

    def _storage_changed(self, problem: str | None) -> None:
        """Hand what the storage watch found (on its thread) to the session, on the UI thread."""
        session = self.session
        if problem is None:
            Clock.schedule_once(lambda _dt: session.resume_service(), 0)
        else:
            Clock.schedule_once(lambda _dt: session.stop_service(problem), 0)

    def publish_status(self, heartbeat: bool = False) -> None:
        """Publish the kiosk's state when it changes, and as a heartbeat."""
        session = self.session
        now = (session.out_of_service, self._backend_down, session.under_repair, self._network)
        status = self.status_publisher.publish(now, heartbeat)
        if status is None:
            return
        if session.out_of_service is not None:
            self.storage_watch.failed(session.out_of_service)
        # The menu greys out what cannot be sold: backends down, or no printer for a
        # service that needs its receipt. Later, not from within the render under way.
        unavailable = frozenset(status.causes)
        if unavailable != session.view.unavailable:
            Clock.schedule_once(lambda _dt: session.set_unavailable(unavailable), 0)

    def _resumed(self, outcome: Any) -> None:
        if isinstance(outcome, BaseException):
            logger.error("resuming interrupted transactions failed", exc_info=outcome)
            self.resumed = []
            return
        self.resumed = list(outcome)
        if self.resumed:
            logger.info("finished %d interrupted transaction(s)", len(self.resumed))

    # -- rendering ---------------------------------------------------------------------
    def _render(self, view: SessionView) -> None:
        self.publish_status()
        self.language = view.language
        if view.step is Step.ATTRACT:
            self.text_scale = 1.0  # a new visit starts with normal text
            self.guidance.reset()
        where = self.session.progress()
        self.progress_text = (
            self.tr("common.progress", step=str(where[0]), total=str(where[1])) if where else ""
        )
        manager = self.root
        if manager.current != view.step.value:
            manager.current = view.step.value
            logger.info("screen %s", view.step.value)
            if view.step in _VISIT_OVER:
                for screen in manager.screens:  # nothing of the citizen stays behind
                    screen.forget()
        manager.current_screen.render(view, self)
        self._speak(view)
        if view.step in _QUIET_STEPS or view.busy:
            self.guard.disarm()
            self._close_prompt()
        elif not self.guard.armed:
            self.guard.touched(time.monotonic())
        self._schedule_thank_you(view)

    def _schedule_thank_you(self, view: SessionView) -> None:
        if view.step is Step.THANK_YOU and self._thank_you_event is None:
            self._thank_you_event = Clock.schedule_once(
                lambda _dt: self._leave_thank_you(), self.ui.thank_you_seconds
            )

    def _leave_thank_you(self) -> None:
        self._thank_you_event = None
        if self.session.view.step is Step.THANK_YOU:
            self.session.wipe()

    # -- inactivity ---------------------------------------------------------------------
    def _on_touch(self, _window: Any, touch: Any) -> bool:
        self.maintenance.touched(touch.x, touch.y)
        if self.guard.armed:
            self.guard.touched(time.monotonic())
        if self._thank_you_event is not None:
            # Answering the survey keeps the thank-you screen up a little longer.
            self._thank_you_event.cancel()
            self._thank_you_event = None
            self._schedule_thank_you(self.session.view)
        return False

    def toggle_large_text(self) -> None:
        """Switch large-text mode for this visit (every screen follows)."""
        self.text_scale = 1.0 if self.text_scale != 1.0 else LARGE_TEXT_SCALE
        self._render(self.session.view)

    def listen(self) -> None:
        """The citizen asked to hear the screen: speak it now and on every screen after."""
        self.guidance.asked()
        self._spoken_screen = None
        self._speak(self.session.view)

    def spoken_text(self, view: SessionView) -> str:
        """Return what guidance says for the screen ``view`` shows."""
        texts = self.translator(view.language)
        form = view.form
        if view.step is Step.FORM and form is not None:
            name = form.field.name
            question = texts.text(f"form.{name}.title")
            if not question.endswith(("?", ".", "!", ":")):
                question += "."  # a pause before the hint
            return texts.text(
                "speech.form", question=question, hint=texts.text(f"form.{name}.hint")
            )
        return texts.text(f"speech.{view.step.value}")

    def _spoken(self, view: SessionView) -> str:
        """Return the screen's guidance, with any message on it read first."""
        said = self.spoken_text(view)
        if view.message:
            said = f"{self.translator(view.language).text(view.message)} {said}"
        return said

    def _speak(self, view: SessionView) -> None:
        """Say each screen (each question of a form) once, when guidance is on."""
        place = view.form.index if view.form else -1
        phase = view.payment_phase.value if view.payment_phase else ""
        where = (view.step.value, view.language, place, view.message or "", phase)
        if where == self._spoken_screen:
            return
        self._spoken_screen = where
        self.guidance.announce(self._spoken(view), view.language)

    def _poll_guard(self, _dt: float) -> None:
        self.maintenance.poll()
        now = time.monotonic()
        nudge = self.guard.poll(now)
        if nudge is Nudge.ASK:
            self._prompt = MoreTimePrompt()
            self._prompt.open(animation=False)
        elif nudge is Nudge.WIPE:
            self._close_prompt()
            self.close_help()
            self.session.wipe()
        if self._prompt is not None:
            if not self.guard.asking:
                self._close_prompt()
            else:
                seconds = str(round(self.guard.seconds_left(now)))
                self._prompt.countdown_text = self.tr("more_time.countdown", seconds=seconds)

    def open_help(self) -> None:
        """Show where to get help (a counter, the help line), over the current screen."""
        if self.help_panel is None:
            self.help_panel = HelpPanel()
            self.help_panel.open(animation=False)

    def close_help(self) -> None:
        """Close the help panel; the visit goes on where it was."""
        if self.help_panel is not None:
            self.help_panel.dismiss(animation=False)
            self.help_panel = None

    def more_time(self) -> None:
        """The citizen asked for more time."""
        self.guard.touched(time.monotonic())
        self._close_prompt()

    def _close_prompt(self) -> None:
        if self._prompt is not None:
            self._prompt.dismiss(animation=False)
            self._prompt = None

    @property
    def prompt(self) -> MoreTimePrompt | None:
        """Return the "need more time?" prompt while it is open."""
        return self._prompt
