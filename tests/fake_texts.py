"""English receipt texts for the domain tests: what a receipt says, without the catalogs."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from program_fakes import PROGRAM_TEXTS


class FakeTexts:
    """English receipt texts; money as ``$1,234.50``. An unknown key raises KeyError."""

    TEXTS: ClassVar[dict[str, str]] = {
        "receipt.kiosk_name": "Government Services Kiosk",
        "receipt.fine.title": "Fine payment",
        "receipt.date": "Date",
        "receipt.reference": "Reference",
        "receipt.fine.jurisdiction.ontario": "Ontario provincial offence",
        "receipt.fine.jurisdiction.toronto": "City of Toronto parking ticket",
        "receipt.fine.jurisdiction.ottawa": "City of Ottawa parking ticket",
        "receipt.fine.notice": "Notice {number}",
        "receipt.ministry_amount": "Paid to the ministry",
        "receipt.ministry_fee": "Ministry fee",
        "receipt.kiosk_fee": "Kiosk fee",
        "receipt.total": "Total",
        "receipt.card": "Card",
        "card.brand.visa": "Visa",
        "card.brand.mastercard": "Mastercard",
        "card.brand.amex": "American Express",
        "card.brand.interac": "Interac",
        "receipt.authorization": "Authorization",
        "receipt.fine.confirmation": "Confirmation",
        "receipt.fine.paid": "PAID - the ministry has recorded your payment.",
        "receipt.fine.pending": "PENDING - your payment will be sent to the ministry shortly.",
        "receipt.keep": "Keep this receipt.",
        **PROGRAM_TEXTS,
    }

    def text(self, key: str, **values: str) -> str:
        """Return the English text for ``key``."""
        return self.TEXTS[key].format(**values)

    def money(self, cents: int) -> str:
        """Return ``$12.50``."""
        sign = "-" if cents < 0 else ""
        dollars, rest = divmod(abs(cents), 100)
        return f"{sign}${dollars:,}.{rest:02d}"

    def timestamp(self, iso: str) -> str:
        """Return ``2026-11-22 14:03``."""
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")

    def date(self, iso_date: str) -> str:
        """Return ``March 9, 2029``."""
        day = datetime.fromisoformat(iso_date)
        return f"{day:%B} {day.day}, {day.year}"
