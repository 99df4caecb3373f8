"""A citizen who walks away is asked for more time, then everything entered is wiped."""

from __future__ import annotations

from pathlib import Path

import pytest
from kiosk_runs import run_scenario

pytestmark = pytest.mark.ui


def test_a_walked_away_visit_is_wiped_after_the_question_and_a_touch_keeps_it(
    tmp_path: Path,
) -> None:
    seen = run_scenario("walk_away", str(tmp_path))
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
