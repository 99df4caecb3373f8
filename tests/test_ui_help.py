"""A citizen the kiosk cannot serve is told where a person can help, without losing anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from kiosk_runs import run_scenario

pytestmark = pytest.mark.ui


def test_help_says_where_to_get_served_and_closing_it_keeps_the_visit(tmp_path: Path) -> None:
    seen = run_scenario("help_panel", str(tmp_path))
    assert seen["panel_open"]
    assert "comptoir" in seen["help_text"]  # a counter, in the citizen's language
    assert "1 800 555-0199" in seen["help_text"]
    assert seen["panel_closed"]
    assert seen["screen"] == "notice_entry"
    assert seen["typed"] == "1"
