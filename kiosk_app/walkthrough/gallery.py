"""Every screen of every service, in both languages, photographed and checked for overflow.

One kiosk run at one window size plays each service's sample citizen in turn (and one who
is refused). At every new screen (every question of a form) the gallery switches to each
language and to large text, lets Kivy lay the screen out, checks it with ``ui.audit`` and
takes a screenshot in normal text; then the citizen goes on.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Generator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk_app.config import KioskConfig
from kiosk_app.i18n import LANGUAGES
from kiosk_app.session_view import SessionView, Step

if TYPE_CHECKING:  # the driver imports Kivy's window, which must wait for configure_kivy
    from kiosk_app.walkthrough.driver import Action, Script

logger = logging.getLogger(__name__)

LARGE = 1.25
SHARED_SCREENS = frozenset(
    {"attract", "language", "menu", "payment", "thank_you", "thank_you:rated", "out_of_service"}
)
"""Screens that look the same whatever the service: photographed once."""
WRONG_LICENCE = "O12345678901234"
"""A licence on file that does not own the sample renewal's vehicle: the refusal screen."""


class Inspector:
    """At each new screen: every language and text size, audited; normal size photographed."""

    def __init__(self, app: Any, out: Path) -> None:
        self._app = app
        self._out = out
        self.problems: dict[str, list[str]] = {}
        self.shots: list[str] = []
        self._seen: set[str] = set()
        self._plan: list[tuple[str, float] | None] = []
        self._wait = 0
        self._name = ""
        self._restore: tuple[str, float] = ("fr", 1.0)

    def begin(self, visit: str, view: SessionView) -> None:
        """Plan the checks of a new screen (nothing to do if it was already seen)."""
        key = visit if visit in SHARED_SCREENS else f"{view.service}:{visit}"
        if key in self._seen:
            return
        self._seen.add(key)
        self._name = (visit if visit in SHARED_SCREENS else f"{view.service}-{visit}").replace(
            ":", "-"
        )
        self._restore = (view.language, 1.0)
        self._plan = [(lang, scale) for lang in LANGUAGES for scale in (1.0, LARGE)]
        self._plan.append(None)  # back to where the citizen was
        self._apply(self._plan[0])

    @property
    def busy(self) -> bool:
        """Return True while checks of the current screen remain."""
        return bool(self._plan)

    def tick(self) -> None:
        """Advance one frame; check and photograph once the screen has settled."""
        self._wait += 1
        if self._wait < 3:
            return
        step = self._plan.pop(0)
        if step is not None:
            self._check(*step)
        if self._plan:
            self._apply(self._plan[0])

    def _apply(self, step: tuple[str, float] | None) -> None:
        language, scale = step if step is not None else self._restore
        app = self._app
        app.text_scale = scale
        app.session.switch_language(language)
        self._wait = 0

    def _check(self, language: str, scale: float) -> None:
        from kivy.core.window import Window

        from kiosk_app.ui.audit import audit

        size = "large" if scale != 1.0 else "normal"
        found = audit(list(Window.children), *Window.size)
        if found:
            self.problems[f"{self._name} ({language}, {size} text)"] = found
        if scale == 1.0:
            number = len(self._seen)
            wanted = self._out / f"{number:02d}-{self._name}-{language}.png"
            written = Window.screenshot(name=str(self._out / "shot.png"))
            if written:
                Path(written).replace(wanted)
                self.shots.append(wanted.name)


def gallery_script(scripts: list[Script]) -> Script:
    """Play each citizen in turn, the last finishing the survey; then one who is refused;
    then the kiosk goes out of service (its disk full)."""
    from kiosk_app.walkthrough.driver import Expect, Happen, Stop, Tap

    for number, script in enumerate(scripts):
        view = yield from _until_stop(script)
        if view is None:
            return
        if number == len(scripts) - 1:
            yield Tap("thank_you", "rate_good")
            yield Expect(lambda v: v.survey_rating is not None, "the survey statements")
        yield Tap("thank_you", "finish")
        yield Expect(lambda v: v.step is Step.ATTRACT, "the attract screen")
    yield from _refused_renewal()
    yield Happen(_fill_the_disk, "the disk fills up")
    yield Expect(lambda v: v.step is Step.OUT_OF_SERVICE, "the out-of-service screen")
    yield Stop("done", completed=True)


