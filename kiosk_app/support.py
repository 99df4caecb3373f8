"""``kiosk logs bundle``: gather what a support case needs and hand it to the redactor.

Logs (the journal of the kiosk's units, log files in its data folder), the config with
secret values blanked, ``kiosk diagnose --json``, the outbox's status and the versions. The
personal values the kiosk still holds and its secrets are listed for the redactor
(``admin_tools.support_bundle``), which also removes anything shaped like personal data.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from admin_tools.support_bundle import redact_config, write_bundle
from kiosk_app.config import KioskConfig
from offline_store import outbox
from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal
from transactions.errors import KioskError, StorageError

UNITS = ("kiosk-ui", "kiosk-agent", "kiosk-out-of-service")
PACKAGES = ("gov-kiosk", "kivy", "pyscard", "python-escpos", "pyserial", "requests",
            "sqlite-utils", "fastapi", "uvicorn", "cryptography", "babel", "psycopg")  # fmt: skip


def _journal(since: str) -> str:
    journalctl = shutil.which("journalctl")
    if journalctl is None:
        return "(no journalctl on this machine)\n"
    units = [arg for unit in UNITS for arg in ("-u", unit)]
    done = subprocess.run(
        [journalctl, *units, "--since", since, "-o", "short-iso", "--no-pager"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return done.stdout + (f"\n(journalctl: {done.stderr.strip()})\n" if done.stderr else "")


def _versions() -> str:
    lines = [f"python {platform.python_version()}", f"platform {platform.platform()}"]
    for package in PACKAGES:
        try:
            lines.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            lines.append(f"{package} (not installed)")
    release = Path("/etc/os-release")
    if release.exists():
        lines += ["", release.read_text(encoding="utf-8", errors="replace")]
    return "\n".join(lines) + "\n"


def _secret_files(config: KioskConfig) -> list[Path]:
    files = [config.pii_key_file or config.database_path.with_suffix(".key")]
    if config.fleet_token_file is not None:
        files.append(config.fleet_token_file)
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials:
        files += sorted(Path(credentials).iterdir())
    return files


def _known_values(config: KioskConfig) -> tuple[list[str], str]:
    """Return the secrets and personal values to take out, and the outbox's status."""
    known: list[str] = []
    for path in _secret_files(config):
        with contextlib.suppress(OSError):
            known.append(path.read_text(encoding="utf-8", errors="replace").strip())
    status = "(no database yet)\n"
    if config.database_path.exists():
        # Read the file as it is: a bundle never creates, migrates or moves the kiosk's
        # database, and never makes a key of its own.
        note = ""
        try:
            database = KioskDatabase(config.database_path, config.pii_key_file, read_only=True)
        except StorageError as err:
            if err.code != "pii_key_unreadable":
                return known, f"(database not opened: {err})\n"
            note = f"(personal values of unfinished visits not read: {err})\n"
            print(f"kiosk: {err}", file=sys.stderr)
            try:
                database = KioskDatabase(
                    config.database_path, config.pii_key_file, read_only=True, need_key=False
                )
            except KioskError as again:
                return known, f"(database not opened: {again})\n"
        except KioskError as err:
            return known, f"(database not opened: {err})\n"
        try:
            if not note:
                for record in SqliteJournal(database).unfinished():
                    known += [str(v) for _k, v in (*record.posting_data, *record.receipt_data)]
                    known += [item.item_id for item in record.items]
            now = datetime.now(UTC)
            summary = outbox.status(outbox.waiting(database), now)
            status = note + json.dumps(summary, indent=2) + "\n"
        finally:
            database.close()
    return known, status


def bundle(config: KioskConfig, config_file: Path | None, out: Path, since: str) -> Path:
    """Write the support archive to ``out``; return its path."""
    from kiosk_app.diagnose import diagnose

    known, outbox_status = _known_values(config)
    report = io.StringIO()
    with contextlib.redirect_stdout(report), contextlib.redirect_stderr(io.StringIO()):
        diagnose(config, as_json=True)
    files = {
        "journal.log": _journal(since),
        "config.toml": redact_config(config_file.read_text(encoding="utf-8"))
        if config_file is not None
        else "# embedded defaults (no --config)\n",
        "diagnostics.json": report.getvalue(),
        "outbox.json": outbox_status,
        "versions.txt": _versions(),
    }
    for log in sorted(config.data_dir.glob("*.log")):
        files[f"logs/{log.name}"] = log.read_text(encoding="utf-8", errors="replace")
    return write_bundle(out, files, known)
