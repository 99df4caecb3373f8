"""The lockdown's rules without a window: how refused keys are named, and which fingers
count. The same rules refuse real keys and touches in tests/test_ui_lockdown.py."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk_app.ui.lockdown import LOST_TOUCH_SECONDS, Fingers, is_typing, key_name

F1, F4, F11 = 282, 285, 292


@pytest.mark.parametrize(
    ("key", "modifiers", "name"),
    [
        (F1, [], "F1"),
        (27, [], "Escape"),
        (F4, ["alt"], "Alt-F4"),
        (9, ["alt"], "Alt-Tab"),
        (8, ["ctrl", "alt"], "Ctrl-Alt-Backspace"),
        (F1 + 11, ["alt", "ctrl"], "Ctrl-Alt-F12"),
        (F11, ["shift", "numlock"], "Shift-F11"),
        (309, ["meta"], "Super"),
        (1073742055, ["meta"], "Super"),
        (F1, ["meta"], "Super-F1"),
        (113, ["ctrl"], "Ctrl-character"),
    ],
)
def test_a_refused_key_is_named_as_a_person_would_name_it(
    key: int, modifiers: list[str], name: str
) -> None:
    assert key_name(key, modifiers) == name


def test_a_name_typed_on_a_stray_keyboard_leaves_no_letter_in_the_key_names() -> None:
    typed = "Éloïse Côté-Tremblay, app. 4B, h2x 1y4"
    names = {key_name(ord(c.lower()), ["shift"] if c.isupper() else []) for c in typed}
    assert names == {"character", "Shift-character"}
    assert all(is_typing(name) for name in names)


KIVY_SPECIAL_KEYS = range(256, 312)
"""Kivy numbers the numpad, arrows, F1…F15 and modifiers 256…311, over Latin Extended-A:
a key code there is that key to Kivy (and to its F1 binding) whatever the layout."""


@settings(deadline=None)  # a busy shared machine must not fail it
@given(
    st.characters(min_codepoint=32, exclude_categories=("Cs", "Cc")).filter(
        lambda c: ord(c) not in KIVY_SPECIAL_KEYS
    )
)
def test_no_character_key_is_ever_named_by_what_it_types(character: str) -> None:
    name = key_name(ord(character), ["shift", "alt"])
    assert name == "Alt-Shift-character"


def test_a_second_and_third_finger_are_refused_and_logged_once_when_all_are_lifted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fingers = Fingers()
    caplog.set_level(logging.INFO, "kiosk_app.ui.lockdown")
    assert fingers.down(1, 10.0) is False  # the citizen's finger: its button is pressed
    assert fingers.down(2, 10.1) is True
    assert fingers.down(3, 10.1) is True
    assert [fingers.refused(uid) for uid in (1, 2, 3)] == [False, True, True]
    assert fingers.up(2, 10.2) is True
    assert fingers.up(1, 10.3) is False
    assert caplog.messages == []  # a finger is still down: the gesture is not over
    assert fingers.up(3, 10.3) is True
    assert caplog.messages == ["lockdown: refused a 3-finger touch"]
    assert fingers.down(4, 11.0) is False  # the screen was clear: a new touch counts


def test_a_held_finger_is_one_tap_and_logged_with_how_long(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fingers = Fingers()
    caplog.set_level(logging.INFO, "kiosk_app.ui.lockdown")
    assert fingers.down(1, 100.0) is False
    assert fingers.up(1, 100.2) is False  # a quick tap: nothing to say
    assert fingers.down(2, 200.0) is False
    assert fingers.up(2, 203.0) is False
    assert caplog.messages == ["lockdown: a touch held 3.0 s, taken as one tap"]


def test_a_touch_whose_lift_was_lost_does_not_refuse_every_later_touch(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fingers = Fingers()
    caplog.set_level(logging.INFO, "kiosk_app.ui.lockdown")
    assert fingers.down(1, 0.0, on_screen={1}) is False
    # Kivy no longer has touch 1 (its end never came to the window): touch 2 is alone.
    assert fingers.down(2, 1.0, on_screen={2}) is False
    assert fingers.up(2, 1.1) is False
    # A touchscreen that never reports a lift: after a while the touch no longer counts.
    assert fingers.down(3, 2.0) is False
    assert fingers.down(4, 2.0 + LOST_TOUCH_SECONDS) is False
    assert caplog.messages == ["lockdown: forgot a touch that never ended"] * 2
