"""A locked database is not a damaged one: the file stays, every row stays.

Another process may hold ``kiosk.db`` (an exclusive lock, a long write, a backup): the
kiosk waits a bounded time, then says "busy" and tries again later; it never moves a
healthy file aside. Technicians' commands read the file as it is: nothing created,
migrated, moved or keyed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from kiosk_runs import KIOSK, kiosk_env
from outbox_support import health_changes, queued_change
from sample_records import queued_fine

from ministry_sandbox.testing import SandboxClient
from offline_store.database import MIGRATIONS, KioskDatabase, read_only_connection
from offline_store.journal import SqliteJournal
from offline_store.outbox import waiting
from transactions.errors import StorageError

HOLD = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
connection.execute("PRAGMA locking_mode=EXCLUSIVE")
connection.execute("BEGIN EXCLUSIVE")
connection.execute("COMMIT")
connection.execute("select count(*) from transactions").fetchall()
print("held", flush=True)
sys.stdin.read()
"""


@contextmanager
def held_exclusively(path: Path) -> Iterator[None]:
    """Hold ``path`` with ``locking_mode=exclusive`` in a second process until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def kiosk_with_queued_fines(tmp_path: Path, count: int = 3) -> Path:
    path = tmp_path / "kiosk.db"
    database = KioskDatabase(path)
    journal = SqliteJournal(database)
    for number in range(count):
        journal.open_transaction(queued_fine(f"t-{number}", (("payer", "Éloïse Côté-Tremblay"),)))
    database.close()
    return path


def rows(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("select count(*) from transactions").fetchone()[0])
    finally:
        connection.close()  # an open connection holds a shared lock on a WAL file


def test_a_database_another_process_holds_is_busy_never_set_aside(tmp_path: Path) -> None:
    path = kiosk_with_queued_fines(tmp_path)

    with held_exclusively(path), pytest.raises(StorageError) as busy:
        KioskDatabase(path, busy_seconds=0.2)

    assert busy.value.code == "storage_busy"
    assert "busy" in str(busy.value)
    assert list(tmp_path.glob("*.damaged-*")) == []
    assert rows(path) == 3
    reopened = KioskDatabase(path)
    assert reopened.set_aside is None
    assert [r.transaction_id for r in SqliteJournal(reopened).unfinished()] == [
        "t-0",
        "t-1",
        "t-2",
    ]
    reopened.close()


def test_a_lock_released_within_the_wait_opens_normally(tmp_path: Path) -> None:
    path = kiosk_with_queued_fines(tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN EXCLUSIVE'); print('held', flush=True); time.sleep(0.5)\n"
            "c.execute('COMMIT')\n",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"

    database = KioskDatabase(path, busy_seconds=30)  # waits for the lock, then opens

    holder.wait(timeout=30)
    assert database.set_aside is None
    assert len(SqliteJournal(database).unfinished()) == 3
    database.close()


def test_a_database_that_cannot_be_opened_is_out_of_service_not_reset(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    path.mkdir()  # an I/O error of sorts: something that is not a file where the file was

    with pytest.raises(StorageError) as failed:
        KioskDatabase(path)

    assert failed.value.code == "storage_failed"
    assert path.is_dir()
    assert list(tmp_path.glob("*.damaged-*")) == []


def test_a_database_from_a_newer_kiosk_is_refused_and_kept(tmp_path: Path) -> None:
    path = kiosk_with_queued_fines(tmp_path)
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    connection.close()

    with pytest.raises(StorageError) as newer:
        KioskDatabase(path)

    assert newer.value.code == "storage_newer"
    assert "newer kiosk" in str(newer.value)
    assert rows(path) == 3
    assert list(tmp_path.glob("*.damaged-*")) == []


def test_a_read_only_open_creates_migrates_and_moves_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nothing" / "kiosk.db"
    with pytest.raises(StorageError) as absent:
        KioskDatabase(missing, read_only=True)
    assert absent.value.code == "storage_missing"
    assert not missing.parent.exists()

    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not SQLite at all " * 300)
    with pytest.raises(StorageError):
        KioskDatabase(damaged, read_only=True, need_key=False)
    assert damaged.read_bytes() == b"not SQLite at all " * 300
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.db"]


def test_a_read_only_open_without_the_key_says_so_and_makes_none(tmp_path: Path) -> None:
    path = kiosk_with_queued_fines(tmp_path)
    path.with_suffix(".key").rename(tmp_path / "elsewhere.key")

    with pytest.raises(StorageError) as unreadable:
        KioskDatabase(path, read_only=True)

    assert unreadable.value.code == "pii_key_unreadable"
    assert "no new key was made" in str(unreadable.value)
    assert not path.with_suffix(".key").exists()
    # What reads no personal data opens without the key, and reads every row.
    database = KioskDatabase(path, read_only=True, need_key=False)
    assert len(waiting(database)) == 0  # queued fines wait on no call yet
    with database.reading() as db:
        assert db.execute("select count(*) from transactions").fetchone()[0] == 3
    with pytest.raises(StorageError) as sealed:
        SqliteJournal(database).unfinished()
    assert sealed.value.code == "pii_key_unreadable"
    database.close()
    assert not path.with_suffix(".key").exists()


def test_a_read_only_open_writes_nothing(tmp_path: Path) -> None:
    path = kiosk_with_queued_fines(tmp_path)
    before = path.stat().st_mtime_ns
    database = KioskDatabase(path, read_only=True)
    with pytest.raises(StorageError) as refused:
        SqliteJournal(database).open_transaction(queued_fine("t-new"))
    assert refused.value.code == "storage_read_only"
    database.close()
    assert path.stat().st_mtime_ns == before
    assert rows(path) == 3


def test_the_database_key_and_folder_are_private_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        path = tmp_path / "data" / "kiosk.db"
        KioskDatabase(path).close()
    finally:
        os.umask(previous)
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert path.with_suffix(".key").stat().st_mode & 0o777 == 0o600


XVFB_RUN = ("xvfb-run", "-a", "-s", "-screen 0 1080x1920x24")


def _wait_for(what: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if what():
            return True
        time.sleep(0.2)
    return False


def _published(path: Path) -> dict[str, Any]:
    try:
        published: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return published


def _stop(started: list[subprocess.Popen[str]]) -> None:
    """Stop the agent, then the kiosk with its xvfb-run and Xvfb (its own process group)."""
    for number, process in enumerate(started):
        if number == 0:
            process.send_signal(signal.SIGTERM)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    for process in started[1:]:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.ui
def test_while_another_process_holds_the_database_the_kiosk_waits_and_loses_nothing(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    kiosk, _card, result = queued_change(sandbox, tmp_path, "rue de l'Église")
    kiosk.close()
    path = tmp_path / "kiosk.db"
    status = tmp_path / "status.json"
    status.unlink(missing_ok=True)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\ndata_dir = "{tmp_path}"\n[backend]\nurl = "{sandbox.url}"\n'
        "[agent]\npoll_seconds = 0.2\n[ui]\nfullscreen = false\n",
        encoding="utf-8",
    )
    before = rows(path)
    env = kiosk_env()
    started: list[subprocess.Popen[str]] = []
    try:
        with held_exclusively(path):
            listed = subprocess.run(
                [KIOSK, "outbox", "status", "--config", str(config)],
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
                check=False,
            )
            agent = subprocess.Popen(
                [KIOSK, "agent", "--config", str(config)],
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            started.append(agent)
            ui = subprocess.Popen(
                [*XVFB_RUN, KIOSK, "run", "--config", str(config)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                text=True,
                env=env,
                start_new_session=True,  # xvfb-run, Xvfb and the kiosk stop together
            )
            started.append(ui)
            assert _wait_for(lambda: _published(status).get("state") == "down", 150)
            assert _published(status)["reason"] == "storage_busy"
            assert agent.poll() is None  # waiting, not dead
            assert ui.poll() is None
            assert path.is_file()
            assert list(tmp_path.glob("*.damaged-*")) == []
        # The lock is gone: the agent sends what waited, the touchscreen comes back.
        reader = KioskDatabase(path, read_only=True, need_key=False)
        assert _wait_for(lambda: len(health_changes(sandbox, reader)) == 1, 120)
        reader.close()
        assert _wait_for(lambda: _published(status).get("state") == "up", 150)
    finally:
        _stop(started)
    assert listed.returncode == 2
    assert "busy" in listed.stderr
    assert "Traceback" not in listed.stderr
    assert [r.reference for r in [*result.outcomes]] != []
    assert rows(path) == before
    assert list(tmp_path.glob("*.damaged-*")) == []
    assert agent.stderr is not None
    assert "Traceback" not in agent.stderr.read()


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        # SQLite makes an empty WAL and its shared memory to read a WAL file: no data.
        if p.is_file() and not p.name.endswith("-shm") and p.stat().st_size
    }


def test_technician_commands_only_read_the_database_and_never_make_a_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = kiosk_with_queued_fines(data)
    older = sqlite3.connect(path)  # a file one migration behind this software
    older.execute("alter table status_samples drop column refused")
    older.execute(f"PRAGMA user_version={len(MIGRATIONS) - 1}")
    older.close()
    path.with_suffix(".key").unlink()  # a shell without the kiosk's credential
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{data}"\n', encoding="utf-8")
    before = _digest(data)

    def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [KIOSK, *args, "--config", str(config)],
            capture_output=True,
            text=True,
            env=kiosk_env(),
            timeout=120,
            check=False,
        )

    listed = {action: kiosk("outbox", action, "--json") for action in ("status", "list")}
    exported = kiosk("outbox", "export")
    status = kiosk("status", "--json")
    diagnosed = kiosk("diagnose", "--json")
    bundled = kiosk("logs", "bundle", "--out", str(tmp_path / "bundle.tar.gz"))

    for done in [*listed.values(), exported, status, diagnosed, bundled]:
        assert "Traceback" not in done.stderr, done.stderr
    assert listed["status"].returncode == 0, listed["status"].stderr
    assert json.loads(listed["status"].stdout)["depth"] == 0
    assert listed["list"].returncode == exported.returncode == 0
    report = json.loads(diagnosed.stdout)
    database_check = next(c for c in report["checks"] if c["name"] == "database")
    assert database_check["status"] == "ok"
    assert bundled.returncode == 0, bundled.stderr
    assert "key is not readable" in bundled.stderr
    with tarfile.open(tmp_path / "bundle.tar.gz") as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("diagnostics.json"))
        handle = archive.extractfile(member)
        assert handle is not None
        seen = json.loads(handle.read())
    assert next(c for c in seen["checks"] if c["name"] == "database")["status"] == "ok"
    # Nothing was created, migrated, moved aside or keyed.
    assert _digest(data) == before
    assert not path.with_suffix(".key").exists()
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) - 1
    connection.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give files away (CI runs as root)")
def test_a_root_technician_reading_leaves_the_kiosk_user_owning_its_files(tmp_path: Path) -> None:
    path = kiosk_with_queued_fines(tmp_path)
    kiosk_user = 65534  # nobody: stands for the kiosk's own account
    os.chown(path, kiosk_user, kiosk_user)
    for sidecar in tmp_path.glob("kiosk.db-*"):
        sidecar.unlink()

    read_only_connection(path).close()

    assert list(tmp_path.glob("kiosk.db-*"))  # SQLite made them to read the file
    for sidecar in tmp_path.glob("kiosk.db-*"):
        assert sidecar.stat().st_uid == kiosk_user, sidecar.name
