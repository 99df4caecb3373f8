"""The Kivy settings the kiosk's window is created with (read back from Kivy's own Config)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

READ_BACK = """
import json, sys
from pathlib import Path
from kiosk_app.config import UiConfig
from kiosk_app.ui.kivy_setup import configure_kivy
configure_kivy(UiConfig(), Path(sys.argv[1]))
from kivy.config import Config
print(json.dumps({"multisamples": Config.getint("graphics", "multisamples")}))
"""


def configured(kivy_home: Path) -> dict[str, int]:
    """Run configure_kivy in a fresh interpreter (it sets Kivy's process-wide state)."""
    done = subprocess.run(
        [sys.executable, "-c", READ_BACK, str(kivy_home)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    settings: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return settings


def test_the_window_is_drawn_without_multisampling_which_rectangles_and_text_do_not_need(
    tmp_path: Path,
) -> None:
    # Kivy's default (2 samples) made every frame about three times slower to draw in
    # software (Mesa llvmpipe), and touch-to-frame p95 missed 100 ms (bench/soak.py).
    assert configured(tmp_path / "kivy")["multisamples"] == 0
