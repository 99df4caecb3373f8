"""The technician's runbook (docs/technician.md) quotes only `kiosk` command lines the real
argument parser takes and only units the project ships, and covers what a technician does
on site: diagnose, the PIN, the support bundle, the outbox, restarts."""

from __future__ import annotations

import contextlib
import io
from itertools import pairwise
from pathlib import Path

from doc_checks import code_commands, without_sudo

from kiosk_app.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
RUNBOOK = ROOT / "docs" / "technician.md"
KIOSK_PROGRAMS = ("kiosk", "/opt/kiosk/venv/bin/kiosk")
OTHER_UNITS = frozenset({"pcscd.service", "ssh.service"})
"""Debian's units the runbook may name besides the project's own."""


def _kiosk_commands() -> list[list[str]]:
    commands = (without_sudo(command) for command in code_commands(RUNBOOK))
    return [c for c in commands if len(c) > 1 and c[0] in KIOSK_PROGRAMS]


def _parse_error(argv: list[str]) -> str | None:
    """Return what the real ``kiosk`` parser says against ``argv``, or None if it takes it."""
    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said), contextlib.redirect_stdout(io.StringIO()):
            build_parser().parse_args(argv)
    except SystemExit as stopped:
        return None if stopped.code == 0 else said.getvalue().strip()
    return None


def test_every_kiosk_command_in_the_runbook_parses_with_the_real_parser() -> None:
    commands = _kiosk_commands()
    assert len(commands) >= 10
    refused = {" ".join(c): _parse_error(c[1:]) for c in commands if _parse_error(c[1:])}
    assert refused == {}


def test_the_runbook_covers_diagnose_the_pin_the_support_bundle_and_the_outbox() -> None:
    quoted = [" ".join(command[1:]) for command in _kiosk_commands()]
    for needed in (
        "diagnose",
        "diagnose devices",
        "technician pin --out /etc/kiosk/credentials/technician-pin",
        "logs bundle",
        "outbox status",
        "outbox list",
        "outbox retry",
        "status",
    ):
        assert any(line.startswith(needed) for line in quoted), needed


def _units_named(commands: list[list[str]]) -> set[str]:
    units: set[str] = set()
    for command in map(without_sudo, commands):
        if not command:
            continue
        if command[0] == "systemctl":
            units.update(word for word in command[2:] if not word.startswith("-"))
        elif command[0] == "journalctl":
            units.update(after for before, after in pairwise(command) if before == "-u")
    return {unit if "." in unit else f"{unit}.service" for unit in units}


def test_every_unit_the_runbook_names_is_one_the_project_ships_or_pcscd() -> None:
    shipped = {path.name.removesuffix(".in") for path in (ROOT / "systemd").glob("*.service.in")}
    named = _units_named(code_commands(RUNBOOK))
    assert {"kiosk-ui.service", "kiosk-agent.service"} <= named
    assert named - shipped - OTHER_UNITS == set()


def test_the_runbook_restarts_after_a_config_change_and_after_the_crash_fallback() -> None:
    lines = {" ".join(without_sudo(command)) for command in code_commands(RUNBOOK)}
    for needed in (
        "systemctl restart kiosk-ui kiosk-agent",
        "systemctl restart kiosk-ui",
        "systemctl reset-failed kiosk-ui",
        "systemctl start kiosk-ui",
    ):
        assert needed in lines, needed
