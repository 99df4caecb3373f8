"""Personal data at rest: sealed with AES-GCM before it reaches the kiosk's SQLite file.

What posting and receipts need (a licence number, a date of birth, an address) is sealed
with a 256-bit key and bound to its transaction, so a copied database, backup or support
bundle shows none of it, and a sealed value moved to another row does not open. The key
comes from a systemd credential (``LoadCredential=kiosk-pii-key:…``) when the kiosk runs
under systemd, else from a file only the kiosk user can read, created on first start.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from transactions.errors import StorageError

KEY_BYTES = 32
NONCE_BYTES = 12
CREDENTIAL = "kiosk-pii-key"
"""The systemd credential's name: ``$CREDENTIALS_DIRECTORY/kiosk-pii-key``."""
_SEALED = "v1:"


class PiiCipher:
    """Seal and open personal data, each value bound to the row it belongs to."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise StorageError(
                f"the personal-data key must be {KEY_BYTES} bytes", code="pii_key_invalid"
            )
        self._aead = AESGCM(key)
        self._fingerprint_key = hmac.digest(key, b"kiosk-fingerprint-v1", hashlib.sha256)

    def fingerprint(self, text: str) -> str:
        """Return a keyed hash of ``text``: equal texts match, yet the text cannot be read back
        nor guessed from the file alone (a card number has too few digits for a plain hash)."""
        return hmac.new(self._fingerprint_key, text.encode(), hashlib.sha256).hexdigest()[:32]

    def seal(self, text: str, context: str) -> str:
        """Return ``text`` encrypted and bound to ``context`` (a transaction id)."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, text.encode(), context.encode())
        return _SEALED + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, value: str, context: str) -> str:
        """Return the text sealed in ``value`` (a value stored before sealing is returned as is).

        Raises StorageError ``pii_key_mismatch`` when the key is not the one that sealed it.
        """
        if not value.startswith(_SEALED):
            return value
        raw = base64.b64decode(value[len(_SEALED) :])
        try:
            return self._aead.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()
            ).decode()
        except InvalidTag as err:
            raise StorageError(
                "personal data cannot be opened: the key is not the one it was sealed with "
                "(restore the kiosk's key file or credential)",
                code="pii_key_mismatch",
            ) from err


class NoPiiKey(PiiCipher):
    """No key at hand (a technician's read-only command): anything sealed stays sealed."""

    def __init__(self) -> None:
        pass

    def fingerprint(self, text: str) -> str:
        """Refuse: without the key no fingerprint matches."""
        raise _unreadable()

    def seal(self, text: str, context: str) -> str:
        """Refuse: a read-only command writes nothing."""
        raise _unreadable()

    def open(self, value: str, context: str) -> str:
        """Refuse to open sealed data (a value stored before sealing is returned as is)."""
        if not value.startswith(_SEALED):
            return value
        raise _unreadable()


def _unreadable(where: str = "this command was opened without it") -> StorageError:
    return StorageError(
        f"the personal-data key is not readable here (no systemd credential {CREDENTIAL}, "
        f"{where}), and no new key was made: run the command as root, which can read the "
        "kiosk's credential, or point kiosk.pii_key_file at the kiosk's key",
        code="pii_key_unreadable",
    )


def load_key(path: Path, *, create: bool = True) -> bytes:
    """Return the personal-data key: the systemd credential, else ``path`` (made if missing
    and ``create``).

    Raises StorageError ``pii_key_permissions`` when the file could be read by others,
    ``pii_key_invalid`` when it does not hold a key and ``pii_key_unreadable`` when there
    is none to read and none may be made; each message says the fix.
    """
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials and (Path(credentials) / CREDENTIAL).is_file():
        return _decode(Path(credentials) / CREDENTIAL)
    if not path.exists():
        if not create:
            raise _unreadable(f"no file {path}")
        _create(path)
    info = path.stat()
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise StorageError(
            f"{path} can be read by other users: run `chmod 600 {path}`",
            code="pii_key_permissions",
        )
    if info.st_uid != os.getuid():
        raise StorageError(
            f"{path} belongs to another user: `chown` it to the kiosk user",
            code="pii_key_permissions",
        )
    return _decode(path)


def _create(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = base64.b64encode(secrets.token_bytes(KEY_BYTES))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key + b"\n")
        handle.flush()
        os.fsync(handle.fileno())


def _decode(path: Path) -> bytes:
    try:
        key = base64.b64decode(path.read_bytes().strip(), validate=True)
    except PermissionError as err:
        raise _unreadable(f"{path} cannot be read by this user") from err
    except ValueError as err:
        raise StorageError(f"{path} does not hold a key", code="pii_key_invalid") from err
    if len(key) != KEY_BYTES:
        raise StorageError(
            f"{path} does not hold a {KEY_BYTES}-byte key (base64)", code="pii_key_invalid"
        )
    return key
