"""Receipts as values: the domain decides what a receipt says, printers decide how.

A receipt is a tuple of blocks in the citizen's language. Renderers (ESC/POS, PNG,
plain text) turn it into output; nothing here knows about printers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Heading:
    """A title line, printed large and centred."""

    text: str


@dataclass(frozen=True)
class Text:
    """A paragraph of plain text."""

    text: str


@dataclass(frozen=True)
class Row:
    """A label on the left and a value on the right (amounts, references)."""

    label: str
    value: str
    emphasis: bool = False


@dataclass(frozen=True)
class Divider:
    """A horizontal rule."""


@dataclass(frozen=True)
class QrCode:
    """A QR code carrying ``data`` (the reference number)."""

    data: str


Block = Heading | Text | Row | Divider | QrCode


@dataclass(frozen=True)
class Receipt:
    """A receipt document: what the citizen takes home."""

    language: str
    reference: str
    blocks: tuple[Block, ...]

    def plain_text(self) -> str:
        """Return the receipt as plain text, one block a line (for previews and tests)."""
        lines: list[str] = []
        for block in self.blocks:
            match block:
                case Heading(text) | Text(text):
                    lines.append(text)
                case Row(label, value, _):
                    lines.append(f"{label}: {value}")
                case Divider():
                    lines.append("-" * 32)
                case QrCode(data):
                    lines.append(f"[QR {data}]")
        return "\n".join(lines)


class ReceiptTexts(Protocol):
    """Words, amounts and dates in the citizen's language, supplied by the application."""

    def text(self, key: str, **values: str) -> str:
        """Return the translated text for ``key`` with ``values`` filled in."""
        ...

    def money(self, cents: int) -> str:
        """Return an amount formatted for the language (e.g. ``125,00 $`` or ``$125.00``)."""
        ...

    def timestamp(self, iso: str) -> str:
        """Return a date and time formatted for the language."""
        ...

    def date(self, iso_date: str) -> str:
        """Return a date (YYYY-MM-DD) formatted for the language (e.g. ``9 mars 2029``)."""
        ...
