"""Walk-away protection: asked after 45 s of quiet, wiped 20 s later unless touched."""

from __future__ import annotations

from kiosk_app.inactivity import InactivityGuard, Nudge


def test_a_quiet_visit_is_asked_after_45_s_and_wiped_20_s_later() -> None:
    guard = InactivityGuard()
    guard.touched(100.0)
    assert guard.poll(144.9) is Nudge.NOTHING
    assert guard.poll(145.0) is Nudge.ASK
    assert guard.asking
    assert guard.seconds_left(150.0) == 15.0
    assert guard.poll(164.9) is Nudge.NOTHING
    assert guard.poll(165.0) is Nudge.WIPE
    assert not guard.armed


def test_a_touch_during_the_question_keeps_the_visit() -> None:
    guard = InactivityGuard()
    guard.touched(0.0)
    assert guard.poll(45.0) is Nudge.ASK
    guard.touched(50.0)
    assert not guard.asking
    assert guard.poll(70.0) is Nudge.NOTHING
    assert guard.poll(95.0) is Nudge.ASK


def test_nothing_happens_when_no_visit_is_watched() -> None:
    guard = InactivityGuard()
    assert guard.poll(10_000.0) is Nudge.NOTHING
    guard.touched(0.0)
    guard.disarm()
    assert guard.poll(10_000.0) is Nudge.NOTHING


def test_the_question_is_asked_once_per_quiet_spell() -> None:
    guard = InactivityGuard(idle_seconds=45, prompt_seconds=20)
    guard.touched(0.0)
    nudges = [guard.poll(t / 4) for t in range(0, 4 * 70)]
    assert nudges.count(Nudge.ASK) == 1
    assert nudges.count(Nudge.WIPE) == 1
