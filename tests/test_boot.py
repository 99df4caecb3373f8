"""A kiosk installed as the README says boots to its attract screen, under systemd.

A Debian 12 root (debootstrap), the kiosk put in by systemd/install-kiosk.sh, booted with
systemd-nspawn: cage on wlroots' headless backend draws the Kivy UI through Xwayland, the
agent drains the outbox to the sandbox and ships samples to a fleet monitor on this
machine, `kiosk diagnose` runs as a technician would, and five crashes bring up the
out-of-service screen. tests/boot/check.py looks from inside; this test reads its findings.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from boot_support import add_boot_check, boot, fresh_root, install_kiosk, kiosk_user
from fleet_support import serve_fleet
from outbox_support import change_health_address, health_changes
from PIL import Image

from kiosk_app.bootstrap import build_kiosk
from kiosk_app.config import KioskConfig
from ministry_sandbox.testing import SandboxClient
from transactions.address_change import Status

KIOSK_ID = "sherbrooke-carrefour-01"
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="systemd-nspawn needs root, as in CI")


def configure(root: Path, sandbox_url: str, fleet_url: str, token: str) -> None:
    """Fill in the installed template as a technician would (a demo kiosk: simulated
    devices), and give it the fleet token."""
    config = root / "etc/kiosk/kiosk.toml"
    text = config.read_text(encoding="utf-8")
    assert "# demo = true" in text
    assert 'url = "https://backends.example"' in text
    text = text.replace("# demo = true", "demo = true")
    text = text.replace('url = "https://backends.example"', f'url = "{sandbox_url}"')
    text = text.replace('# url = "https://fleet.example"', f'url = "{fleet_url}"')
    text = re.sub(r'(?m)^id = ".*"$', f'id = "{KIOSK_ID}"', text)
    config.write_text(text, encoding="utf-8")
    (root / "etc/kiosk/credentials/fleet.token").write_text(token + "\n", encoding="utf-8")


def queue_a_change(root: Path, sandbox: SandboxClient) -> str:
    """Leave a change of address waiting in the kiosk's outbox, as after an outage."""
    card = str(sandbox.add_health_card()["health_card_number"])
    data = root / "var/lib/kiosk"
    config = replace(
        KioskConfig(),
        data_dir=data,
        backend_url=sandbox.url,
        pii_key_file=root / "etc/kiosk/credentials/pii.key",
    )
    kiosk = build_kiosk(config)
    sandbox.set_faults(outage=True, paths=["/health/v1"])
    try:
        [outcome] = change_health_address(kiosk, card, "rue King Ouest", "app. 12").outcomes
    finally:
        sandbox.clear_faults()
        kiosk.close()
    assert outcome.status is Status.QUEUED
    uid, gid = kiosk_user(root)
    for path in [data, *data.iterdir()]:
        os.chown(path, uid, gid)
    return outcome.reference


@pytest.fixture(scope="module")
def booted(
    sandbox: SandboxClient, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """Install, configure and boot one kiosk; yield what was seen."""
    folder = tmp_path_factory.mktemp("boot")
    root = fresh_root(folder)
    installed = install_kiosk(root)
    add_boot_check(root)
    with serve_fleet(folder, {KIOSK_ID: "Carrefour de l'Estrie"}) as fleet:
        configure(root, sandbox.url, fleet.url, fleet.tokens[KIOSK_ID])
        reference = queue_a_change(root, sandbox)
        results = folder / "results"
        code = boot(root, results, folder / "boot.log")
        findings_file = results / "findings.json"
        assert findings_file.exists(), (folder / "boot.log").read_text(errors="replace")[-5000:]
        latest = fleet.store.latest()[KIOSK_ID]
    findings = json.loads(findings_file.read_text(encoding="utf-8"))
    reader = build_ledger_reader(root)
    delivered = health_changes(sandbox, reader)
    reader.close()
    yield {
        "root": root,
        "installed": installed,
        "code": code,
        "findings": findings,
        "results": results,
        "latest": latest,
        "reference": reference,
        "delivered": delivered,
    }
    shutil.rmtree(root, ignore_errors=True)  # a whole Debian system: not kept between runs


def build_ledger_reader(root: Path) -> Any:
    """Open the kiosk's database as it was left, to match the sandbox's ledger to it."""
    from offline_store.database import KioskDatabase

    return KioskDatabase(root / "var/lib/kiosk/kiosk.db", read_only=True, need_key=False)


def picture(path: Path) -> Image.Image:
    image = Image.open(path)
    image.load()
    return image.convert("RGB")


def drew_something(image: Image.Image) -> bool:
    """Tell whether a screenshot shows a drawn screen, not a black or blank one."""
    colours = image.getcolors(maxcolors=1 << 16)
    return colours is None or len(colours) > 20


def test_the_touchscreen_says_ready_keeps_its_watchdog_fed_and_draws_the_attract_screen(
    booted: dict[str, Any],
) -> None:
    found = booted["findings"]
    assert "error" not in found, found
    assert found["ui_ready"], (booted["results"] / "kiosk-ui.journal").read_text()
    ready, later = found["ui_at_ready"], found["ui_after_watchdog"]
    assert later["ActiveState"] == "active"
    assert later["MainPID"] == ready["MainPID"]  # not killed by the watchdog in 40 s
    assert later["NRestarts"] == "0"
    assert found["attract_screenshot"]["returncode"] == 0, found["attract_screenshot"]
    assert drew_something(picture(booted["results"] / "attract.png"))
    status = json.loads(found["status_json"])
    assert status["state"] == "up"


def test_the_agent_drains_the_outbox_and_the_fleet_monitor_hears_the_kiosk(
    booted: dict[str, Any],
) -> None:
    assert booted["findings"]["agent"]["ActiveState"] == "active"
    delivered = booted["delivered"]
    assert len(delivered) == 1  # the change queued before the boot, sent once
    assert booted["latest"]["state"] in ("up", "degraded")
    assert booted["latest"]["version"]


def test_a_technician_finds_kiosk_on_path_and_diagnose_names_only_what_a_container_lacks(
    booted: dict[str, Any],
) -> None:
    found = booted["findings"]
    assert found["which_kiosk"] == "/usr/local/bin/kiosk"
    report = json.loads(found["diagnose"]["stdout"])
    troubles = {c["name"]: c for c in report["checks"] if c["status"] not in ("ok",)}
    assert set(troubles) <= CONTAINER_LACKS, troubles


CONTAINER_LACKS = {"technician PIN"}
"""What the booted container legitimately lacks: the installer leaves the PIN to be set."""


def test_five_crashes_bring_up_the_out_of_service_screen(booted: dict[str, Any]) -> None:
    found = booted["findings"]
    assert found["ui_after_kills"]["ActiveState"] == "failed"
    assert found["out_of_service_active"], (booted["results"] / "kiosk-ui.journal").read_text()
    assert found["out_of_service_screenshot"]["returncode"] == 0
    assert drew_something(picture(booted["results"] / "out-of-service.png"))
