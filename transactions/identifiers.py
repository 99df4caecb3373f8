"""What every identifier the citizen types has in common: separators and case do not matter."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s-]+")


def compact_upper(raw: str, separators: re.Pattern[str] = _SEPARATORS) -> str | None:
    """Return ``raw`` without spaces and dashes, uppercased; None if it is not plain ASCII.

    ASCII is checked first: ``"ß".upper()`` is ``"SS"`` and ``"ı".upper()`` is ``"I"``, which
    would otherwise turn a wrong character into a valid-looking one.
    """
    compact = separators.sub("", raw)
    return compact.upper() if compact.isascii() else None
