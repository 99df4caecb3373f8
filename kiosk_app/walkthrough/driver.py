"""Play a scripted citizen on the running kiosk, touching widgets as a person would.

A script is a generator of actions. The driver waits until the screen an action needs is
showing, settled and not busy, then touches the widget; it records each screen visit
(modelled citizen time, measured kiosk wait) and can take a screenshot of every screen.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window

from kiosk_app.session_view import SETTLE_SECONDS, SessionView
from kiosk_app.walkthrough.klm import ScreenVisit, VisitLog
from kiosk_app.walkthrough.touch import tap

logger = logging.getLogger(__name__)

TICK_SECONDS = 0.05
SETTLE_TICKS = 3
"""Frames a screen must stay put before it is read (layout and textures are done)."""


@dataclass(frozen=True)
class Tap:
    """Touch widget ``widget`` on ``screen``; ``key`` counts it as a keypad key."""

    screen: str
    widget: str
    key: bool = False


@dataclass(frozen=True)
class Expect:
    """Wait until ``until(view)`` holds on a settled, idle screen."""

    until: Callable[[SessionView], bool]
    what: str


@dataclass(frozen=True)
class Happen:
    """Make something happen to the kiosk that is not a citizen's touch (``event(app)``)."""

    event: Callable[[Any], None]
    what: str


@dataclass(frozen=True)
class Stop:
    """End the walkthrough with ``outcome``."""

    outcome: str
    completed: bool


Action = Tap | Expect | Happen | Stop
Script = Generator[Action, SessionView, None]


@dataclass
class DriverResult:
    """What the walkthrough saw."""

    completed: bool = False
    outcome: str = "unfinished"
    error: str | None = None
    log: VisitLog = field(default_factory=VisitLog)
    screenshots: list[str] = field(default_factory=list)


def visit_name(screen: str, view: SessionView) -> str:
    """Return a visit's name: the screen, and for a form the question (``form:plate``)."""
    if screen == "form" and view.form is not None and view.step.value == "form":
        refused = ":refused" if view.message else ""
        return f"form:{view.form.field.name}{refused}"
    if screen == "thank_you" and view.survey_rating is not None:
        return "thank_you:rated"
    return screen


