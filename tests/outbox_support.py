"""A kiosk and its agent on one SQLite file, against the sandbox over HTTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fakes import FakeClock

from kiosk_app.agent import OutboxAgent, build_agent
from kiosk_app.bootstrap import Kiosk, build_kiosk
from kiosk_app.config import KioskConfig
from kiosk_app.i18n import Translator
from ministry_sandbox.testing import SandboxClient
from offline_store.database import KioskDatabase
from transactions.address_change import (
    HEALTH_CARD,
    AddressChangeResult,
    choose_programme,
    submit_address_change,
)
from transactions.addresses import Address, normalize_address
from transactions.clock import SystemClock


def kiosk_config(data_dir: Path, url: str) -> KioskConfig:
    """Return a kiosk's config for ``data_dir`` talking to the backends at ``url``."""
    return replace(KioskConfig(), data_dir=data_dir, backend_url=url)


def kiosk_at(data_dir: Path, url: str) -> Kiosk:
    """Build the kiosk (no UI): what the touchscreen's sessions drive."""
    return build_kiosk(kiosk_config(data_dir, url))


def agent_at(data_dir: Path, url: str, clock: FakeClock) -> tuple[OutboxAgent, KioskDatabase]:
    """Build the agent over the same file, on a clock the test moves."""
    database = KioskDatabase(data_dir / "kiosk.db")
    return build_agent(kiosk_config(data_dir, url), url, database, clock=clock), database


def now_clock() -> FakeClock:
    """Return a fake clock starting at the real time (the UI's rows use the real clock)."""
    return FakeClock(datetime.now(UTC))


def address(street: str = "rue Sainte-Catherine Est", unit: str = "app. 4b") -> Address:
    """Return an awkward Québec address."""
    return normalize_address(
        street_number="1200",
        street_name=street,
        unit=unit,
        city="Montréal",
        province="qc",
        postal_code="h2l 2n5",
    )


def change_health_address(
    kiosk: Kiosk, card: str, street: str, unit: str = "app. 4b"
) -> AddressChangeResult:
    """Send one change of address for a health card, as a citizen at the screen would."""
    return submit_address_change(
        kiosk.runner,
        address(street, unit),
        [choose_programme(HEALTH_CARD, card)],
        language="fr",
        texts=Translator("fr"),
        clock=SystemClock(),
    )


def health_changes(sandbox: SandboxClient, kiosk: Kiosk | KioskDatabase) -> list[dict[str, Any]]:
    """Return the health ministry's recorded changes of address from this kiosk, in order."""
    database = kiosk.database if isinstance(kiosk, Kiosk) else kiosk
    with database.reading() as db:
        ours = {
            row["transaction_id"] for row in db.query("select transaction_id from transactions")
        }
    return [
        e
        for e in sandbox.ledger()
        if e["program"] == "health"
        and e["operation"] == "change_address"
        and e["idempotency_key"].split(":")[0] in ours
    ]


def queued_change(
    sandbox: SandboxClient, data_dir: Path, street: str
) -> tuple[Kiosk, str, AddressChangeResult]:
    """Build a kiosk and send a health card's change while the health ministry is away.

    Return the kiosk, the card number and the result (its one outcome is queued).
    """
    card = str(sandbox.add_health_card()["health_card_number"])
    kiosk = kiosk_at(data_dir, sandbox.url)
    sandbox.set_faults(outage=True, paths=["/health/v1"])
    try:
        result = change_health_address(kiosk, card, street)
    finally:
        sandbox.clear_faults()
    return kiosk, card, result
