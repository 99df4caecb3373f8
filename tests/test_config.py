"""The kiosk's TOML config: embedded defaults, and errors that name the key and the fix."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from kiosk_runs import KIOSK, kiosk_env
from unusable_files import UNUSABLE_FILES

from kiosk_app import config as config_module
from kiosk_app.bootstrap import build_kiosk
from kiosk_app.config import (
    ConfigError,
    DeviceConfig,
    KioskConfig,
    default_config_path,
    load_config,
    parse_config,
)
from offline_store.database import MIGRATIONS, KioskDatabase
from transactions.errors import StorageError


def test_no_file_means_the_embedded_demo_defaults() -> None:
    config = load_config(None)
    assert config.uses_embedded_sandbox
    assert config.payment_terminal.driver == "simulated"
    assert config.printer.driver == "simulated"
    assert config.ui.inactivity_seconds == 45
    assert config.ui.prompt_seconds == 20
    assert config.ui.fullscreen


def test_a_full_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        """
[kiosk]
id = "bibliothèque-gatineau-02"
data_dir = "/var/lib/kiosk"
pii_key_file = "/etc/kiosk/pii.key"
[backend]
url = "http://127.0.0.1:8700/"
read_timeout = 4
[ui]
default_language = "en"
fullscreen = false
[devices.payment_terminal]
driver = "simulated"
card_last4 = "0005"
""",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.kiosk_id == "bibliothèque-gatineau-02"
    assert config.backend_url == "http://127.0.0.1:8700"
    assert config.read_timeout == 4.0
    assert config.ui.default_language == "en"
    assert config.payment_terminal.options == {"card_last4": "0005"}
    assert config.database_path == Path("/var/lib/kiosk/kiosk.db")
    assert config.pii_key_file == Path("/etc/kiosk/pii.key")
    assert KioskConfig().pii_key_file is None  # beside the database, made on first start


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ({"ui": {"default_language": "de"}}, ["ui.default_language", "fr, en"]),
        ({"ui": {"inactivity_seconds": -3}}, ["ui.inactivity_seconds", "from 1"]),
        ({"ui": {"fullscreen": "yes"}}, ["ui.fullscreen", "true or false"]),
        ({"backend": {"url": "ftp://x"}}, ["backend.url", "http://"]),
        ({"kiosk": {"idd": "x"}}, ["kiosk.idd", "spelling"]),
        ({"printers": {}}, ["[printers]", "known sections"]),
        ({"devices": {"printer": "simulated"}}, ["devices.printer", "driver"]),
    ],
)
def test_a_bad_value_names_the_key_and_the_fix(raw: dict[str, object], names: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    for name in names:
        assert name in str(caught.value)


def test_a_missing_or_broken_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[kiosk\nid=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken)


def test_an_unknown_driver_stops_the_start_and_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"escpos-bluetooth.*simulated"):
        parse_config({"devices": {"printer": {"driver": "escpos-bluetooth"}}})
    built_in_code = replace(
        parse_config({"backend": {"url": "http://127.0.0.1:9"}}),
        data_dir=tmp_path,
        printer=DeviceConfig("escpos-bluetooth"),
    )
    with pytest.raises(ConfigError, match=r"escpos-bluetooth.*simulated"):
        build_kiosk(built_in_code)


def test_the_composition_root_builds_a_working_kiosk_on_defaults(tmp_path: Path) -> None:
    kiosk = build_kiosk(KioskConfig(data_dir=tmp_path))
    try:
        notice = kiosk.fines.look_up("10 004215873 1")
        assert notice.amount_due_cents == 12500
        assert kiosk.database.schema_version() == len(MIGRATIONS)
    finally:
        kiosk.close()


@pytest.mark.parametrize("kind", sorted(UNUSABLE_FILES))
def test_a_config_that_cannot_be_read_as_text_is_a_config_error_naming_the_file(
    tmp_path: Path, kind: str
) -> None:
    make, words = UNUSABLE_FILES[kind]
    path = make(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    for word in words:
        assert word in str(caught.value)


def test_a_typo_under_a_device_in_the_file_is_refused_at_load_naming_the_drivers_keys(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '[devices.printer]\ndriver = "escpos-network"\nhost = "192.0.2.40"\nprot = 9101\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "devices.printer.prot" in message
    assert "escpos-network" in message
    assert "host, port, timeout" in message


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_real_backend_refuses_simulated_devices_unless_the_kiosk_is_a_demo(
    tmp_path: Path,
) -> None:
    real = '[backend]\nurl = "https://services.gouv.example"\n'
    with pytest.raises(ConfigError) as refused:
        load_config(_write(tmp_path, real))
    message = str(refused.value)
    assert "devices.payment_terminal" in message
    assert "kiosk.demo = true" in message

    real_devices = (
        real + '[devices.payment_terminal]\ndriver = "ecr-serial"\n'
        'port = "/dev/serial/by-id/usb-Ingenico_Move5000-if00"\n'
        '[devices.printer]\ndriver = "escpos-network"\nhost = "192.0.2.40"\n'
    )
    assert load_config(_write(tmp_path, real_devices)).printer.driver == "escpos-network"
    demo = load_config(_write(tmp_path, "[kiosk]\ndemo = true\n" + real))
    assert demo.demo is True
    assert demo.payment_terminal.driver == "simulated"
    sandbox = load_config(_write(tmp_path, '[backend]\nurl = "http://127.0.0.1:8700"\n'))
    assert sandbox.payment_terminal.driver == "simulated"  # the sandbox on this machine


def test_commands_read_the_installed_config_when_none_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = _write(tmp_path, '[kiosk]\nid = "laval-carrefour-02"\n')
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setattr(config_module, "INSTALLED_CONFIG", installed)
    assert default_config_path() == installed
    monkeypatch.setattr(config_module, "INSTALLED_CONFIG", tmp_path / "absent.toml")
    assert default_config_path() is None  # a development machine: embedded defaults
    monkeypatch.setenv("KIOSK_CONFIG", str(installed))
    assert default_config_path() == installed
    monkeypatch.setenv("KIOSK_CONFIG", "")
    assert default_config_path() is None


def test_kiosk_status_without_config_reads_the_default_file_and_the_demo_does_not(
    tmp_path: Path,
) -> None:
    data = tmp_path / "état"
    installed = _write(tmp_path, f'[kiosk]\nid = "gatineau-02"\ndata_dir = "{data}"\n')
    env = {**kiosk_env(), "KIOSK_CONFIG": str(installed)}
    done = subprocess.run(
        [KIOSK, "status", "--json"], capture_output=True, text=True, env=env, timeout=60
    )
    assert str(data / "status.json") in json.loads(done.stdout)["error"]  # where the file says
    helped = subprocess.run(
        [KIOSK, "demo", "--help"], capture_output=True, text=True, env=env, timeout=60
    )
    assert "embedded defaults" in helped.stdout
    assert "/etc/kiosk/kiosk.toml" not in helped.stdout


def test_a_key_named_in_the_config_is_never_made_when_missing(tmp_path: Path) -> None:
    named = tmp_path / "credentials" / "pii.key"
    with pytest.raises(StorageError) as unreadable:
        KioskDatabase(tmp_path / "kiosk.db", named)
    assert unreadable.value.code == "pii_key_unreadable"
    assert not named.exists()
