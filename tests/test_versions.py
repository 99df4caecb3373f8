"""One release number, from pyproject.toml, everywhere it is shown.

The commands and the agent's samples read it from the installed package; these tests hold
it equal to pyproject.toml's and to CHANGELOG.md's newest entry, so a release bumped in one
place only, or a checkout whose installed copy is older (run scripts/setup.sh), fails here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from kiosk_runs import kiosk_env

from kiosk_app.config import KioskConfig
from kiosk_app.fleet_reporter import FleetReporter
from ministry_sandbox.cli import sandbox_version
from ministry_sandbox.testing import SandboxClient
from offline_store.database import KioskDatabase
from transactions.version import software_version

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def declared_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as pyproject:
        version: str = tomllib.load(pyproject)["project"]["version"]
    return version


def test_the_release_is_a_real_number_with_its_changelog_entry() -> None:
    version = declared_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert version != "0.1.0"  # the number every release before 0.5.0 kept
    entries = re.findall(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.M)
    assert entries[0] == version, "add the release's entry at the top of CHANGELOG.md"
    assert len(entries) == len(set(entries))


def test_the_installed_kiosk_software_is_the_declared_release() -> None:
    assert software_version() == declared_version(), (
        "the installed copy is older than pyproject.toml: run scripts/setup.sh"
    )
    assert sandbox_version() == software_version()  # the sandbox's own lookup agrees


@pytest.mark.parametrize("command", ["kiosk", "kiosk-fleet", "ministry-sandbox"])
def test_every_command_prints_the_release_with_version(command: str) -> None:
    done = subprocess.run(
        [str(BIN / command), "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        env=kiosk_env(),
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{command} {declared_version()}\n"


def test_a_status_sample_carries_the_release(tmp_path: Path) -> None:
    config = replace(
        KioskConfig(),
        kiosk_id="québec-place-laurier-2",
        data_dir=tmp_path / "données",
        status_file=tmp_path / "run" / "status.json",
        fleet_url="http://127.0.0.1:9",
        min_free_mb=0,
    )
    database = KioskDatabase(config.database_path)
    try:
        sample = FleetReporter(config, database, "jeton-d'essai").sample()
    finally:
        database.close()

    assert sample["version"] == declared_version()


def test_diagnose_reports_the_release(sandbox: SandboxClient, tmp_path: Path) -> None:
    data = tmp_path / "données"
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\ndata_dir = "{data}"\nstatus_file = "{tmp_path / "status.json"}"\n'
        f'[backend]\nurl = "{sandbox.url}"\n',
        encoding="utf-8",
    )
    KioskDatabase(data / "kiosk.db").close()

    done = subprocess.run(
        [str(BIN / "kiosk"), "diagnose", "--json", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        env=kiosk_env(),
        check=False,
    )

    checks = {check["name"]: check for check in json.loads(done.stdout)["checks"]}
    assert checks["software"]["status"] == "ok"
    assert checks["software"]["detail"] == f"version {declared_version()}"
