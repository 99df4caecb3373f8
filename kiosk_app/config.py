"""The kiosk's configuration: one TOML file, validated once at start into a frozen object.

Every key has an embedded default, so the kiosk runs with no file at all (sandbox
backends, simulated devices). An invalid value stops the start with a message naming the
key and the fix.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from device_drivers.registry import UnknownDriverError, check_options
from transactions.errors import KioskError
from transactions.services import FREE_SERVICES, SERVICES

LANGUAGES = ("fr", "en")


class ConfigError(KioskError):
    """Raise when the configuration file cannot be used; the message names key and fix."""

    code = "config_invalid"


@dataclass(frozen=True)
class DeviceConfig:
    """One device section: the driver's name and its options."""

    driver: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UiConfig:
    """How the screen looks and behaves."""

    default_language: str = "fr"
    width: int = 1080
    height: int = 1920
    fullscreen: bool = True
    inactivity_seconds: float = 45.0
    prompt_seconds: float = 20.0
    thank_you_seconds: float = 15.0
    speech: str = "auto"
    """Spoken guidance: "auto" (headset plugged in, or the citizen asks), "on", "off"."""
    speech_wav_dir: Path | None = None
    """Write what would be spoken to WAV files here instead of the speakers (tests, demos)."""


OFFLINE_CHOICES = ("queue", "unavailable")
QUEUEABLE_SERVICES = ("address-change",)
"""Services that need no answer from their ministry before the citizen leaves: only these
may be accepted while the ministry is unreachable. Paid services look things up first, and
a card is never approved offline."""


def default_offline_policy() -> dict[str, str]:
    """Return each service's policy when its backends are unreachable (see ``[offline]``)."""
    return {
        service: "queue" if service in QUEUEABLE_SERVICES else "unavailable" for service in SERVICES
    }


PRINTING_CHOICES = ("unavailable", "reference-on-screen")


def default_printing_policy() -> dict[str, str]:
    """Return each service's policy while the printer cannot print (see ``[printing]``):
    paid services are not sold without their receipt; the change of address is, with its
    reference on the screen."""
    return {
        service: "reference-on-screen" if service in FREE_SERVICES else "unavailable"
        for service in SERVICES
    }


@dataclass(frozen=True)
class KioskConfig:
    """Everything the kiosk needs to start."""

    kiosk_id: str = "demo-kiosk-01"
    data_dir: Path = Path("kiosk-data")
    pii_key_file: Path | None = None
    """The key that seals personal data at rest (default: ``kiosk.key`` in the data folder,
    made on first start; a systemd credential ``kiosk-pii-key`` takes precedence)."""
    backend_url: str = ""
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    ui: UiConfig = field(default_factory=UiConfig)
    payment_terminal: DeviceConfig = field(default_factory=lambda: DeviceConfig("simulated"))
    printer: DeviceConfig = field(default_factory=lambda: DeviceConfig("simulated"))
    card_reader: DeviceConfig = field(default_factory=lambda: DeviceConfig("none"))
    scanner: DeviceConfig = field(default_factory=lambda: DeviceConfig("none"))
    offline: dict[str, str] = field(default_factory=default_offline_policy)
    """Per service: "queue" (accepted and delivered later) or "unavailable" (shown as
    unavailable) while its backends cannot be reached."""
    printing: dict[str, str] = field(default_factory=default_printing_policy)
    """Per service: "unavailable" (not sold while the printer is down or silent) or
    "reference-on-screen" (sold; the citizen notes the reference shown)."""
    agent_poll_seconds: float = 5.0
    probe_seconds: float = 15.0
    """How often the kiosk checks that the gateway and the ministries answer, and that its
    storage can record a transaction."""
    min_free_mb: float = 64.0
    """Below this much free disk space the kiosk goes out of service (it could not record)."""
    status_file: Path | None = None
    """Where the kiosk publishes its state (default: ``status.json`` in systemd's runtime
    directory, a RAM disk that stays writable when the disk is full; else the data folder)."""
    fleet_url: str = ""
    """The fleet monitor (empty: no reporting, as in the demo)."""
    fleet_token_file: Path | None = None
    """The kiosk's token for the monitor (a systemd credential ``kiosk-fleet-token`` wins)."""
    sample_seconds: float = 15.0
    """How often the agent records a status sample."""
    technician_pin_file: Path | None = None
    """The technician PIN's scrypt hash (``kiosk technician pin --out``); a systemd
    credential ``kiosk-technician-pin`` wins. Without either, maintenance mode stays shut."""
    demo: bool = False
    """A demonstration kiosk: simulated devices are allowed with a real backend."""

    def accepts_offline(self, service: str) -> bool:
        """Tell whether ``service`` is taken while its ministry cannot be reached."""
        return self.offline.get(service) == "queue"

    @property
    def needs_printer(self) -> frozenset[str]:
        """Return the services not sold while the printer cannot print (``[printing]``)."""
        return frozenset(s for s, policy in self.printing.items() if policy == "unavailable")

    @property
    def database_path(self) -> Path:
        """Return the path of the kiosk's SQLite file."""
        return self.data_dir / "kiosk.db"

    @property
    def status_path(self) -> Path:
        """Return where the kiosk's state is published (see ``status_file``)."""
        if self.status_file is not None:
            return self.status_file
        runtime = os.environ.get("RUNTIME_DIRECTORY")
        folder = Path(runtime.split(":")[0]) if runtime else self.data_dir
        return folder / "status.json"

    @property
    def uses_embedded_sandbox(self) -> bool:
        """Return True when no backend URL is configured (the demo's sandbox runs inside)."""
        return not self.backend_url


