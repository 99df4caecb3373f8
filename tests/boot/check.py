"""Inside the booted kiosk (systemd as PID 1): look at what a technician would, write the
findings to /boot-results/findings.json, then power off.

Run by kiosk-boot-check.service (tests/boot/kiosk-boot-check.service) with Debian's
python3 and the standard library only: it is no part of the kiosk.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

RESULTS = Path("/boot-results")
WATCHDOG_SECONDS = 30
UI_RUNTIME = {"kiosk-ui": "/run/kiosk-ui", "kiosk-out-of-service": "/run/kiosk-out-of-service"}


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a command; its output is kept, never raised on."""
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as err:
        return subprocess.CompletedProcess(args, 124, "", f"timed out: {err}")


def unit(name: str) -> dict[str, str]:
    """Return a unit's state, restart count and main process."""
    shown = run(
        "systemctl", "show", name, "-p", "ActiveState", "-p", "SubState", "-p", "NRestarts",
        "-p", "MainPID", "-p", "Result", "-p", "WatchdogTimestampMonotonic",
    )  # fmt: skip
    return dict(line.split("=", 1) for line in shown.stdout.splitlines() if "=" in line)


def wait_until(what: Any, seconds: float) -> bool:
    """Poll ``what`` every half second until it is true or the time is up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if what():
            return True
        time.sleep(0.5)
    return False


def screenshot(service: str, name: str) -> dict[str, Any]:
    """Take a picture of what cage shows, through the compositor, as the kiosk user."""
    target = RESULTS / name
    taken = run(
        "runuser", "-u", "kiosk", "--", "env", f"XDG_RUNTIME_DIR={UI_RUNTIME[service]}",
        "WAYLAND_DISPLAY=wayland-0", "grim", "/tmp/screen.png",
    )  # fmt: skip
    if taken.returncode == 0:
        target.write_bytes(Path("/tmp/screen.png").read_bytes())
    return {"returncode": taken.returncode, "stderr": taken.stderr[-2000:], "file": name}


def restarted_or_failed(old_pid: str) -> bool:
    """Tell whether kiosk-ui is up again under a new process, or gave up."""
    now = unit("kiosk-ui")
    if now["ActiveState"] == "failed":
        return True
    return now["ActiveState"] == "active" and now["MainPID"] not in ("0", old_pid)


def journal(service: str) -> str:
    """Return the end of a unit's journal."""
    return run("journalctl", "-b", "-u", service, "--no-pager", "-n", "80").stdout


def main() -> None:
    found: dict[str, Any] = {}
    try:
        look(found)
    except Exception as err:  # the findings say what broke; the host test fails on it
        found["error"] = repr(err)
    finally:
        for service in ("kiosk-ui", "kiosk-agent", "kiosk-out-of-service"):
            (RESULTS / f"{service}.journal").write_text(journal(service), encoding="utf-8")
        (RESULTS / "findings.json").write_text(json.dumps(found, indent=2), encoding="utf-8")
        run("systemctl", "poweroff", "--no-block")


def look(found: dict[str, Any]) -> None:
    # 1. The touchscreen said READY (Type=notify: active only then) and stays fed.
    found["ui_ready"] = wait_until(lambda: unit("kiosk-ui")["ActiveState"] == "active", 180)
    found["ui_at_ready"] = unit("kiosk-ui")
    time.sleep(5)  # the attract screen's first frames
    found["attract_screenshot"] = screenshot("kiosk-ui", "attract.png")
    time.sleep(WATCHDOG_SECONDS + 10)  # an unfed watchdog would have killed it by now
    found["ui_after_watchdog"] = unit("kiosk-ui")
    found["status_json"] = Path("/run/kiosk/status.json").read_text(encoding="utf-8")
    # 2. What a technician runs (as root, so the credentials are readable).
    found["agent"] = unit("kiosk-agent")
    diagnosed = run("kiosk", "diagnose", "--json", timeout=180)
    found["diagnose"] = {"returncode": diagnosed.returncode, "stdout": diagnosed.stdout}
    found["diagnose_stderr"] = diagnosed.stderr[-3000:]
    found["which_kiosk"] = run("sh", "-c", "command -v kiosk").stdout.strip()
    # 3. Five crashes in a row: systemd gives up and the out-of-service screen takes over.
    kills = []
    for _ in range(5):
        before = unit("kiosk-ui")
        run("systemctl", "kill", "-s", "KILL", "kiosk-ui")
        wait_until(lambda pid=before["MainPID"]: restarted_or_failed(pid), 60)
        kills.append(unit("kiosk-ui"))
    found["kills"] = kills
    found["out_of_service_active"] = wait_until(
        lambda: unit("kiosk-out-of-service")["ActiveState"] == "active", 60
    )
    found["ui_after_kills"] = unit("kiosk-ui")
    time.sleep(8)  # its first frames
    found["out_of_service_screenshot"] = screenshot("kiosk-out-of-service", "out-of-service.png")
    found["out_of_service"] = unit("kiosk-out-of-service")


if __name__ == "__main__":
    main()
