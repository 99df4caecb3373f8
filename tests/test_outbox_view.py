"""`kiosk outbox`: a technician sees what waits to be sent, and nothing personal."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

from fake_texts import FakeTexts
from fakes import kiosk_with_journal
from kiosk_runs import KIOSK, kiosk_env

from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal
from offline_store.outbox import status, waiting
from transactions.address_change import HEALTH_CARD, choose_programme, submit_address_change
from transactions.addresses import normalize_address

CANARY_STREET = "rue Canari-Zoë-O'Brien"
CANARY_CARD = "1234567890AB"


def queue_an_address_change(data_dir: Path) -> None:
    """The health ministry is away: the change waits in the kiosk's journal."""
    database = KioskDatabase(data_dir / "kiosk.db")
    kiosk = kiosk_with_journal(SqliteJournal(database))
    kiosk.health.fail_transiently(10)
    address = normalize_address(
        street_number="12",
        street_name=CANARY_STREET,
        unit="app. 3",
        city="Gatineau",
        province="qc",
        postal_code="j8x 3x7",
    )
    submit_address_change(
        kiosk.runner(),
        address,
        [choose_programme(HEALTH_CARD, "1234 567 890 ab")],
        language="fr",
        texts=FakeTexts(),
        clock=kiosk.clock,
    )
    database.close()


def kiosk_outbox(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    config = data_dir.parent / f"{data_dir.name}.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{data_dir}"\n', encoding="utf-8")
    return subprocess.run(
        [KIOSK, "outbox", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=kiosk_env(),
        check=False,
    )


def test_the_waiting_change_is_listed_with_its_reference_state_and_attempts(
    tmp_path: Path,
) -> None:
    queue_an_address_change(tmp_path)

    done = kiosk_outbox(tmp_path, "list", "--json")

    assert done.returncode == 0, done.stderr
    [entry] = json.loads(done.stdout)
    assert entry["service"] == "address-change"
    assert entry["state"] == "submit_queued"
    assert entry["reference"].startswith("K-")
    assert entry["attempts"] >= 1
    assert entry["last_step"] == "post"


def test_nothing_personal_is_printed_by_any_outbox_command(tmp_path: Path) -> None:
    queue_an_address_change(tmp_path)
    printed = "".join(
        kiosk_outbox(tmp_path, *args).stdout
        for args in (("status",), ("status", "--json"), ("list",), ("list", "--json"), ("export",))
    )
    assert "submit_queued" in printed
    for canary in (CANARY_STREET, "Canari", CANARY_CARD, "1234567890", "Gatineau", "J8X"):
        assert canary not in printed, canary


def test_the_status_gives_the_depth_per_state_and_the_oldest_age(tmp_path: Path) -> None:
    queue_an_address_change(tmp_path)
    database = KioskDatabase(tmp_path / "kiosk.db")
    entries = waiting(database)
    database.close()
    five_minutes_later = datetime.fromisoformat(entries[0].created_at) + timedelta(minutes=5)

    summary = status(entries, five_minutes_later)

    assert summary["depth"] == 1
    assert summary["by_state"] == {"submit_queued": 1}
    assert summary["oldest_reference"] == entries[0].reference
    assert summary["oldest_age_seconds"] == 300


def test_a_kiosk_with_no_database_says_where_it_looked(tmp_path: Path) -> None:
    done = kiosk_outbox(tmp_path / "nowhere", "status")
    assert done.returncode == 2
    assert "no kiosk database" in done.stderr
    assert "kiosk.data_dir" in done.stderr
