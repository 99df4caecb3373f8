"""After the receipt the kiosk resets itself; it is fullscreen, shows no pointer, and neither
Escape nor Alt-F4 closes it."""

from __future__ import annotations

from pathlib import Path

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
