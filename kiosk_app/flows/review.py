"""What the citizen confirms before paying or sending: what was found, and the price."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from transactions.fees import Quote


class Shown(enum.Enum):
    """How a line's value is written in the citizen's language."""

    TEXT = "text"
    DATE = "date"
    MONEY = "money"
    KEY = "key"
    """The value is a catalog key."""


@dataclass(frozen=True)
class Line:
    """One labelled line: ``label`` is a catalog key."""

    label: str
    value: str
    shown: Shown = Shown.TEXT
    params: tuple[tuple[str, str], ...] = ()
    """Values filled into a ``KEY`` value's text."""


@dataclass(frozen=True)
class Option:
    """A choice on the review screen (a renewal term), with its price."""

    value: str
    label: str
    """Catalog key; ``{years}`` is filled with ``value``."""
    quote: Quote


@dataclass(frozen=True)
class Review:
    """The review screen's content for one service."""

    title: str
    lines: tuple[Line, ...]
    note: str | None = None
    """Catalog key of a sentence under the lines (what the receipt will be good for)."""
    options: tuple[Option, ...] = ()
    quote: Quote | None = None
    """The price when there are no options; None for a free service."""

    def quote_for(self, option: str | None) -> Quote | None:
        """Return the price of ``option`` (or the only price)."""
        for choice in self.options:
            if choice.value == option:
                return choice.quote
        return self.quote

    @property
    def paid(self) -> bool:
        """Return True when the citizen pays at the end."""
        return self.quote is not None or bool(self.options)
