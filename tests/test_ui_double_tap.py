"""A double tap never submits twice: one notice looked up once, one payment taken once.

Through the real UI: "find my notice" disables itself while the look-up runs, and "pay"
leaves its screen at once, so the second touch lands elsewhere. The session's own
guards (busy, payment phase) are a second line behind these.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kiosk_runs import run_scenario

pytestmark = pytest.mark.ui


def test_tapping_find_and_pay_twice_adds_one_notice_and_opens_one_payment(
    tmp_path: Path,
) -> None:
    seen = run_scenario("double_tap", str(tmp_path))
    assert seen["notices"] == ["100042158731"]
    assert seen["transactions"] == 1
    assert seen["state"] == "done"
