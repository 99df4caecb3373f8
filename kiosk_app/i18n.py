"""French and English from gettext catalogs; money and dates formatted per language.

Message ids are stable keys (``attract.title``); both languages have a catalog in
``kiosk_app/locale/<lang>/LC_MESSAGES/kiosk.po``, so no UI text lives in Python or ``.kv``.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from functools import cache
from importlib import resources

from babel.dates import format_date, format_time, get_timezone
from babel.messages.pofile import read_po
from babel.numbers import format_currency

logger = logging.getLogger(__name__)

LANGUAGES = ("fr", "en")
LOCALES = {"fr": "fr_CA", "en": "en_CA"}
TIMEZONE = "America/Toronto"


@cache
def catalog(language: str) -> dict[str, str]:
    """Return the message id → text mapping of ``language``'s catalog."""
    po = resources.files("kiosk_app") / "locale" / language / "LC_MESSAGES" / "kiosk.po"
    with po.open("rb") as handle:
        messages = read_po(handle, locale=LOCALES[language])
    return {str(m.id): str(m.string) for m in messages if m.id and isinstance(m.id, str)}


class Translator:
    """Words, amounts and dates in one language (also the receipts' ``ReceiptTexts``)."""

    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}")
        self.language = language
        self._locale = LOCALES[language]
        self._messages = catalog(language)

    def text(self, key: str, **values: str) -> str:
        """Return the text for ``key`` with ``values`` filled in (the key itself if missing)."""
        template = self._messages.get(key)
        if not template:
            logger.warning("missing %s translation for %s", self.language, key)
            return key
        return template.format(**values) if values else template

    def money(self, cents: int) -> str:
        """Return ``cents`` as Canadian dollars, e.g. ``125,00 $`` or ``$125.00``."""
        return str(format_currency(cents / 100, "CAD", locale=self._locale, currency_digits=True))

    def timestamp(self, iso: str) -> str:
        """Return an ISO time as a local date and time, e.g. ``22 nov. 2026 14 h 03``."""
        moment = datetime.fromisoformat(iso).astimezone(get_timezone(TIMEZONE))
        day = format_date(moment, "medium", locale=self._locale)
        return f"{day} {format_time(moment, 'short', locale=self._locale)}"

    def date(self, iso_date: str) -> str:
        """Return an ISO date (YYYY-MM-DD) in the language's long form."""
        return str(format_date(date.fromisoformat(iso_date), "long", locale=self._locale))
