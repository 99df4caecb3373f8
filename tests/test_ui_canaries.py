"""Canaries through the real kiosk: after a change of address, where do the citizen's data go?

A street and a city nobody else uses go through the touchscreen, the journal and the
sandbox; afterwards neither the database file, its WAL nor the kiosk's log holds them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kiosk_runs import walkthrough

pytestmark = pytest.mark.ui

CANARY_STREET = "rue Canari-Éloïse"
CANARY_CITY = "Saint-Canari"


def test_after_a_change_of_address_no_name_is_left_in_the_database_wal_or_log(
    tmp_path: Path,
) -> None:
    data = tmp_path / "kiosk"
    answers = {
        "language": "fr",
        "programmes": {"health-card": "1234567890AB", "drivers-licence": "C60234567890123"},
        "address": {
            "street_number": "12",
            "unit": "app. 3",
            "street_name": CANARY_STREET,
            "city": CANARY_CITY,
            "province": "qc",
            "postal_code": "h2x 3k8",
        },
    }

    code, report, log = walkthrough(
        tmp_path, answers, "--data-dir", str(data), service="address-change"
    )

    assert code == 0, log[-2000:]
    assert report["completed"]
    assert [p["status"] for p in report["programmes"]] == ["done", "done"]
    files = [data / "kiosk.db", data / "kiosk.db-wal"]
    stored = b"".join(path.read_bytes() for path in files if path.exists())
    assert stored  # the journal was written here
    for canary in (CANARY_STREET, CANARY_CITY, "Canari", "1234567890AB", "C60234567890123"):
        assert canary.encode() not in stored, canary
        assert canary not in log, canary