INSTALLED_CONFIG = Path("/etc/kiosk/kiosk.toml")
"""Where systemd/install-kiosk.sh puts the kiosk's config: read when no --config is given."""
CONFIG_VARIABLE = "KIOSK_CONFIG"
"""An environment variable naming another default file (empty: the embedded defaults)."""


def default_config_path() -> Path | None:
    """Return the file a command reads without --config: ``$KIOSK_CONFIG`` if set, else
    /etc/kiosk/kiosk.toml when it exists (an installed kiosk), else None (embedded
    defaults)."""
    named = os.environ.get(CONFIG_VARIABLE)
    if named is not None:
        return Path(named) if named else None
    return INSTALLED_CONFIG if INSTALLED_CONFIG.exists() else None


def load_config(path: Path | None) -> KioskConfig:
    """Read and validate the TOML file at ``path`` (None: the embedded defaults)."""
    if path is None:
        return KioskConfig()
    try:
        raw = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err}); fix the syntax") from err
    return parse_config(raw)


def _read_text(path: Path) -> str:
    """Return the file's text (UTF-8), or raise ConfigError saying what is wrong with it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise ConfigError(f"{path}: no such file; give the path of the kiosk's TOML file") from err
    except IsADirectoryError as err:
        raise ConfigError(
            f"{path} is a folder, not a file; give the path of the kiosk's TOML file"
        ) from err
    except OSError as err:
        raise ConfigError(
            f"{path} cannot be read ({err.strerror or err}); check the path and that the "
            "kiosk's user may read it"
        ) from err
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ConfigError(
            f"{path} is not UTF-8 text (byte 0x{data[err.start]:02x} on line {line}); "
            "save it as UTF-8"
        ) from err


def parse_config(raw: dict[str, Any]) -> KioskConfig:
    """Return the configuration for already-parsed TOML, or raise ConfigError."""
    reader = _Reader(raw)
    defaults = KioskConfig()
    ui_defaults = UiConfig()
    ui = UiConfig(
        default_language=reader.choice(
            "ui.default_language", LANGUAGES, ui_defaults.default_language
        ),
        width=reader.integer("ui.width", ui_defaults.width, 320, 7680),
        height=reader.integer("ui.height", ui_defaults.height, 320, 7680),
        fullscreen=reader.boolean("ui.fullscreen", ui_defaults.fullscreen),
        inactivity_seconds=reader.number(
            "ui.inactivity_seconds", ui_defaults.inactivity_seconds, 1, 600
        ),
        prompt_seconds=reader.number("ui.prompt_seconds", ui_defaults.prompt_seconds, 1, 300),
        thank_you_seconds=reader.number(
            "ui.thank_you_seconds", ui_defaults.thank_you_seconds, 1, 60
        ),
        speech=reader.choice("ui.speech", ("auto", "on", "off"), ui_defaults.speech),
    )
    config = KioskConfig(
        kiosk_id=reader.text("kiosk.id", defaults.kiosk_id),
        data_dir=Path(reader.text("kiosk.data_dir", str(defaults.data_dir))).expanduser(),
        pii_key_file=_optional_path(reader.text("kiosk.pii_key_file", "")),
        backend_url=reader.url("backend.url", defaults.backend_url),
        connect_timeout=reader.number("backend.connect_timeout", defaults.connect_timeout, 0.1, 60),
        read_timeout=reader.number("backend.read_timeout", defaults.read_timeout, 0.1, 120),
        ui=ui,
        payment_terminal=reader.device("devices.payment_terminal", "simulated"),
        printer=reader.device("devices.printer", "simulated"),
        card_reader=reader.device("devices.card_reader", "none"),
        scanner=reader.device("devices.scanner", "none"),
        offline=reader.offline_policy(),
        printing={
            service: reader.choice(f"printing.{service}", PRINTING_CHOICES, policy)
            for service, policy in default_printing_policy().items()
        },
        agent_poll_seconds=reader.number(
            "agent.poll_seconds", defaults.agent_poll_seconds, 0.05, 300
        ),
        probe_seconds=reader.number("backend.probe_seconds", defaults.probe_seconds, 1, 3600),
        min_free_mb=reader.number("kiosk.min_free_mb", defaults.min_free_mb, 0, 1_000_000),
        status_file=_optional_path(reader.text("kiosk.status_file", "")),
        fleet_url=reader.url("fleet.url", defaults.fleet_url),
        fleet_token_file=_optional_path(reader.text("fleet.token_file", "")),
        sample_seconds=reader.number("fleet.sample_seconds", defaults.sample_seconds, 1, 3600),
        technician_pin_file=_optional_path(reader.text("kiosk.technician_pin_file", "")),
        demo=reader.boolean("kiosk.demo", defaults.demo),
    )
    reader.reject_unknown()
    _refuse_simulators_with_a_real_backend(config)
    return config


SIMULATORS = frozenset({"simulated"})
"""Drivers that take no real card and print on no paper."""


def _refuse_simulators_with_a_real_backend(config: KioskConfig) -> None:
    """A kiosk on a real backend with a simulated terminal would approve every card."""
    from admin_tools.diagnostics.kiosk_checks import is_loopback_url

    if config.demo or not config.backend_url or is_loopback_url(config.backend_url):
        return
    for section in DEVICE_SECTIONS:
        device: DeviceConfig = getattr(config, section)
        if device.driver in SIMULATORS:
            raise ConfigError(
                f'devices.{section} is "{device.driver}" while backend.url is a real backend '
                f"({config.backend_url}): set the real device's driver under [devices.{section}]"
                " (see the commented examples in /etc/kiosk/kiosk.toml), or set"
                " kiosk.demo = true for a demonstration kiosk"
            )


def credential_file(name: str) -> Path | None:
    """Return systemd's credential ``name`` (``$CREDENTIALS_DIRECTORY/name``), if given."""
    folder = os.environ.get("CREDENTIALS_DIRECTORY")
    path = Path(folder) / name if folder else None
    return path if path is not None and path.is_file() else None


