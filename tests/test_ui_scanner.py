"""A notice scanned on a serial barcode scanner is looked up without typing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from kiosk_runs import kiosk_env
from serial_pty import pty_pair

pytestmark = pytest.mark.ui
SCENARIO = Path(__file__).parent / "scenarios" / "scan_notice.py"


def test_a_scanned_notice_reaches_the_details_screen_without_typing(tmp_path: Path) -> None:
    with pty_pair(tmp_path, names=("kiosk", "scanner")) as (kiosk_end, scanner_end):
        done = subprocess.run(
            [sys.executable, str(SCENARIO), str(tmp_path), kiosk_end, scanner_end],
            capture_output=True,
            text=True,
            timeout=180,
            env=kiosk_env(),
            check=False,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {
        "typed_before_scan": "",
        "screen": "notice_details",
        "notices": ["100042158731"],
    }
