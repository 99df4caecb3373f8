"""Records of the transport, health and natural-resources programmes, and their seeded data."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from ministry_sandbox.models import Fixtures
from ministry_sandbox.plate_rules import fold_refused_words
from ministry_sandbox.program_models import HealthCard, Licence, OutdoorCard, Vehicle

# The data files of the other programmes, each holding one fixture kind under its own key.
PROGRAM_DATA_FILES = ("vehicles", "licences", "health_cards", "outdoor_cards", "plates_taken")


def add_years(day: dt.date, years: int) -> dt.date:
    """Return the same month and day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _read_data_file(name: str) -> Any:
    text = resources.files("ministry_sandbox").joinpath(f"data/{name}.json").read_text("utf-8")
    return json.loads(text)


def load_seeded_program_records() -> Fixtures:
    """Read the synthetic vehicles, licences, cards and taken plates in `data/`."""
    document: dict[str, Any] = {}
    for name in PROGRAM_DATA_FILES:
        document[name] = _read_data_file(name)[name]
    return Fixtures.model_validate(document)


def load_refused_plate_words() -> tuple[str, ...]:
    """Read the ministry's refused plate words (`data/refused_plate_words.json`), folded."""
    words: list[str] = _read_data_file("refused_plate_words")["refused_plate_words"]
    return fold_refused_words(words)


@dataclass
class ProgramRecords:
    """What the transport, health and natural-resources backends hold; under the state's lock."""

    vehicles: dict[str, Vehicle] = field(default_factory=dict)
    licences: dict[str, Licence] = field(default_factory=dict)
    health_cards: dict[str, HealthCard] = field(default_factory=dict)
    outdoor_cards: dict[str, OutdoorCard] = field(default_factory=dict)
    plates_taken: set[str] = field(default_factory=set)
    # Personalized plates ordered at a kiosk: text → confirmation number.
    plates_ordered: dict[str, str] = field(default_factory=dict)
    # Folded with `plate_rules.fold_refused_words`.
    refused_plate_words: tuple[str, ...] = ()

    def load(self, fixtures: Fixtures) -> None:
        """Add or replace records by their identifiers; call under the lock."""
        for vehicle in fixtures.vehicles:
            self.vehicles[vehicle.plate] = vehicle
        for licence in fixtures.licences:
            self.licences[licence.licence_number] = licence
        for health_card in fixtures.health_cards:
            self.health_cards[health_card.health_card_number] = health_card
        for outdoor_card in fixtures.outdoor_cards:
            self.outdoor_cards[outdoor_card.card_number] = outdoor_card
        self.plates_taken.update(fixtures.plates_taken)

    def vehicle_with_renewal_notice(self, renewal_notice: str) -> Vehicle | None:
        """Return the vehicle a renewal notice was sent for, if any; call under the lock."""
        for vehicle in self.vehicles.values():
            if vehicle.renewal_notice == renewal_notice:
                return vehicle
        return None