def _optional_path(text: str) -> Path | None:
    return Path(text).expanduser() if text else None


_KNOWN_SECTIONS = {"kiosk", "backend", "ui", "devices", "offline", "printing", "agent", "fleet"}
DEVICE_SECTIONS = ("card_reader", "payment_terminal", "printer", "scanner")


class _Reader:
    """Pull typed values out of parsed TOML, remembering which keys were used."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw
        self._used: set[str] = set()

    def _get(self, dotted: str) -> Any:
        self._used.add(dotted)
        node: Any = self._raw
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def text(self, key: str, default: str) -> str:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(
                f'{key} must be a non-empty string, e.g. {key.split(".")[-1]} = "{default}"'
            )
        return value.strip()

    def url(self, key: str, default: str) -> str:
        value = self._get(key)
        if value is None or value == "":
            return default
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            raise ConfigError(
                f'{key} must start with http:// or https://, e.g. url = "http://127.0.0.1:8700"'
            )
        return value.rstrip("/")

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self._get(key)
        if value is None:
            return default
        if value not in choices:
            raise ConfigError(f"{key} is {value!r}; use one of: {', '.join(choices)}")
        return str(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ConfigError(f"{key} must be true or false (without quotes)")
        return value

    def number(self, key: str, default: float, low: float, high: float) -> float:
        value = self._get(key)
        if value is None:
            return default
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise ConfigError(f"{key} must be a number from {low:g} to {high:g}")
        return float(value)

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"{key} must be a whole number from {low} to {high}")
        return value

    def device(self, key: str, default_driver: str) -> DeviceConfig:
        value = self._get(key)
        if value is None:
            return DeviceConfig(default_driver)
        if not isinstance(value, dict):
            raise ConfigError(
                f'[{key}] must be a table with a driver key, e.g. driver = "simulated"'
            )
        driver = value.get("driver", default_driver)
        if not isinstance(driver, str):
            raise ConfigError(f'{key}.driver must be a string, e.g. driver = "simulated"')
        options = {k: v for k, v in value.items() if k != "driver"}
        try:
            check_options(key.removeprefix("devices."), driver, options)
        except UnknownDriverError as err:
            raise ConfigError(str(err)) from err
        return DeviceConfig(driver, options)

    def offline_policy(self) -> dict[str, str]:
        policy = default_offline_policy()
        for service in SERVICES:
            key = f"offline.{service}"
            choice = self.choice(key, OFFLINE_CHOICES, policy[service])
            if choice == "queue" and service not in QUEUEABLE_SERVICES:
                raise ConfigError(
                    f'{key} = "queue" is not possible: {service} needs its ministry\'s answer '
                    'and an approved payment before the citizen leaves; use "unavailable"'
                )
            policy[service] = choice
        return policy

    def reject_unknown(self) -> None:
        for section in self._raw:
            if section not in _KNOWN_SECTIONS:
                known = ", ".join(sorted(_KNOWN_SECTIONS))
                raise ConfigError(f"unknown section [{section}]; known sections: {known}")
        devices = self._raw.get("devices", {})
        for name in devices if isinstance(devices, dict) else ():
            if name not in DEVICE_SECTIONS:
                known = ", ".join(DEVICE_SECTIONS)
                raise ConfigError(f"unknown device [devices.{name}]; known devices: {known}")
        for section, table in self._raw.items():
            if section == "devices" or not isinstance(table, dict):
                continue
            for name in table:
                if f"{section}.{name}" not in self._used:
                    raise ConfigError(f"unknown key {section}.{name}; check its spelling")
