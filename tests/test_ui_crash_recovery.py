"""The kiosk is killed between the card's approval and the posting; a restart finishes it."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from kiosk_runs import KIOSK, kiosk_env, walkthrough

from ministry_sandbox.testing import SandboxClient

pytestmark = pytest.mark.ui
POSTING_LATENCY_MS = 4000


def journal_rows(db: Path, query: str) -> list[tuple[object, ...]]:
    """Read the kiosk's journal the way a technician would, without writing to it."""
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
        try:
            return list(connection.execute(query))
        except sqlite3.OperationalError:  # not migrated yet
            return []


def wait_for(condition: object, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_kiosk_killed_between_payment_and_posting_finishes_on_restart_charging_once(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    data_dir = tmp_path / "kiosk-state"
    db = data_dir / "kiosk.db"
    first = sandbox.add_notice(jurisdiction="ontario", amount_due_cents=9900)
    second = sandbox.add_notice(jurisdiction="ottawa", amount_due_cents=2000)
    answers = tmp_path / "first.json"
    answers.write_text(json.dumps({"language": "fr", "notice_numbers": [first["notice_number"]]}))

    # The ministry is slow to answer the posting, so the kiosk is caught waiting for it.
    sandbox.set_faults(latency_ms=POSTING_LATENCY_MS, paths=["/fines/v1/payments"])
    kiosk = subprocess.Popen(
        [
            KIOSK,
            "walkthrough",
            "fine",
            "--json",
            "--backend",
            sandbox.url,
            "--data-dir",
            str(data_dir),
            "--answers",
            str(answers),
        ],
        env=kiosk_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(
            lambda: journal_rows(
                db, "select 1 from saga_steps where step = 'post' and phase = 'intent'"
            ),
            "the kiosk to journal its posting intent",
        )
    finally:
        os.killpg(kiosk.pid, signal.SIGKILL)  # power cut: no clean-up of any kind
        kiosk.wait(timeout=30)
    killed_at = time.monotonic()
    sandbox.clear_faults()

    [(transaction_id, state)] = journal_rows(db, "select transaction_id, state from transactions")
    assert state == "payment_authorized"
    ops = [
        e["operation"] for e in sandbox.ledger() if e["idempotency_key"].startswith(transaction_id)
    ]
    assert ops == ["authorize"]  # the card is held, nothing posted yet

    # Restart: the kiosk finishes the interrupted transaction first, then serves the next citizen.
    code, report, stderr = walkthrough(
        tmp_path,
        {"language": "en", "notice_numbers": [second["notice_number"]]},
        "--backend",
        sandbox.url,
        "--data-dir",
        str(data_dir),
    )
    assert code == 0, stderr
    assert report["resumed_transactions"] == 1
    assert journal_rows(
        db, f"select state from transactions where transaction_id = '{transaction_id}'"
    ) == [("done",)]

    # The request the killed kiosk left sleeping in the ministry wakes up and is a replay.
    time.sleep(max(0.0, POSTING_LATENCY_MS / 1000 + 1.0 - (time.monotonic() - killed_at)))
    ledger = sandbox.ledger()
    mine = [
        (e["program"], e["operation"], e["amount_cents"])
        for e in ledger
        if e["idempotency_key"].startswith(transaction_id)
    ]
    assert mine == [
        ("payments", "authorize", 10000),
        ("fines", "pay", 9900),
        ("payments", "capture", 10000),
    ]
    for notice in (first, second):
        paid = [
            e
            for e in ledger
            if e["operation"] == "pay" and e["amount_cents"] == notice["amount_due_cents"]
        ]
        assert len(paid) == 1
        assert (
            sandbox.get(f"/fines/v1/notices/{notice['notice_number']}").json()["status"] == "paid"
        )