class Driver:
    """Run ``script`` against ``app`` from Kivy's clock; call ``on_done`` with the result."""

    def __init__(
        self,
        app: Any,
        script: Script,
        on_done: Callable[[DriverResult], None],
        screenshots: Path | None = None,
        action_timeout: float = 60.0,
        inspector: Any = None,
        tick_seconds: float = TICK_SECONDS,
        settle_ticks: int = SETTLE_TICKS,
    ) -> None:
        self._app = app
        self._script = script
        self._on_done = on_done
        self._screenshots = screenshots
        self._timeout = action_timeout
        self.result = DriverResult()
        self._action: Action | None = None
        self._action_since = 0.0
        self._settled = 0
        self._visit: ScreenVisit | None = None
        self._visit_screen: str | None = None
        self._waits_seen = 0
        self._event: Any = None
        self._visit_opened = 0.0
        self._inspector = inspector
        """Checks each new screen before the script goes on (see walkthrough.gallery)."""
        self._inspect_pending = False
        self._tick_seconds = tick_seconds
        """How often the script is looked at; 0 is every frame (a soak's brisk citizens)."""
        self._settle_ticks = settle_ticks
        """Looks at an unchanged screen before the next touch (1 with a tick every frame:
        the frame after a touch has drawn its effect)."""

    def start(self) -> None:
        """Begin playing the script."""
        self._action = next(self._script)
        self._action_since = time.monotonic()
        self._event = Clock.schedule_interval(self._tick, self._tick_seconds)

    def new_log(self) -> VisitLog:
        """Return the screens visited so far and start an empty log (one per citizen of a
        soak, so a long run does not keep every screen it ever saw)."""
        log = self.result.log
        self.result.log = VisitLog()
        return log

    # -- the loop ----------------------------------------------------------------------
    def _tick(self, _dt: float) -> None:
        try:
            self._step()
        except Exception as err:  # a broken script must end the run, not hang the kiosk
            logger.exception("walkthrough failed")
            self._finish(Stop(f"error: {err}", completed=False), error=str(err))

    def _step(self) -> None:
        view: SessionView = self._app.session.view
        current = self._app.root.current
        place = visit_name(current, view)
        if place != self._visit_screen:
            self._open_visit(place)
        if view.busy or self._app.prompt is not None or not self._is_settled(place):
            self._check_timeout(current)
            return
        self._account_waits()
        self._take_screenshot_once()
        if self._inspector is not None:
            if self._inspect_pending:
                self._inspect_pending = False
                self._inspector.begin(place, view)
            if self._inspector.busy:
                self._inspector.tick()
                return
        action = self._action
        if isinstance(action, Stop):
            self._finish(action)
            return
        if isinstance(action, Tap):
            if current != action.screen:
                self._check_timeout(current)
                return
            self._touch(action)
        elif isinstance(action, Expect) and not action.until(view):
            self._check_timeout(current)
            return
        elif isinstance(action, Happen):
            logger.info("walkthrough: %s", action.what)
            action.event(self._app)
        self._advance(view)

    def _advance(self, view: SessionView) -> None:
        try:
            self._action = self._script.send(view)
        except StopIteration:
            self._action = Stop("finished", completed=True)
        self._action_since = time.monotonic()
        self._settled = 0

    def _touch(self, action: Tap) -> None:
        widget = self._find(action.screen, action.widget)
        if widget.disabled or widget.opacity == 0:
            raise RuntimeError(f"{action.widget} on {action.screen} cannot be touched now")
        tap(widget)
        assert self._visit is not None
        if action.key:
            self._visit.keys += 1
        else:
            self._visit.taps += 1

    def _find(self, screen_name: str, widget_id: str) -> Any:
        screen = self._app.root.get_screen(screen_name)
        if widget_id in screen.ids:
            return screen.ids[widget_id]
        named = getattr(screen, "named", {})  # keys and buttons built at run time
        if widget_id in named:
            return named[widget_id]
        topbar = screen.ids.get("topbar")
        if topbar is not None and widget_id in topbar.ids:
            return topbar.ids[widget_id]
        raise RuntimeError(f"no widget {widget_id!r} on screen {screen_name!r}")

    # -- visits, waits, screenshots ----------------------------------------------------
    def _open_visit(self, screen: str) -> None:
        self._account_waits()
        self._visit = ScreenVisit(screen)
        self._visit_screen = screen
        self._visit_opened = time.monotonic()
        self._inspect_pending = True
        self._shot_taken = False
        self._settled = 0
        self.result.log.visits.append(self._visit)

    def _account_waits(self) -> None:
        session = self._app.session
        new = min(session.waits_total - self._waits_seen, len(session.waits))
        self._waits_seen = session.waits_total
        for screen, seconds in list(session.waits)[len(session.waits) - new :]:
            target = next(
                (v for v in reversed(self.result.log.visits) if v.screen == screen), self._visit
            )
            if target is not None:
                target.wait_seconds += seconds

    def _is_settled(self, current: str) -> bool:
        self._settled = self._settled + 1 if current == self._visit_screen else 0
        # A person reads a new screen before touching it; the kiosk ignores a Continue
        # tapped sooner than that (the second half of a double tap).
        fresh = time.monotonic() - self._visit_opened < SETTLE_SECONDS + 0.05
        return self._settled >= self._settle_ticks and not fresh

    def _take_screenshot_once(self) -> None:
        if self._screenshots is None or self._shot_taken or self._visit is None:
            return
        self._shot_taken = True
        index = len(self.result.log.visits)
        name = self._visit.screen.replace(":", "-")
        wanted = self._screenshots / f"{index:02d}-{name}-{self._app.language}.png"
        written = Window.screenshot(name=str(self._screenshots / "shot.png"))
        if written:
            Path(written).replace(wanted)
            self.result.screenshots.append(str(wanted))

    def _check_timeout(self, current: str) -> None:
        if time.monotonic() - self._action_since > self._timeout:
            what = self._action.what if isinstance(self._action, Expect) else repr(self._action)
            raise RuntimeError(f"stuck on screen {current!r} waiting for {what}")

    def _finish(self, stop: Stop, error: str | None = None) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        self._account_waits()
        self.result.completed = stop.completed
        self.result.outcome = stop.outcome
        self.result.error = error
        self._on_done(self.result)
