"""What the scripted citizen answers, read from JSON and checked before the kiosk starts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from device_drivers.sim.payment_terminal import SimulatedCard
from transactions.errors import ValidationError
from transactions.fines.service import MAX_NOTICES

SERVICES = ("fine",)


@dataclass(frozen=True)
class FineAnswers:
    """A citizen paying fines: the language, the notice numbers, the card."""

    language: str
    notice_numbers: tuple[str, ...]
    card: SimulatedCard


def load_answers(service: str, path: Path | None) -> FineAnswers:
    """Return the answers in ``path``, or the built-in sample citizen's for ``service``."""
    if service not in SERVICES:
        raise ValidationError(f"unknown service {service!r}; use one of: {', '.join(SERVICES)}")
    if path is None:
        raw = json.loads((resources.files("kiosk_app") / "samples" / f"{service}.json").read_text())
    else:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ValidationError(f"{path}: cannot read JSON answers ({err})") from err
    return parse_fine_answers(raw)


def parse_fine_answers(raw: Any) -> FineAnswers:
    """Return fine answers from decoded JSON, or raise ValidationError naming the field."""
    if not isinstance(raw, dict):
        raise ValidationError("answers must be a JSON object")
    language = raw.get("language", "fr")
    if language not in ("fr", "en"):
        raise ValidationError('"language" must be "fr" or "en"')
    numbers = raw.get("notice_numbers")
    if (
        not isinstance(numbers, list)
        or not numbers
        or len(numbers) > MAX_NOTICES
        or not all(isinstance(n, str) and n.strip() for n in numbers)
    ):
        raise ValidationError(
            f'"notice_numbers" must list 1 to {MAX_NOTICES} notice numbers as strings'
        )
    card = raw.get("card", {})
    if not isinstance(card, dict):
        raise ValidationError('"card" must be an object: {"brand", "last4", "outcome"}')
    try:
        simulated = SimulatedCard(
            brand=str(card.get("brand", "visa")),
            last4=str(card.get("last4", "4242")),
            outcome=str(card.get("outcome", "approve")),
        )
    except ValueError as err:
        raise ValidationError(f'"card": {err}') from err
    return FineAnswers(language=language, notice_numbers=tuple(numbers), card=simulated)
