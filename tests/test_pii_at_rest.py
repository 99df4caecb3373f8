"""Personal data at rest: sealed in the SQLite file, gone from it (and its WAL) once posted.

Canaries (a street, a city, card numbers nobody else uses) go through real transactions on a
real SQLite file; the test then reads the raw bytes of the database and its WAL.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from fake_texts import FakeTexts
from fakes import kiosk_with_journal

from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal
from offline_store.pii import CREDENTIAL, PiiCipher, load_key
from transactions.address_change import (
    DRIVERS_LICENCE,
    HEALTH_CARD,
    choose_programme,
    submit_address_change,
)
from transactions.addresses import normalize_address
from transactions.errors import StorageError
from transactions.saga.states import SagaState

CANARY_STREET = "rue Canari-Éloïse-Côté"
CANARY_CITY = "Saint-Canari-des-Tests"
CANARIES = (CANARY_STREET, CANARY_CITY, "Canari")


def on_disk(path: Path) -> bytes:
    """Return the bytes of the database file and its WAL, as a thief would read them."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def change_address(database: KioskDatabase, *, reachable: bool) -> SagaState:
    kiosk = kiosk_with_journal(SqliteJournal(database))
    if not reachable:
        kiosk.health.fail_transiently(10)
        kiosk.transport.fail_transiently(10)
    address = normalize_address(
        street_number="12",
        street_name=CANARY_STREET,
        unit=None,
        city=CANARY_CITY,
        province="qc",
        postal_code="g9a 5h7",
    )
    result = submit_address_change(
        kiosk.runner(),
        address,
        [
            choose_programme(HEALTH_CARD, "1234-567-890-ab"),
            choose_programme(DRIVERS_LICENCE, "c6023-45678-90123"),
        ],
        language="fr",
        texts=FakeTexts(),
        clock=kiosk.clock,
    )
    return SagaState.DONE if result.outcomes[0].status.value == "done" else SagaState.SUBMIT_QUEUED


def test_an_address_waiting_to_be_sent_is_sealed_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    database = KioskDatabase(path)
    assert change_address(database, reachable=False) is SagaState.SUBMIT_QUEUED

    waiting = SqliteJournal(database).unfinished()
    assert len(waiting) == 2
    assert dict(waiting[0].posting_data)["street_name"] == CANARY_STREET  # it opens again
    raw = on_disk(path)
    for canary in CANARIES:
        assert canary.encode() not in raw, canary
    database.close()


def test_once_the_ministry_has_it_even_the_sealed_address_is_gone_from_the_file_and_wal(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kiosk.db"
    database = KioskDatabase(path)
    change_address(database, reachable=False)
    with database.reading() as db:
        sealed = [row[0] for row in db.execute("select posting_json from transactions")]
    assert all(value.startswith("v1:") for value in sealed)
    assert all(value[3:40].encode() in on_disk(path) for value in sealed)

    kiosk = kiosk_with_journal(SqliteJournal(database))  # the ministries are back
    delivered = kiosk.runner().resume_unfinished()

    assert [record.state for record in delivered] == [SagaState.DONE, SagaState.DONE]
    with database.reading() as db:
        assert db.execute("PRAGMA secure_delete").fetchone()[0] == 1
        stored = [row[0] for row in db.execute("select posting_json from transactions")]
    assert stored == ["[]", "[]"]
    raw = on_disk(path)  # overwritten in the file (secure_delete), the WAL emptied
    for value in sealed:
        assert value[3:40].encode() not in raw
    database.close()


def test_the_key_file_is_made_for_the_kiosk_user_alone(tmp_path: Path) -> None:
    KioskDatabase(tmp_path / "kiosk.db").close()
    key_file = tmp_path / "kiosk.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(load_key(key_file)) == 32


def test_a_key_others_can_read_is_refused_with_the_fix(tmp_path: Path) -> None:
    key_file = tmp_path / "kiosk.key"
    load_key(key_file)
    key_file.chmod(0o644)
    with pytest.raises(StorageError) as refused:
        KioskDatabase(tmp_path / "kiosk.db", key_file)
    assert refused.value.code == "pii_key_permissions"
    assert f"chmod 600 {key_file}" in str(refused.value)


def test_a_systemd_credential_is_the_key_when_there_is_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    given = load_key(tmp_path / "made.key")
    (credentials / CREDENTIAL).write_bytes((tmp_path / "made.key").read_bytes())
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    assert load_key(tmp_path / "never-made.key") == given
    assert not (tmp_path / "never-made.key").exists()


def test_data_sealed_under_another_key_or_for_another_row_does_not_open(tmp_path: Path) -> None:
    cipher = PiiCipher(os.urandom(32))
    sealed = cipher.seal('[["city", "Trois-Rivières"]]', "t-1")
    assert cipher.open(sealed, "t-1") == '[["city", "Trois-Rivières"]]'
    assert "Trois" not in sealed
    with pytest.raises(StorageError) as moved:
        cipher.open(sealed, "t-2")
    assert moved.value.code == "pii_key_mismatch"
    with pytest.raises(StorageError):
        PiiCipher(os.urandom(32)).open(sealed, "t-1")


def test_a_restart_with_the_wrong_key_says_which_key_to_restore(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    database = KioskDatabase(path)
    change_address(database, reachable=False)
    database.close()
    (tmp_path / "kiosk.key").unlink()  # the key was lost; a new one is made

    reopened = KioskDatabase(path)
    with pytest.raises(StorageError) as lost:
        SqliteJournal(reopened).unfinished()
    assert lost.value.code == "pii_key_mismatch"
    assert "restore the kiosk's key" in str(lost.value)
    reopened.close()
