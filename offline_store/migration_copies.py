"""Copies of the kiosk's database taken before a schema migration; the newest few are kept.

A copy is named ``kiosk.db.before-v<N>-<UTC time>``: the file as it was before its upgrade
to schema N. It is read through SQLite's backup API, so it holds what is still only in the
WAL, and it is a single file that stands alone (no WAL of its own). To go back to the
release that wrote it: stop the kiosk, move ``kiosk.db`` and its ``-wal`` and ``-shm``
away, and put the copy in its place.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from transactions.errors import StorageError

logger = logging.getLogger(__name__)

KEEP = 3
"""How many copies stay beside the database; older ones are removed after a new copy."""

_SUFFIX = re.compile(r"\.before-v(\d+)-(\d{8}T\d{6}\.\d{6}Z)")
_SIDECARS = ("-journal", "-wal", "-shm")


def copy_before_upgrade(path: Path, to_version: int, *, keep: int = KEEP) -> Path:
    """Copy the database at ``path`` aside before its upgrade to schema ``to_version``;
    keep the newest ``keep`` copies and return the new one's path.

    Call it while holding the database's write lock with nothing written yet: the copy is
    then exactly what the migration starts from. A copy that cannot be written raises
    StorageError (``storage_full`` or ``storage_failed``): the caller must not migrate.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    copy = path.with_name(f"{path.name}.before-v{to_version}-{stamp}")
    try:
        os.close(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as err:
        raise _not_copied(copy, err) from err
    try:
        _back_up(path, copy)
    except BaseException as err:
        _remove(copy)
        if isinstance(err, OSError):
            raise _not_copied(copy, err) from err
        raise  # sqlite3 errors: the caller's transaction says what they mean for storage
    prune(path, keep)
    return copy


def copies(path: Path) -> list[Path]:
    """Return the copies taken before upgrades of ``path``, oldest first.

    Ordered by schema version, then time: a kiosk whose clock was set back (no battery
    for its clock, before NTP answers) must not make its newest copy look like the oldest.
    """
    found: list[tuple[int, str, Path]] = []
    for candidate in path.parent.iterdir():
        if not candidate.name.startswith(path.name):
            continue
        match = _SUFFIX.fullmatch(candidate.name[len(path.name) :])
        if match is not None:
            found.append((int(match[1]), match[2], candidate))
    return [candidate for _version, _stamp, candidate in sorted(found)]


def prune(path: Path, keep: int = KEEP) -> None:
    """Remove all but the newest ``keep`` copies of ``path``; a failure is logged, not raised."""
    for old in copies(path)[:-keep]:
        try:
            _remove(old)
        except OSError as err:
            logger.warning("old database copy %s not removed: %s", old, err)
        else:
            logger.info("old database copy %s removed (the newest %d are kept)", old, keep)


def _back_up(path: Path, copy: Path) -> None:
    # A connection of its own: SQLite refuses to back up through a connection that holds
    # a write transaction (sqlite3_backup_step returns SQLITE_LOCKED). In WAL mode it reads
    # the last commit, WAL included, while the caller's lock keeps writers out.
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        target = sqlite3.connect(copy, isolation_level=None)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")  # one file, readable on its own
        finally:
            target.close()
    finally:
        source.close()


def _remove(copy: Path) -> None:
    for suffix in ("", *_SIDECARS):
        with contextlib.suppress(FileNotFoundError):
            copy.with_name(copy.name + suffix).unlink()


def _not_copied(copy: Path, err: OSError) -> StorageError:
    code = "storage_full" if err.errno == errno.ENOSPC else "storage_failed"
    return StorageError(
        f"the kiosk's database could not be copied to {copy} before its upgrade ({err}): "
        "nothing was migrated",
        code=code,
    )
