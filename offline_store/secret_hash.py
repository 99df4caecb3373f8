"""Secrets kept only as scrypt hashes: kiosk tokens and users on the fleet monitor, the
technician's PIN on the kiosk. ``scrypt$<salt hex>$<hash hex>``; checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    """Return the stored form of ``secret`` (a fresh random salt unless one is given)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_secret(secret: str, stored: str) -> bool:
    """Tell whether ``secret`` is the one ``stored`` was made from."""
    try:
        scheme, salt, _digest = stored.strip().split("$")
        if scheme != "scrypt":
            return False
        return hmac.compare_digest(hash_secret(secret, bytes.fromhex(salt)), stored.strip())
    except ValueError:
        return False
