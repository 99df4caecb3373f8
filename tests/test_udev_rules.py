"""`systemd/70-kiosk-devices.rules` gives the kiosk's devices to `kiosk-devices`.

Debian 12's udev (systemd 252) has no `udevadm verify` (it came with 253), and `udevadm
test` needs the device in /sys: the rules are read here by a small matcher that follows
udev(7) for the keys the file uses, against devices described as udev sees them after its
own `50-udev-default.rules` (which imports `usb_id`, hence `ID_USB_INTERFACES`: one
`:CCSSPP` per interface, class, subclass, protocol in hex).
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

RULES = Path(__file__).parent.parent / "systemd" / "70-kiosk-devices.rules"
PAIR = re.compile(r'\s*([A-Z_]+(?:\{[^}]+\})?)\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*(?:,|$)')
MATCH_KEYS = {"SUBSYSTEM", "KERNEL", "ACTION", "DRIVER"}
MATCH_PREFIXES = ("ENV{", "ATTR{")
ASSIGN_KEYS = {"GROUP", "MODE", "OWNER", "TAG"}

Rule = list[tuple[str, str, str]]


def rules() -> list[Rule]:
    """Return the file's rules, each a list of (key, operator, value)."""
    parsed: list[Rule] = []
    for number, line in enumerate(RULES.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        assert not line.endswith("\\"), f"line {number}: keep each rule on one line"
        pairs = PAIR.findall(line)
        assert ", ".join(f'{k}{op}"{v}"' for k, op, v in pairs) == line.strip(), number
        parsed.append(pairs)
    return parsed


def matches(value: str, pattern: str) -> bool:
    """Match as udev does: shell globs, alternatives separated by ``|``."""
    return any(fnmatchcase(value, alternative) for alternative in pattern.split("|"))


def assigned(device: dict[str, str]) -> dict[str, str]:
    """Return what the rules assign to ``device`` (a later assignment wins, as in udev)."""
    result: dict[str, str] = {}
    for rule in rules():
        tests = [(k, op, v) for k, op, v in rule if op in ("==", "!=")]
        if all(matches(device.get(k, ""), v) == (op == "==") for k, op, v in tests):
            result.update({k: v for k, op, v in rule if op in ("=", ":=")})
    return result


def test_every_rule_uses_only_keys_udev_knows_and_assigns_something() -> None:
    found = rules()
    assert found
    for rule in found:
        keys = {k for k, _op, _v in rule}
        unknown = {k for k in keys - MATCH_KEYS - ASSIGN_KEYS if not k.startswith(MATCH_PREFIXES)}
        assert not unknown, rule
        assert keys & ASSIGN_KEYS, rule


def usb_device(device_class: str, vendor: str, interfaces: str) -> dict[str, str]:
    """Return a USB device as udev sees it once its 50-udev-default.rules have run."""
    return {
        "SUBSYSTEM": "usb",
        "ENV{DEVTYPE}": "usb_device",
        "ATTR{bDeviceClass}": device_class,
        "ATTR{idVendor}": vendor,
        "ENV{ID_USB_INTERFACES}": interfaces,
    }


KIOSK_DEVICES = {
    # Most USB receipt printers say class 00 on the device and 07 (printer) on an interface.
    "a receipt printer with a Winbond chip, class 00 on the device": usb_device(
        "00", "0416", ":070102:"
    ),
    "an Epson TM-T88": usb_device("00", "04b8", ":070102:"),
    "a printer that declares class 07 on the device": usb_device("07", "0dd4", ":070101:"),
    "a printer with a vendor interface before its printer interface": usb_device(
        "00", "1504", ":ff0000:070102:"
    ),
    "a bidirectional printer (IEEE 1284.4)": usb_device("00", "154f", ":070103:"),
    "a serial adapter's port": {"SUBSYSTEM": "tty", "KERNEL": "ttyUSB0"},
    "a terminal's CDC-ACM port": {"SUBSYSTEM": "tty", "KERNEL": "ttyACM1"},
}
NOT_KIOSK_DEVICES = {
    "a keyboard": usb_device("00", "046d", ":030101:"),
    "a USB stick": usb_device("00", "0781", ":080650:"),
    "a hub": usb_device("09", "1d6b", ":090000:"),
    "a vendor device whose subclass and protocol look like a printer's": usb_device(
        "ff", "0bda", ":ff0701:"
    ),
    "the printer's interface (no device node)": {
        "SUBSYSTEM": "usb",
        "ENV{DEVTYPE}": "usb_interface",
        "ATTR{bInterfaceClass}": "07",
    },
    "the console": {"SUBSYSTEM": "tty", "KERNEL": "tty1"},
}


@pytest.mark.parametrize("name", sorted(KIOSK_DEVICES))
def test_the_kiosks_devices_go_to_the_kiosk_devices_group(name: str) -> None:
    given = assigned(KIOSK_DEVICES[name])
    assert (given.get("GROUP"), given.get("MODE")) == ("kiosk-devices", "0660"), name


@pytest.mark.parametrize("name", sorted(NOT_KIOSK_DEVICES))
def test_other_devices_are_left_to_their_own_rules(name: str) -> None:
    assert assigned(NOT_KIOSK_DEVICES[name]) == {}, name
