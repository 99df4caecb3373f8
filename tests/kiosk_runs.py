"""Run the real ``kiosk`` command in a subprocess, on its own virtual display."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

KIOSK = str(Path(sys.executable).with_name("kiosk"))


def kiosk_env() -> dict[str, str]:
    """Return an environment with no display, so the kiosk starts its own Xvfb."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONUNBUFFERED"] = "1"
    env["KIOSK_CONFIG"] = ""  # embedded defaults without --config, whatever /etc/kiosk holds
    return env


def walkthrough(
    tmp_path: Path,
    answers: dict[str, Any] | None,
    *extra: str,
    service: str = "fine",
    timeout: float = 240,
) -> tuple[int, dict[str, Any], str]:
    """Run ``kiosk walkthrough SERVICE --json`` and return (exit code, report, stderr).

    ``answers`` None plays the service's built-in sample citizen.
    """
    args = [KIOSK, "walkthrough", service, "--json", *extra]
    if answers is not None:
        path = tmp_path / f"answers-{len(list(tmp_path.glob('answers-*')))}.json"
        path.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
        args += ["--answers", str(path)]
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, env=kiosk_env(), check=False
    )
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        report = {}
    return done.returncode, report, done.stderr


SCENARIOS = Path(__file__).parent / "scenarios"


def run_scenario(name: str, *args: str, timeout: float = 180) -> dict[str, Any]:
    """Run ``tests/scenarios/NAME.py`` in its own process and return what it saw."""
    done = subprocess.run(
        [sys.executable, str(SCENARIOS / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=kiosk_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen
