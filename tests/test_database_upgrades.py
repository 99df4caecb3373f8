"""An upgrade never loses the way back: the old file is copied aside before its migration.

Old files are built as an older kiosk left them: the first migrations only, rows written
through a connection still open (as an old agent still running), so the newest rows are
only in the WAL when the new kiosk opens the file.
"""

from __future__ import annotations

import logging
import resource
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from kiosk_runs import KIOSK, kiosk_env
from sample_records import queued_fine

import offline_store.database
import offline_store.journal
from offline_store.database import MIGRATIONS, KioskDatabase
from offline_store.journal import SqliteJournal
from offline_store.migration_copies import copies
from transactions.errors import StorageError
from transactions.version import software_version

PAYER = (("payer", "Éloïse Côté-Tremblay"), ("address", "app. 4, 1200 rue de l'Église, h2x 1y4"))


@contextmanager
def older_kiosk(
    path: Path, monkeypatch: pytest.MonkeyPatch, schema: int
) -> Iterator[KioskDatabase]:
    """Open ``path`` as a kiosk that knew only the first ``schema`` migrations."""
    with monkeypatch.context() as older:
        older.setattr(offline_store.database, "MIGRATIONS", MIGRATIONS[:schema])
        database = KioskDatabase(path)
    try:
        yield database
    finally:
        database.close()


def journal_fine(database: KioskDatabase, transaction_id: str) -> None:
    """Journal a fine waiting for its posting, as a version-1 kiosk wrote it (sealed)."""
    queued = queued_fine(transaction_id, PAYER)
    with database.transaction() as db:
        db.table("transactions").insert(SqliteJournal(database)._row(queued))
        offline_store.journal._step(db, queued, "open", "outcome", queued.state.value)


def version_1_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fines: int = 1) -> Path:
    path = tmp_path / "données" / "kiosk.db"
    with older_kiosk(path, monkeypatch, 1) as old:
        for number in range(fines):
            journal_fine(old, f"t-Côté-{number}")
    return path


def read(path: Path, sql: str) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def transaction_ids(path: Path) -> list[str]:
    return [str(row[0]) for row in read(path, "select transaction_id from transactions order by 1")]


def schema_of(path: Path) -> int:
    return int(str(read(path, "PRAGMA user_version")[0][0]))


def test_an_old_file_is_copied_aside_at_its_old_version_with_the_rows_only_in_its_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = version_1_file(tmp_path, monkeypatch)
    with older_kiosk(path, monkeypatch, 1) as still_running:
        journal_fine(still_running, "t-Éloïse-dans-le-wal")
        main_file_alone = tmp_path / "main-file-alone.db"
        shutil.copyfile(path, main_file_alone)
        assert transaction_ids(main_file_alone) == ["t-Côté-0"]  # the newest is in the WAL

        with caplog.at_level(logging.INFO, logger="offline_store.database"):
            upgraded = KioskDatabase(path)

        [copy] = copies(path)
        assert copy.name.startswith(f"kiosk.db.before-v{len(MIGRATIONS)}-")
        assert copy.name.endswith("Z")
        assert transaction_ids(copy) == ["t-Côté-0", "t-Éloïse-dans-le-wal"]
        assert schema_of(copy) == 1
        assert read(copy, "PRAGMA journal_mode") == [("delete",)]  # one file, on its own
        assert not copy.with_name(copy.name + "-wal").exists()
        assert copy.stat().st_mode & 0o777 == 0o600
        assert any(
            r.levelno == logging.INFO and str(copy) in r.getMessage() for r in caplog.records
        )
        assert upgraded.schema_version() == len(MIGRATIONS)
        assert [r.transaction_id for r in SqliteJournal(upgraded).unfinished()] == [
            "t-Côté-0",
            "t-Éloïse-dans-le-wal",
        ]
        upgraded.close()


def test_the_copy_put_back_in_place_opens_with_the_old_kiosk_and_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = version_1_file(tmp_path, monkeypatch, fines=2)
    KioskDatabase(path).close()
    [copy] = copies(path)
    # What a technician does to go back (offline_store/migration_copies.py): the upgraded
    # file and its WAL go away, the copy takes its place beside the same key.
    for suffix in ("", "-wal", "-shm"):
        upgraded = path.with_name(path.name + suffix)
        if upgraded.exists():
            upgraded.rename(tmp_path / upgraded.name)
    shutil.copyfile(copy, path)

    with older_kiosk(path, monkeypatch, 1) as old:
        assert old.schema_version() == 1
        with old.reading() as db:
            sealed = [str(row[0]) for row in db.execute("select posting_json from transactions")]
        assert len(sealed) == 2
        assert all("Côté" not in column for column in sealed)
        unfinished = SqliteJournal(old).unfinished()
        assert [r.transaction_id for r in unfinished] == ["t-Côté-0", "t-Côté-1"]
        assert [dict(r.posting_data)["payer"] for r in unfinished] == [
            "Éloïse Côté-Tremblay",
            "Éloïse Côté-Tremblay",
        ]  # the key beside it still opens what the copy holds


def test_a_fourth_upgrade_keeps_the_three_newest_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = version_1_file(tmp_path, monkeypatch)
    for schema in (2, 3, 4, 5):  # four releases, each with one more migration
        with older_kiosk(path, monkeypatch, schema) as upgraded:
            assert upgraded.schema_version() == schema

    kept = copies(path)
    assert [copy.name.split("-")[1] for copy in kept] == ["v3", "v4", "v5"]
    assert [schema_of(copy) for copy in kept] == [2, 3, 4]
    assert sorted(p.name for p in path.parent.glob("kiosk.db.before-*")) == [c.name for c in kept]


def test_a_fresh_file_and_an_up_to_date_one_leave_no_copy(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    KioskDatabase(path).close()
    KioskDatabase(path).close()

    assert copies(path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kiosk.db", "kiosk.key"]


def test_an_upgrade_that_cannot_copy_the_file_migrates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = version_1_file(tmp_path, monkeypatch, fines=400)
    size = path.stat().st_size
    assert size // 2 > 64 * 1024  # the limit leaves room for the shared-memory file
    # A disk that takes the small files but not a whole copy: a file size limit (Python
    # ignores SIGXFSZ, so a write past it fails with EFBIG instead of killing the process).
    opened = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from pathlib import Path\n"
            "from offline_store.database import KioskDatabase\n"
            "from transactions.errors import StorageError\n"
            "try:\n"
            "    KioskDatabase(Path(sys.argv[1]))\n"
            "except StorageError as err:\n"
            "    print(err.code)\n",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (size // 2, size // 2)),
    )

    assert opened.stdout.strip() == "storage_failed", opened.stderr
    assert schema_of(path) == 1
    assert len(transaction_ids(path)) == 400
    assert copies(path) == []
    assert [p.name for p in path.parent.iterdir() if ".before-" in p.name] == []


def newer_file(tmp_path: Path) -> Path:
    path = tmp_path / "state" / "kiosk.db"
    database = KioskDatabase(path)
    SqliteJournal(database).open_transaction(queued_fine("t-Éloïse-1", PAYER))
    database.close()
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    connection.close()
    return path


def test_a_newer_file_is_refused_naming_this_release_and_the_copy_to_restore(
    tmp_path: Path,
) -> None:
    path = newer_file(tmp_path)
    newer = len(MIGRATIONS) + 1

    with pytest.raises(StorageError) as refused:
        KioskDatabase(path)

    message = str(refused.value)
    assert refused.value.code == "storage_newer"
    assert f"written by a newer kiosk (schema {newer}" in message
    assert f"release {software_version()}, knows schema {len(MIGRATIONS)} at most" in message
    assert f"kiosk.db.before-v{newer}-" in message
    assert schema_of(path) == newer
    assert copies(path) == []


@pytest.mark.ui
def test_kiosk_run_on_a_newer_file_exits_2_saying_so_and_keeps_it(tmp_path: Path) -> None:
    from kiosk_app.ui.display import screen

    path = newer_file(tmp_path)
    before = path.read_bytes()
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{path.parent}"\n', encoding="utf-8")

    with screen(1080, 1920, virtual=True) as display:
        done = subprocess.run(
            [KIOSK, "run", "--config", str(config)],
            env={**kiosk_env(), "DISPLAY": display},
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    # Exit 2 is a failure to systemd: kiosk-ui restarts, and after 5 failures its
    # OnFailure= shows kiosk-out-of-service (tests/test_systemd_units.py holds those lines).
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"kiosk: {path} was written by a newer kiosk" in done.stderr
    assert "Traceback" not in done.stderr
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir() if ".damaged-" in p.name] == []
    assert copies(path) == []
