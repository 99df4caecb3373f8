"""Devices come from the config through one registry; bad sections say what to write."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from device_drivers.escpos.escpos_printer import EscposPrinter
from device_drivers.gateway_card_terminal import GatewayCardTerminal
from device_drivers.registry import DEVICE_DRIVERS
from device_drivers.serial_scanner import SerialBarcodeScanner
from device_drivers.sim.card_reader import SimulatedCardReader
from device_drivers.sim.payment_terminal import SimulatedPaymentTerminal
from device_drivers.sim.printer import SimulatedPrinter
from kiosk_app.bootstrap import build_devices
from kiosk_app.config import ConfigError, DeviceConfig, parse_config
from transactions.ministries.payments_client import HttpPaymentGateway

GATEWAY = HttpPaymentGateway("http://127.0.0.1:9")


def devices_for(devices: dict[str, dict[str, object]]):  # type: ignore[no-untyped-def]
    return build_devices(parse_config({"devices": devices}), GATEWAY)


def test_the_defaults_are_the_simulators() -> None:
    built = devices_for({})
    assert isinstance(built.terminal, SimulatedPaymentTerminal)
    assert isinstance(built.printer, SimulatedPrinter)
    assert built.card_reader is None
    assert built.scanner is None
    assert [d.name for d in built.configured] == ["payment_terminal", "printer"]


def test_a_real_kiosk_configuration_builds_every_device_without_touching_hardware() -> None:
    built = devices_for(
        {
            "card_reader": {"driver": "simulated", "card_brand": "interac", "card_last4": "0042"},
            "payment_terminal": {"driver": "gateway-card"},
            "printer": {"driver": "escpos-network", "host": "192.0.2.40"},
            "scanner": {"driver": "serial-scanner", "port": "/dev/serial/by-id/usb-scanner"},
        }
    )
    assert isinstance(built.card_reader, SimulatedCardReader)
    assert isinstance(built.terminal, GatewayCardTerminal)
    assert isinstance(built.printer, EscposPrinter)
    assert isinstance(built.scanner, SerialBarcodeScanner)
    assert [(d.name, d.driver) for d in built.configured] == [
        ("card_reader", "simulated"),
        ("payment_terminal", "gateway-card"),
        ("printer", "escpos-network"),
        ("scanner", "serial-scanner"),
    ]


def test_a_usb_printer_absent_at_start_does_not_stop_the_kiosk() -> None:
    built = devices_for(
        {"printer": {"driver": "escpos-usb", "vendor_id": "0x04b8", "product_id": 514}}
    )
    assert isinstance(built.printer, EscposPrinter)


@pytest.mark.parametrize(
    ("devices", "words"),
    [
        ({"printer": {"driver": "escpos-network"}}, ["devices.printer.host", "host ="]),
        (
            {"printer": {"driver": "escpos-usb", "vendor_id": "epson"}},
            ["devices.printer.vendor_id"],
        ),
        ({"printer": {"driver": "escpos-bluetooth"}}, ["escpos-bluetooth", "escpos-network"]),
        (
            {"payment_terminal": {"driver": "ecr-serial"}},
            ["devices.payment_terminal.port", "by-id"],
        ),
        (
            {"payment_terminal": {"driver": "gateway-card"}},
            ["card reader", "[devices.card_reader]"],
        ),
        ({"scanner": {"driver": "serial-scanner"}}, ["devices.scanner.port"]),
        ({"card_reader": {"driver": "magstripe"}}, ["magstripe", "pcsc"]),
        ({"payment_terminal": {"driver": "simulated", "card_last4": "42"}}, ["four digits"]),
        ({"printers": {"driver": "simulated"}}, ["devices.printers", "printer"]),
    ],
)
def test_a_bad_device_section_names_the_key_and_the_fix(
    devices: dict[str, dict[str, object]], words: list[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        devices_for(devices)
    for word in words:
        assert word in str(caught.value)


def test_the_config_file_example_in_the_readme_is_valid(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = readme.split("```toml\n")[1:]
    assert len(blocks) >= 2
    for block in blocks:
        config = parse_config(__import__("tomllib").loads(block.split("```")[0]))
        assert config.kiosk_id


@pytest.mark.parametrize(
    ("devices", "words"),
    [
        (
            {"printer": {"driver": "escpos-network", "host": "192.0.2.40", "prot": 9101}},
            ["devices.printer.prot", '"escpos-network"', "host, port, timeout"],
        ),
        (
            {"scanner": {"driver": "serial-scanner", "port": "/dev/ttyUSB0", "baud_rate": 9600}},
            ["devices.scanner.baud_rate", '"serial-scanner"', "port, baudrate"],
        ),
        (
            {"payment_terminal": {"driver": "simulated", "card_last_4": "0005"}},
            ["devices.payment_terminal.card_last_4", "card_last4"],
        ),
        (
            {"card_reader": {"driver": "pcsc", "readers": "Virtual PCD 00 00", "Reader": "x"}},
            ["devices.card_reader.Reader", "devices.card_reader.readers", "its keys: reader"],
        ),
        (
            {"scanner": {"driver": "none", "port": "/dev/serial/by-id/usb-Honeywell-if00"}},
            ["devices.scanner.port", '"none"', "no keys"],
        ),
        (
            {"printer": {"driver": "simulated", "profile": "TM-T88V"}},
            ["devices.printer.profile", '"simulated"', "no keys"],
        ),
    ],
)
def test_a_key_the_driver_does_not_know_is_refused_naming_it_and_the_known_keys(
    devices: dict[str, dict[str, object]], words: list[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"devices": devices})
    for word in words:
        assert word in str(caught.value)


def test_an_unknown_driver_is_refused_when_the_config_is_read() -> None:
    with pytest.raises(ConfigError, match=r"escpos-bluetooth.*escpos-network"):
        parse_config({"devices": {"printer": {"driver": "escpos-bluetooth"}}})


def test_every_key_each_driver_declares_is_accepted_by_the_config() -> None:
    for device, drivers in DEVICE_DRIVERS.items():
        for name, driver in drivers.items():
            options = dict.fromkeys(driver.keys, 1)
            config = parse_config({"devices": {device: {"driver": name, **options}}})
            assert getattr(config, device).options == options


def test_a_config_built_in_code_with_a_typo_is_refused_by_the_registry_too() -> None:
    config = replace(
        parse_config({}), printer=DeviceConfig("escpos-network", {"hots": "192.0.2.40"})
    )
    with pytest.raises(ConfigError, match=r"devices\.printer\.hots.*host, port, timeout"):
        build_devices(config, GATEWAY)
