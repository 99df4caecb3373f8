"""A citizen who walks away is asked for more time, then everything entered is wiped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from kiosk_runs import kiosk_env

pytestmark = pytest.mark.ui
SCENARIO = Path(__file__).parent / "scenarios" / "walk_away.py"


def test_a_walked_away_visit_is_wiped_after_the_question_and_a_touch_keeps_it(
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
    assert seen["typed_before"] == "100042"
    assert seen["prompts"] == 2
    assert "erased" in seen["prompt_text"]  # the question is in the citizen's language
    assert seen["prompt_closed_by_touch"]
    assert seen["typed_after_more_time"] == "100042"  # "yes" keeps what was typed
    assert seen["after_wipe"] == {
        "screen": "attract",
        "typed": "",
        "notices": 0,
        "language": "fr",
        "keypad_display": "_ _ _ _ _ _ _ _ _ _ _ _",
    }
