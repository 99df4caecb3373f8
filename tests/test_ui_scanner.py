"""A notice scanned on a serial barcode scanner is looked up without typing."""

from __future__ import annotations

from pathlib import Path

import pytest
from kiosk_runs import run_scenario
from serial_pty import pty_pair

pytestmark = pytest.mark.ui


def test_a_scanned_notice_reaches_the_details_screen_without_typing(tmp_path: Path) -> None:
    with pty_pair(tmp_path, names=("kiosk", "scanner")) as (kiosk_end, scanner_end):
        seen = run_scenario("scan_notice", str(tmp_path), kiosk_end, scanner_end)
    assert seen == {
        "typed_before_scan": "",
        "screen": "notice_details",
        "notices": ["100042158731"],
    }
