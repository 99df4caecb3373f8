"""A damaged disk never half-writes and never stops the kiosk from starting again.

A file that is not a database, or one whose pages are damaged, is moved aside at start
(kept for recovery) and a fresh one is made; a full or read-only disk refuses the write as
a whole, with a code the kiosk can report.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kiosk_runs import run_scenario
from sample_records import queued_fine

from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal
from transactions.errors import StorageError


def test_a_file_that_is_not_a_database_is_kept_aside_and_a_fresh_one_made(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "kiosk.db"
    path.write_bytes(b"this is not SQLite " * 200)

    database = KioskDatabase(path)

    assert database.set_aside is not None
    assert database.set_aside.read_bytes() == b"this is not SQLite " * 200
    assert database.set_aside.name.startswith("kiosk.db.damaged-")
    SqliteJournal(database).open_transaction(
        queued_fine("t-1", (("payer", "Éloïse Côté-Tremblay"),))
    )
    assert [r.transaction_id for r in SqliteJournal(database).unfinished()] == ["t-1"]
    assert "moved to" in caplog.text
    assert "for recovery" in caplog.text
    database.close()


def test_a_database_with_damaged_pages_is_kept_aside_and_a_fresh_one_made(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    database = KioskDatabase(path)
    journal = SqliteJournal(database)
    for number in range(200):
        journal.open_transaction(queued_fine(f"t-{number}"))
    database.checkpoint()
    database.close()
    damaged = bytearray(path.read_bytes())
    damaged[8192:16384] = b"\xff" * 8192  # a few pages in the middle scrambled
    path.write_bytes(bytes(damaged))

    reopened = KioskDatabase(path)

    assert reopened.set_aside is not None
    assert reopened.set_aside.read_bytes() == bytes(damaged)
    assert SqliteJournal(reopened).unfinished() == []
    reopened.close()


def test_a_healthy_database_is_never_moved(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    KioskDatabase(path).close()
    again = KioskDatabase(path)
    assert again.set_aside is None
    assert list(tmp_path.glob("*.damaged-*")) == []
    again.close()


def test_a_full_disk_refuses_the_whole_write_and_says_so(tmp_path: Path) -> None:
    database = KioskDatabase(tmp_path / "kiosk.db")
    journal = SqliteJournal(database)
    journal.open_transaction(queued_fine("t-kept"))
    with database.reading() as db:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count={pages}")  # the disk is full from here on

    def fill_the_disk() -> None:
        for number in range(500):
            journal.open_transaction(queued_fine(f"t-{number}"))

    with pytest.raises(StorageError) as full:
        fill_the_disk()

    assert full.value.code == "storage_full"
    stored = [r.transaction_id for r in journal.unfinished()]
    assert "t-kept" in stored
    with database.reading() as db:  # no transaction without its opening step, or the reverse
        orphans = db.execute(
            "select count(*) from transactions where transaction_id not in "
            "(select transaction_id from saga_steps)"
        ).fetchone()[0]
    assert orphans == 0
    database.close()


def test_a_read_only_database_refuses_writes_with_its_own_code(tmp_path: Path) -> None:
    database = KioskDatabase(tmp_path / "kiosk.db")
    with database.reading() as db:
        db.execute("PRAGMA query_only=ON")
    with pytest.raises(StorageError) as read_only:
        SqliteJournal(database).open_transaction(queued_fine("t-1"))
    assert read_only.value.code == "storage_read_only"
    database.close()


def test_the_storage_probe_sees_a_full_or_read_only_disk_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    database = KioskDatabase(tmp_path / "kiosk.db")
    assert database.storage_problem(min_free_bytes=0) is None
    assert database.storage_problem(min_free_bytes=2**62) == "storage_full"  # below the floor
    with database.reading() as db:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count={pages}")
    assert database.storage_problem(min_free_bytes=0) == "storage_full"
    with database.reading() as db:
        db.execute("PRAGMA max_page_count=1073741823")
        db.execute("PRAGMA query_only=ON")
    assert database.storage_problem(min_free_bytes=0) == "storage_read_only"
    with database.reading() as db:
        db.execute("PRAGMA query_only=OFF")
        tables = {row[0] for row in db.execute("select name from sqlite_master")}
        assert db.execute("PRAGMA page_count").fetchone()[0] == pages
    assert "storage_probe" not in tables
    database.close()


@pytest.mark.ui
def test_a_read_only_then_full_disk_puts_the_kiosk_out_of_service_and_back(
    tmp_path: Path,
) -> None:
    seen = run_scenario("storage_down", str(tmp_path))
    assert "timed_out" not in seen, seen
    assert seen["before"] == "up"
    assert seen["devices"] == {"payment_terminal": "ok", "printer": "ok"}  # the simulated ones
    read_only = seen["read_only"]  # the payment's first write failed: out of service at once
    assert read_only["charged"] == 0  # the card was never asked for
    assert read_only["status"]["state"] == "down"
    assert read_only["status"]["reason"] == "storage_read_only"
    assert read_only["title_fr"] == "Borne hors service"
    assert read_only["title_en"] == "Kiosk out of service"
    assert "storage_read_only" in read_only["reason"]
    assert seen["after_touch"] == "out_of_service"
    assert seen["back"] == "up"
    assert seen["full"]["state"] == "down"  # the storage watch saw the disk full
    assert seen["full"]["reason"] == "storage_full"
    assert seen["back_again"] == "up"
