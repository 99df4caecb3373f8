"""`kiosk logs bundle`: a support archive with canary personal data and secrets taken out."""

from __future__ import annotations

import json
import subprocess
import tarfile
from pathlib import Path

from kiosk_runs import KIOSK, kiosk_env
from sample_records import queued_fine

from admin_tools.support_bundle import luhn_ok, redact
from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal

CANARIES = {
    "card": "4761739099887766",
    "card, spaced": "4761 7390 9988 7766",
    "health card": "0000000050TS",
    "licence": "O12345678901234",
    "postal code": "h2l 2n5",
    "e-mail": "eloise.cote-tremblay@example.ca",
    "telephone": "(514) 555-0199",
    "street of an unfinished transaction": "rue du Canari-Zoë",
    "fleet token": "fleet-token-canary-7f3a9c",
}


def test_a_bundle_holds_the_logs_config_and_diagnostics_without_any_canary(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    token = tmp_path / "fleet.token"
    token.write_text(CANARIES["fleet token"] + "\n", encoding="utf-8")
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\ndata_dir = "{data}"\n[fleet]\nurl = "http://127.0.0.1:9"\n'
        f'token_file = "{token}"\n',
        encoding="utf-8",
    )
    database = KioskDatabase(data / "kiosk.db")
    street = CANARIES["street of an unfinished transaction"]
    SqliteJournal(database).open_transaction(queued_fine("t-1", (("street", street),)))
    database.close()
    key = (data / "kiosk.key").read_text(encoding="utf-8").strip()
    (data / "kiosk.log").write_text(
        "2026-12-01 14:03:00,120 ERROR kiosk: a careless line: "
        + "; ".join(CANARIES.values())
        + f"; key {key}\n",
        encoding="utf-8",
    )

    out = tmp_path / "support.tar.gz"
    done = subprocess.run(
        [KIOSK, "logs", "bundle", "--out", str(out), "--config", str(config)],
        capture_output=True, text=True, timeout=120, env=kiosk_env(), check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with tarfile.open(out) as archive:
        members = {m.name.removeprefix("kiosk-support/"): archive.extractfile(m).read()  # type: ignore[union-attr]
                   for m in archive.getmembers()}  # fmt: skip
    assert set(members) == {"journal.log", "config.toml", "diagnostics.json", "outbox.json",
                            "versions.txt", "logs/kiosk.log"}  # fmt: skip
    everything = b"\n".join(members.values()).decode()
    for what, canary in CANARIES.items():
        assert canary.lower() not in everything.lower(), what
    assert key not in everything
    assert "a careless line" in everything  # the line is kept, its data taken out
    assert "[card number]" in members["logs/kiosk.log"].decode()
    assert json.loads(members["diagnostics.json"])["verdict"] in ("ok", "degraded", "down")
    assert "depth" in json.loads(members["outbox.json"])
    assert (out.stat().st_mode & 0o777) == 0o600


def test_only_digit_runs_that_pass_luhn_are_taken_for_card_numbers() -> None:
    assert luhn_ok("4761739099887766")
    assert not luhn_ok("4761739099887767")
    assert redact("order 4761739099887767 kept") == "order 4761739099887767 kept"
    assert redact("transaction 9d4c1e7b-4355-4bc9-ab18-049a0450b6df") == (
        "transaction 9d4c1e7b-4355-4bc9-ab18-049a0450b6df"
    )
