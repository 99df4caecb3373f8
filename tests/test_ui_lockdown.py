"""After the receipt the kiosk resets itself; it is fullscreen, shows no pointer, and neither
Escape nor Alt-F4 closes it. No key of a stray keyboard and no gesture leaves or alters it
(issue 13, point 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from kiosk_runs import run_scenario

pytestmark = pytest.mark.ui


def test_the_kiosk_returns_to_attract_after_thank_you_and_escape_does_not_close_it(
    tmp_path: Path,
) -> None:
    seen = run_scenario("finish_and_escape", str(tmp_path))
    assert seen["outcome"] == "done"
    assert seen["fullscreen"] == "auto"
    assert seen["window"] == [1080, 1920]
    # Escape was pressed on the thank-you screen and the kiosk kept running to reset itself.
    assert seen["back_to_attract"]
    assert seen["close_refused"]  # Alt-F4 does not close it either
    assert seen["cursor_shown"] is False
    assert seen["after"] == {"notices": 0, "record": False}


# Every key a stray USB keyboard could use to leave or alter the kiosk, as a person names it.
KEY = "lockdown: refused key "
WAYS_OUT = [
    "F1",
    "Escape",
    "Alt-F4",
    "Alt-Tab",
    "Ctrl-Alt-Backspace",
    *(f"Ctrl-Alt-F{n}" for n in range(1, 13)),
    "F11",
    "Super",
    "Super",
]


@pytest.fixture(scope="module")
def lockdown(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the lockdown scenario once: keys and gestures on a half-typed notice number."""
    return run_scenario("lockdown", str(tmp_path_factory.mktemp("lockdown")))


def test_no_key_from_a_stray_keyboard_opens_settings_leaves_or_alters_the_kiosk(
    lockdown: dict[str, Any],
) -> None:
    seen = lockdown
    assert seen["changed_by"] == []  # no key opened a panel, changed screen, size or text
    assert seen["after_keys"] == seen["before"]
    assert seen["before"]["screen"] == "notice_entry"
    assert seen["before"]["overlays"] == ["ScreenManager"]
    assert seen["before"]["fullscreen"] == "auto"
    assert seen["close_refused"] is True
    assert seen["open_settings"] is False
    # Kivy's settings could not persist anything: no config file, none written.
    assert seen["kivy_config_written"] is False
    assert "config.ini" not in seen["kivy_home"]
    info = [message for level, message in seen["log"] if level == "INFO"]
    refused_keys = [m.removeprefix(KEY) for m in info if m.startswith(KEY)]
    assert refused_keys == WAYS_OUT  # each logged once, by name
    assert "lockdown: refused a request to close the window (keyboard)" in info
    assert "lockdown: refused the settings panel" in info
    # What was typed on that keyboard is in no log record, only that a character was.
    assert seen["name_in_log"] == []
    typed = {message for level, message in seen["log"] if level == "DEBUG"}
    assert typed == {"lockdown: refused key character", "lockdown: refused key Shift-character"}


def test_extra_fingers_are_refused_and_a_held_finger_is_one_tap(
    lockdown: dict[str, Any],
) -> None:
    seen = lockdown
    # "1000" typed; two fingers on 1 and 2, then three on 3, 4 and 6: only the first of
    # each counts; then a finger held on 5, then on the number itself.
    assert seen["after_fingers"]["typed"] == "100013"
    assert seen["held_typed"] == ["100013", "1000135"]
    assert seen["after_holds"] == {**seen["before"], "typed": "1000135"}
    assert seen["maintenance_open"] is False
    assert seen["circles"] == []  # no multitouch emulation from a right or ctrl click
    assert seen["touches_left"] == 0
    info = [message for level, message in seen["log"] if level == "INFO"]
    assert [m for m in info if "finger" in m] == [
        "lockdown: refused a 2-finger touch",
        "lockdown: refused a 3-finger touch",
    ]
    held = [m for m in info if "held" in m]
    assert len(held) == 2
    assert all(m.endswith("s, taken as one tap") for m in held)


def test_the_out_of_service_screen_opens_no_settings_and_does_not_close(
    tmp_path: Path,
) -> None:
    seen = run_scenario("lockdown", str(tmp_path), "out_of_service")
    # After F1, Escape and Alt-F4 in turn: no settings panel, only the screen.
    assert seen["overlays"] == [["OutOfServiceScreen"]] * 3
    assert seen["close_refused"] is True  # Alt-F4 does not close it
    assert seen["running"] is True
