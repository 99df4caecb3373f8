"""``kiosk logs bundle``: a support archive with personal data and secrets taken out.

The archive (tar.gz) holds the kiosk's logs (journal of its units, log files in its data
folder), its config with secret values blanked, the diagnostics, the outbox's status and
the versions. Every text goes through ``redact`` first, which removes:

- the exact personal values the kiosk still holds (sealed in unfinished transactions) and
  the exact secrets it knows (its keys and token files);
- anything shaped like personal data: card numbers (digit runs that pass the Luhn check),
  health card numbers, driver's licence numbers, Canadian postal codes, e-mail addresses,
  telephone numbers.
"""

from __future__ import annotations

import io
import re
import tarfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
HEALTH_CARD = re.compile(r"\b\d{10}[A-Z]{2}\b|\b[A-Z]{4}\d{8}\b")
LICENCE = re.compile(r"\b[A-Z]\d{4}[- ]?\d{5}[- ]?\d{5}\b|\b[A-Z]\d{12,14}\b")
POSTAL_CODE = re.compile(
    r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ -]?\d[ABCEGHJ-NPRSTV-Z]\d\b", re.IGNORECASE
)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?<!\d)(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}(?!\d)")
SECRET_KEYS = re.compile(r"(?im)^(\s*[\w.-]*(?:token|password|secret|pin|key)\s*=\s*).+$")


def luhn_ok(digits: str) -> bool:
    """Tell whether a digit string passes the Luhn check (as card numbers do)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def redact(text: str, known: Iterable[str] = ()) -> str:
    """Return ``text`` without the ``known`` values and anything shaped like personal data."""
    for value in sorted({v for v in known if len(v) >= 4}, key=len, reverse=True):
        text = re.sub(re.escape(value), "[redacted]", text, flags=re.IGNORECASE)

    def card(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group())
        return "[card number]" if luhn_ok(digits) else match.group()

    text = CARD.sub(card, text)
    text = HEALTH_CARD.sub("[health card]", text)
    text = LICENCE.sub("[licence]", text)
    text = POSTAL_CODE.sub("[postal code]", text)
    text = EMAIL.sub("[e-mail]", text)
    return PHONE.sub("[telephone]", text)


def redact_config(text: str) -> str:
    """Blank the values of keys that name a secret (tokens, passwords, keys, PINs)."""
    return SECRET_KEYS.sub(lambda m: m.group(1) + '"[redacted]"', text)


def write_bundle(out: Path, files: Mapping[str, str], known: Iterable[str]) -> Path:
    """Write ``files`` (archive name → text), each redacted, into the tar.gz at ``out``."""
    secrets = list(known)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out, "w:gz") as archive:
        for name, text in files.items():
            body = redact(text, secrets).encode()
            info = tarfile.TarInfo(f"kiosk-support/{name}")
            info.size = len(body)
            info.mtime = int(time.time())
            info.mode = 0o600
            archive.addfile(info, io.BytesIO(body))
    out.chmod(0o600)
    return out
