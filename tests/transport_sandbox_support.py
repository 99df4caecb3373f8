"""What the sandbox's transport tests share: paths, seeded licences, request bodies."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from ministry_sandbox.testing import SandboxClient

REGISTRATIONS = "/transport/v1/registrations"
LICENCES = "/transport/v1/licences"
DRIVER_RECORDS = "/transport/v1/driver-records"
PLATES = "/transport/v1/personalized-plates"
PLATE_ORDERS = f"{PLATES}/orders"
ELOISE = "C60234567890123"
ZOE = "O12345678901234"
JEAN_FRANCOIS = "B55501234567890"


def new_key(step: str = "transport") -> str:
    return f"{uuid.uuid4()}:{step}"


def paid(fee_cents: int, **fields: Any) -> dict[str, Any]:
    return {
        "fee_cents": fee_cents,
        "authorization_id": "A-TRANSPORT1",
        "kiosk_id": "kiosk-sudbury-é2",
        **fields,
    }


def renewal(licence: str = ELOISE, years: int = 1, fee_cents: int | None = None) -> dict[str, Any]:
    fee = fee_cents if fee_cents is not None else {1: 5_900, 2: 11_800}[years]
    return paid(fee, licence_number=licence, years=years)


def plate_order(text: str, licence: str = ELOISE, fee_cents: int = 32_600) -> dict[str, Any]:
    return paid(fee_cents, text=text, licence_number=licence)


def address_change(**fields: Any) -> dict[str, Any]:
    address = {
        "street_number": "1234",
        "street_name": "rue Sainte-Catherine Ouest",
        "unit": "apt 5B",
        "city": "Ottawa",
        "province": "ON",
        "postal_code": "K1A 0B1",
        **fields,
    }
    return {"address": address, "kiosk_id": "kiosk-sudbury-é2"}


def assert_refused(
    response: requests.Response, status: int, code: str, french: str, english: str
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == code
    assert french in body["message_fr"]
    assert english in body["message_en"]
    return body


def quote(sandbox: SandboxClient, plate: str, licence: str = ELOISE) -> requests.Response:
    return sandbox.get(f"{REGISTRATIONS}/{plate}", licence_number=licence)


_counter = iter(range(10_000, 99_999))


def fresh_plate_text() -> str:
    # "KZ" and digits: digits only fold to O I E A S T, which spell no refused word after KZ.
    return f"KZ{next(_counter)}"
