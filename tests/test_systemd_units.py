"""The systemd units: `systemd-analyze verify` passes on each, the agent's and the fleet
monitor's exposure scores stay low, and the out-of-service screen stands on its own."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from kiosk_runs import run_scenario

ROOT = Path(__file__).resolve().parent.parent
UNITS = sorted((ROOT / "systemd").glob("*.service.in"))
EXPOSURE_AT_MOST = {"kiosk-agent.service": 3.0, "kiosk-fleet.service": 3.0}


def render(folder: Path) -> list[Path]:
    """Render the unit templates as the install script does, for this checkout's .venv."""
    rendered = []
    for template in UNITS:
        unit = folder / template.name.removesuffix(".in")
        text = template.read_text(encoding="utf-8")
        unit.write_text(
            text.replace("@BIN@", str(ROOT / ".venv" / "bin")).replace("@PREFIX@", str(ROOT)),
            encoding="utf-8",
        )
        rendered.append(unit)
    return rendered


def test_the_five_units_are_there() -> None:
    assert [u.name for u in UNITS] == [
        "kiosk-agent.service.in",
        "kiosk-fleet.service.in",
        "kiosk-out-of-service.service.in",
        "kiosk-ui.service.in",
        "ministry-sandbox.service.in",
    ]


def test_systemd_analyze_verify_accepts_every_unit(tmp_path: Path) -> None:
    units = render(tmp_path)
    done = subprocess.run(
        ["systemd-analyze", "verify", *map(str, units)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.strip() == ""


@pytest.mark.parametrize(("unit", "limit"), sorted(EXPOSURE_AT_MOST.items()))
def test_the_exposure_score_stays_low(tmp_path: Path, unit: str, limit: float) -> None:
    render(tmp_path)
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(tmp_path / unit)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    found = re.search(r"Overall exposure level for \S+: ([\d.]+)", done.stdout)
    assert found, done.stdout + done.stderr
    assert float(found.group(1)) <= limit


def test_the_ui_unit_feeds_a_watchdog_restarts_and_falls_back_to_out_of_service() -> None:
    text = (ROOT / "systemd" / "kiosk-ui.service.in").read_text(encoding="utf-8")
    for line in (
        "Type=notify",
        "NotifyAccess=all",
        "WatchdogSec=30",
        "Restart=always",
        "RestartSec=2",
        "OnFailure=kiosk-out-of-service.service",
        "ExecStart=/usr/bin/cage -d -- @BIN@/kiosk run --config /etc/kiosk/kiosk.toml",
        "Environment=XDG_RUNTIME_DIR=/run/kiosk-ui LIBSEAT_BACKEND=seatd",
        "RuntimeDirectory=kiosk kiosk-ui",
        "User=kiosk",
    ):
        assert line in text.splitlines(), line
    # A PAM session would move the UI out of the unit's cgroup: READY and the watchdog's
    # pings would be ignored (the boot test found it).
    assert "PAMName" not in text


@pytest.mark.ui
def test_the_out_of_service_screen_stands_on_its_own(tmp_path: Path) -> None:
    seen = run_scenario("out_of_service_alone", str(tmp_path))
    assert seen["title_fr"] == "Borne hors service"
    assert seen["title_en"] == "Kiosk out of service"
    assert "ui_crashed" in seen["reason"]


def test_the_install_script_stages_a_kiosk_whose_units_verify(tmp_path: Path) -> None:
    root = tmp_path / "root"
    script = ROOT / "systemd" / "install-kiosk.sh"
    args = [str(script), "--root", str(root), "--bin", str(ROOT / ".venv" / "bin")]
    done = subprocess.run(
        [*args, "--no-packages", "--no-enable"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    units = sorted((root / "etc" / "systemd" / "system").glob("*.service"))
    # A kiosk gets the kiosk's units only: no fleet monitor, no sandbox.
    assert [u.name for u in units] == [
        "kiosk-agent.service",
        "kiosk-out-of-service.service",
        "kiosk-ui.service",
    ]
    assert (root / "usr" / "local" / "bin" / "kiosk").resolve() == ROOT / ".venv" / "bin" / "kiosk"
    verify = subprocess.run(
        ["systemd-analyze", "verify", *map(str, units)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stderr
    credentials = root / "etc" / "kiosk" / "credentials"
    assert credentials.stat().st_mode & 0o777 == 0o700
    assert (credentials / "pii.key").stat().st_mode & 0o777 == 0o600
    from offline_store.pii import _decode

    assert len(_decode(credentials / "pii.key")) == 32  # a key the kiosk can use
    pin = credentials / "technician-pin"  # empty until a technician sets one
    assert (pin.stat().st_mode & 0o777, pin.read_text()) == (0o600, "")
    ui_unit = (root / "etc" / "systemd" / "system" / "kiosk-ui.service").read_text()
    assert "LoadCredential=kiosk-technician-pin:/etc/kiosk/credentials/technician-pin" in ui_unit
    made = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "kiosk"), "technician", "pin", "--out", str(pin)],
        input="482917\n", capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert pin.read_text().startswith("scrypt$")
    from kiosk_app.config import ConfigError, load_config

    template = root / "etc" / "kiosk" / "kiosk.toml"
    with pytest.raises(ConfigError) as unconfigured:  # simulated devices, a real backend
        load_config(template)
    assert "kiosk.demo = true" in str(unconfigured.value)
    demo = root / "demo.toml"
    demo.write_text(template.read_text().replace("# demo = true", "demo = true"))
    config = load_config(demo)  # otherwise the template is valid
    assert str(config.data_dir) == "/var/lib/kiosk"
    assert config.pii_key_file == Path("/etc/kiosk/credentials/pii.key")
    assert (root / "etc" / "udev" / "rules.d" / "70-kiosk-devices.rules").is_file()
    again = subprocess.run([*args, "--no-packages", "--no-enable"], capture_output=True,
                           text=True, timeout=120, check=False)  # fmt: skip
    assert again.returncode == 0  # running it twice keeps the config and the secrets


def test_every_device_example_in_the_config_template_is_a_valid_config(tmp_path: Path) -> None:
    from kiosk_app.config import load_config

    section = ""
    examples: list[tuple[str, list[str]]] = []
    for line in (ROOT / "systemd" / "kiosk.toml.in").read_text(encoding="utf-8").splitlines():
        if line.startswith("[devices."):
            section = line
        commented = re.fullmatch(r"# (\w+ = .+)", line)
        if section and commented:
            if commented.group(1).startswith("driver ="):
                examples.append((section, []))
            examples[-1][1].append(commented.group(1))
    assert {s for s, _ in examples} == {
        "[devices.payment_terminal]",
        "[devices.card_reader]",
        "[devices.printer]",
        "[devices.scanner]",
    }
    for number, (device, lines) in enumerate(examples):
        path = tmp_path / f"example-{number}.toml"
        path.write_text("\n".join([device, *lines]) + "\n", encoding="utf-8")
        config = load_config(path)  # raises, naming the key, on any mistake
        name = device.removeprefix("[devices.").removesuffix("]")
        assert getattr(config, name).driver == lines[0].split('"')[1]