def _fill_the_disk(app: Any) -> None:
    """Make the kiosk's storage unable to grow, and let the storage watch see it."""
    with app.kiosk.database.reading() as db:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count={pages}")
    app.storage_watch.probe()  # its next rounds see the same: the screen stays


def _until_stop(script: Script) -> Generator[Action, SessionView, SessionView | None]:
    """Relay ``script`` until it stops; return the last view, or None if it failed."""
    from kiosk_app.walkthrough.driver import Stop

    view: SessionView | None = None
    action = next(script)
    while True:
        if isinstance(action, Stop):
            if not action.completed:
                yield action
                return None
            return view
        view = yield action
        try:
            action = script.send(view)
        except StopIteration:
            return view


def _refused_renewal() -> Script:
    from kiosk_app.flows.keyboard import Keyboard, keystrokes
    from kiosk_app.walkthrough.driver import Expect, Tap

    yield Tap("attract", "start")
    yield Tap("language", "lang_fr")
    yield Tap("menu", "service_registration_renewal")
    yield Tap("form", "choose_plate")
    for key in keystrokes("CBKR274", Keyboard.CODE):
        yield Tap("form", f"key_{key}", key=True)
    yield Tap("form", "proceed")
    yield Expect(lambda v: v.form is not None and v.form.index == 2, "the licence question")
    for key in keystrokes(WRONG_LICENCE, Keyboard.CODE):
        yield Tap("form", f"key_{key}", key=True)
    yield Tap("form", "proceed")
    yield Expect(lambda v: bool(v.message), "the refusal")


def run_gallery(config: KioskConfig, out: Path) -> dict[str, Any]:
    """Photograph and check every screen at the config's window size; return the report."""
    from kiosk_app.ui.display import screen
    from kiosk_app.ui.kivy_setup import configure_kivy

    out.mkdir(parents=True, exist_ok=True)
    ui = replace(config.ui, default_language="fr")
    with tempfile.TemporaryDirectory(prefix="kiosk-kivy-") as kivy_home:
        configure_kivy(ui, Path(kivy_home))
        with screen(ui.width, ui.height):
            return _play(replace(config, ui=ui), out)


def _play(config: KioskConfig, out: Path) -> dict[str, Any]:
    from kivy.clock import Clock

    from device_drivers.sim.payment_terminal import SimulatedPaymentTerminal
    from kiosk_app.bootstrap import build_kiosk
    from kiosk_app.ui.app import KioskApp
    from kiosk_app.walkthrough.answers import FineAnswers, load_answers
    from kiosk_app.walkthrough.citizens import fine_citizen, service_citizen
    from kiosk_app.walkthrough.driver import Driver, DriverResult
    from transactions.services import SERVICES

    kiosk = build_kiosk(config)
    scripts: list[Script] = []
    for service in SERVICES:
        answers = load_answers(service, None)
        if isinstance(answers, FineAnswers):
            scripts.append(fine_citizen(answers))
        else:
            scripts.append(service_citizen(answers))
    if isinstance(kiosk.terminal, SimulatedPaymentTerminal):
        kiosk.terminal.hold_card(load_answers("fine", None).card)
    outcome: dict[str, DriverResult] = {}
    inspector: dict[str, Inspector] = {}

    def started(app: KioskApp) -> None:
        def done(result: DriverResult) -> None:
            outcome["result"] = result
            Clock.schedule_once(lambda _dt: app.stop(), 0)

        inspector["it"] = Inspector(app, out)
        app.driver = Driver(app, gallery_script(scripts), done, inspector=inspector["it"])
        app.driver.start()

    app = KioskApp(kiosk, config.ui, on_started=started)
    try:
        app.run()
    finally:
        kiosk.close()
    result = outcome.get("result") or DriverResult(error="the kiosk stopped before the end")
    found = inspector["it"] if inspector else None
    return {
        "size": f"{config.ui.width}x{config.ui.height}",
        "completed": result.completed,
        "error": result.error,
        "outcome": result.outcome,
        "screenshots": found.shots if found else [],
        "problems": found.problems if found else {},
    }
