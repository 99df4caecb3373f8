"""A form's fields: one question per screen, typed on a keyboard or chosen with buttons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kiosk_app.flows.keyboard import Keyboard


@dataclass(frozen=True)
class Field:
    """One question of a form.

    A typed field has a ``keyboard``; a choice field has ``options`` (one tap answers it), or
    ``multiple`` options the citizen ticks. Texts come from the catalogs by name:
    ``form.<name>.title``, ``form.<name>.hint`` and ``form.<name>.<option>``.
    """

    name: str
    keyboard: Keyboard | None = None
    max_length: int = 20
    optional: bool = False
    options: tuple[str, ...] = ()
    multiple: bool = False
    check: Callable[[str], object] | None = None
    """Checks the answer on the spot (no network); raises ValidationError with its code."""

    @property
    def typed(self) -> bool:
        """Return True for a field typed on a keyboard."""
        return self.keyboard is not None


def option_key(field: Field, option: str) -> str:
    """Return the catalog key of ``option``'s label."""
    return f"form.{field.name}.{option.lower().replace('-', '_')}"


def ticked(answer: str | None) -> tuple[str, ...]:
    """Return the options of a ``multiple`` field's answer (stored comma-separated)."""
    return tuple(part for part in (answer or "").split(",") if part)
