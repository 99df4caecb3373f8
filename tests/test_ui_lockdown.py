"""After the receipt the kiosk resets itself; it is fullscreen and Escape does not close it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from kiosk_runs import kiosk_env

pytestmark = pytest.mark.ui
SCENARIO = Path(__file__).parent / "scenarios" / "finish_and_escape.py"


def test_the_kiosk_returns_to_attract_after_thank_you_and_escape_does_not_close_it(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, str(SCENARIO), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=180,
        env=kiosk_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["outcome"] == "done"
    assert seen["fullscreen"] == "auto"
    assert seen["window"] == [1080, 1920]
    # Escape was pressed on the thank-you screen and the kiosk kept running to reset itself.
    assert seen["back_to_attract"]
    assert seen["after"] == {"notices": 0, "record": False}
