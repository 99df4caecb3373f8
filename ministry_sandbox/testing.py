"""Helpers for tests that drive a sandbox over HTTP: a small client and record builders."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import requests

from ministry_sandbox.errors import IDEMPOTENCY_HEADER
from ministry_sandbox.server import RunningSandbox

JURISDICTION_CODES = {"ontario": "10", "toronto": "21", "ottawa": "22"}


def luhn_check_digit(digits: str) -> str:
    """Return the Luhn (mod 10) check digit for a string of digits."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def make_notice_number(jurisdiction: str, serial: int) -> str:
    """Build a valid 12-digit notice number: jurisdiction code, 9-digit serial, check digit."""
    body = JURISDICTION_CODES[jurisdiction] + f"{serial:09d}"
    return body + luhn_check_digit(body)


def utc_today() -> dt.date:
    """Return today's date in UTC, the sandbox's "today"."""
    return dt.datetime.now(dt.UTC).date()


class SandboxClient:
    """Talk to a running sandbox over HTTP, controls included; every call has a timeout."""

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self.session = requests.Session()
        # Serials for notices this client adds; far from the seeded ones.
        self._serials = itertools.count(900_000_001)
        # Numbers for the vehicles, licences and cards this client adds.
        self._record_numbers = itertools.count(1)

    def get(self, path: str, **params: str) -> requests.Response:
        """Send a GET to a path of the sandbox."""
        return self.session.get(self.url + path, params=params, timeout=self.timeout_s)

    def post(self, path: str, body: Any, key: str | None = None) -> requests.Response:
        """Send a JSON POST, with an Idempotency-Key header when `key` is given."""
        headers = {IDEMPOTENCY_HEADER: key} if key is not None else {}
        return self.session.post(
            self.url + path, json=body, headers=headers, timeout=self.timeout_s
        )

    def ledger(self) -> list[dict[str, Any]]:
        """Return the sandbox's ledger entries."""
        response = self.get("/_sandbox/ledger")
        response.raise_for_status()
        entries: list[dict[str, Any]] = response.json()["entries"]
        return entries

    def ledger_for(self, key: str) -> list[dict[str, Any]]:
        """Return the ledger entries carried out under one idempotency key."""
        return [entry for entry in self.ledger() if entry["idempotency_key"] == key]

    def load_fines(self, *notices: dict[str, Any]) -> None:
        """Add or replace notices in the sandbox."""
        response = self.post("/_sandbox/fixtures", {"fines": list(notices)})
        response.raise_for_status()

    def add_notice(self, **fields: Any) -> dict[str, Any]:
        """Add an unpaid Toronto notice with a fresh valid number; `fields` override any field."""
        jurisdiction = fields.get("jurisdiction", "toronto")
        notice = {
            "notice_number": make_notice_number(jurisdiction, next(self._serials)),
            "jurisdiction": jurisdiction,
            "offence_fr": "stationnement en double file, près d'un hôpital",
            "offence_en": "double parking near a hospital",
            "amount_due_cents": 4_275,
            "due_date": "2027-01-31",
            "status": "unpaid",
            "defendant_name": "zoë d'arcy-lê",
            **fields,
        }
        self.load_fines(notice)
        return notice

    def load_fixtures(self, **kinds: list[Any]) -> dict[str, int]:
        """Add or replace records of any kind (`vehicles=[...]`, …); return the counts loaded."""
        response = self.post("/_sandbox/fixtures", kinds)
        response.raise_for_status()
        loaded: dict[str, int] = response.json()["loaded"]
        return loaded

    def add_vehicle(self, **fields: Any) -> dict[str, Any]:
        """Add an insured vehicle with a fresh plate, renewable by the seeded licence C6023…."""
        vehicle = {
            "plate": f"V{next(self._record_numbers):07d}",
            "year": 2020,
            "make": "Hyundai",
            "model": "Kona électrique",
            "owner_licence_number": "C60234567890123",
            "owner_name": "Éloïse Côté-Tremblay",
            "current_expiry": "2090-07-14",
            "renewal_notice": None,
            "unpaid_fines_cents": 0,
            "insured": True,
            **fields,
        }
        self.load_fixtures(vehicles=[vehicle])
        return vehicle

    def add_licence(self, **fields: Any) -> dict[str, Any]:
        """Add a valid licence with a fresh number and a clean record."""
        licence = {
            "licence_number": f"T{next(self._record_numbers):014d}",
            "holder_name": "Anaïs Ouellette-Lê",
            "date_of_birth": "1975-06-21",
            "status": "valid",
            "licence_class": "G",
            "expiry": "2090-06-21",
            "demerit_points": 0,
            "convictions": [],
            "address": None,
            **fields,
        }
        self.load_fixtures(licences=[licence])
        return licence

    def add_health_card(self, **fields: Any) -> dict[str, Any]:
        """Add a valid health card with a fresh number."""
        card = {
            "health_card_number": f"{next(self._record_numbers):010d}TS",
            "holder_name": "Noémie Gagné",
            "expiry": "2090-01-31",
            "address": None,
            **fields,
        }
        self.load_fixtures(health_cards=[card])
        return card

    def add_outdoor_card(self, **fields: Any) -> dict[str, Any]:
        """Add an Outdoors Card with a fresh number, expiring far in the future."""
        card = {
            "card_number": f"708158{900_000_000 + next(self._record_numbers):09d}",
            "holder_name": "Réjean Thériault",
            "expiry": "2090-12-31",
            "address": None,
            **fields,
        }
        self.load_fixtures(outdoor_cards=[card])
        return card

    def set_faults(self, **settings: Any) -> dict[str, Any]:
        """Put faults in force; return them as the sandbox reports them."""
        response = self.post("/_sandbox/faults", settings)
        response.raise_for_status()
        faults: dict[str, Any] = response.json()
        return faults

    def clear_faults(self) -> None:
        """Remove every fault."""
        self.session.delete(self.url + "/_sandbox/faults", timeout=self.timeout_s)

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()


@contextlib.contextmanager
def serve_sandbox(*, seed: bool = True) -> Iterator[SandboxClient]:
    """Serve a new sandbox on a free port and yield a client for it; stop both afterwards."""
    with RunningSandbox.start(seed=seed) as running:
        client = SandboxClient(running.url)
        try:
            yield client
        finally:
            client.close()
