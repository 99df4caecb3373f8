"""The outbox's durable enqueue latency and backlog drain rate, beside persist-queue.

    python bench/outbox.py [--items 10000] [--json]

Both queues hold the same changes of address for the health ministry, on the same disk, at
the same durability (SQLite in WAL mode, ``synchronous=FULL``: a queued item survives a
power cut), and both are drained by the same HTTP client (``HttpHealthGateway``) against
a local sandbox in its own process (a fresh one for each queue, warmed up first).

- **kiosk outbox**: an enqueue is the journal's commit that puts a transaction in its
  queued state with its outbox row (``SqliteJournal.record_outcome``, personal data sealed
  with AES-GCM); the drain is ``kiosk agent``'s loop (``OutboxAgent.drain_once``): claim a
  batch, then for each call, a few at once about different citizens: record the intent,
  call, record the outcome and purge the personal data; checkpoint the WAL per batch.
- **persist-queue**: ``SQLiteAckQueue.put`` of the same request, in clear; the drain is
  get, call, ack, one at a time (its consumer is a single loop).

Goals: enqueue p99 ≤ 5 ms; 10,000 items drained in ≤ 60 s; at least as fast as
persist-queue. Prints the figures (``--json`` for machines); exit code 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE.parent))

from kiosk_app.agent import build_agent  # noqa: E402
from kiosk_app.bootstrap import Backends, Kiosk, build_kiosk, build_steps  # noqa: E402
from kiosk_app.config import KioskConfig  # noqa: E402
from kiosk_app.i18n import Translator  # noqa: E402
from ministry_sandbox.testing import SandboxClient  # noqa: E402
from offline_store import outbox_items  # noqa: E402
from offline_store.database import KioskDatabase  # noqa: E402
from transactions.address_change import (  # noqa: E402
    HEALTH_CARD,
    choose_programme,
    submit_address_change,
)
from transactions.addresses import normalize_address  # noqa: E402
from transactions.clock import SystemClock  # noqa: E402
from transactions.ministries.health_client import HttpHealthGateway  # noqa: E402
from transactions.ministries.http import Timeouts  # noqa: E402
from transactions.records import TransactionRecord  # noqa: E402
from transactions.saga.runner import RetryPolicy, SagaRunner  # noqa: E402
from transactions.saga.states import SagaState  # noqa: E402

CARDS = 50
"""Health cards the changes are spread over (the outbox keeps order per card)."""
ENQUEUE_P99_MS = 5.0
DRAIN_SECONDS = 60.0


def percentile(values: list[float], share: float) -> float:
    """Return the ``share`` percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def latency(values: list[float]) -> dict[str, float]:
    """Return p50/p99/max of ``values`` (seconds) in milliseconds."""
    return {
        "p50_ms": round(statistics.median(values) * 1000, 3),
        "p99_ms": round(percentile(values, 0.99) * 1000, 3),
        "max_ms": round(max(values) * 1000, 3),
    }


class Sandbox:
    """The ministry sandbox in its own process, so it does not share this one's GIL."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self._process = subprocess.Popen(
            [str(BIN / "ministry-sandbox"), "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.client = SandboxClient(self.url)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.client.ledger()
                return
            except Exception:  # not listening yet
                time.sleep(0.1)
        raise RuntimeError("the sandbox did not start")

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=30)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def templates(
    kiosk: Kiosk, config: KioskConfig, sandbox: SandboxClient
) -> list[tuple[TransactionRecord, str, str]]:
    """Queue one change per card the real way (the ministry away); return each queued
    record with the step and outcome of the commit that queued it. Their own outbox rows
    are dropped: only the copies made from them are measured."""
    cards = [str(sandbox.add_health_card()["health_card_number"]) for _ in range(CARDS)]
    address = normalize_address(
        street_number="1200",
        street_name="rue Sainte-Catherine Est",
        unit="app. 4b",
        city="Montréal",
        province="qc",
        postal_code="h2l 2n5",
    )
    # The kiosk's own saga, without its retries while a citizen waits: queued at once.
    runner = SagaRunner(
        journal=kiosk.journal,
        terminal=kiosk.terminal,
        printer=kiosk.printer,
        steps=build_steps(config, Backends.at(sandbox.url, Timeouts())).__getitem__,
        clock=SystemClock(),
        retry=RetryPolicy(delays=()),
    )
    sandbox.set_faults(outage=True, paths=["/health/v1"])
    try:
        for card in cards:
            submit_address_change(
                runner,
                address,
                [choose_programme(HEALTH_CARD, card)],
                language="fr",
                texts=Translator("fr"),
                clock=SystemClock(),
            )
    finally:
        sandbox.clear_faults()
    found = []
    with kiosk.database.reading() as db:
        for record in kiosk.journal.unfinished():
            step, outcome = db.execute(
                "select step, outcome from saga_steps where transaction_id = ?"
                " and phase = 'outcome' and step != 'open' order by id desc limit 1",
                [record.transaction_id],
            ).fetchone()
            found.append((record, str(step), str(outcome)))
        db.execute("delete from outbox")
    assert len(found) == CARDS, "every template change was queued"
    return found


def bench_kiosk_outbox(work: Path, sandbox: Sandbox, items: int) -> dict[str, Any]:
    config = replace(KioskConfig(), data_dir=work / "kiosk", backend_url=sandbox.url)
    kiosk = build_kiosk(config)
    shapes = templates(kiosk, config, sandbox.client)
    journal = kiosk.journal
    enqueue: list[float] = []
    for number in range(items):
        template, step, outcome = shapes[number % len(shapes)]
        queued = replace(template, transaction_id=str(uuid.uuid4()))
        journal.open_transaction(replace(queued, state=SagaState.SUBMITTING))
        started = time.perf_counter()
        journal.record_outcome(queued, step, outcome)  # the durable enqueue
        enqueue.append(time.perf_counter() - started)
        journal.release(queued, None)  # as after the failed call: backoff, claim let go
    with kiosk.database.transaction() as db:  # `kiosk outbox retry`: all due now
        outbox_items.retry_now(db, datetime.now(UTC), None)
    kiosk.close()

    database = KioskDatabase(config.database_path)
    agent = build_agent(config, sandbox.url, database)
    before = len(sandbox.client.ledger())
    started = time.perf_counter()
    drained = 0
    while True:
        done = agent.drain_once()
        drained += len(done)
        if not done:
            break
    seconds = time.perf_counter() - started
    with database.reading() as db:
        left = db.execute("select count(*) from outbox where status = 'waiting'").fetchone()[0]
    database.close()
    delivered = len(sandbox.client.ledger()) - before
    return {
        "enqueue": latency(enqueue),
        "drain_seconds": round(seconds, 2),
        "drain_per_second": round(drained / seconds, 1),
        "drained": drained,
        "delivered": delivered,
        "left_waiting": left,
    }


def bench_persist_queue(work: Path, sandbox: Sandbox, items: int) -> dict[str, Any]:
    from persistqueue import SQLiteAckQueue
    from persistqueue.exceptions import Empty

    queue = SQLiteAckQueue(str(work / "persist-queue"), auto_commit=True)
    putter: Any = queue._putter
    putter.execute("PRAGMA synchronous=FULL")  # the same durability as the kiosk's
    cards = [str(sandbox.client.add_health_card()["health_card_number"]) for _ in range(CARDS)]
    address = {
        "street_number": "1200",
        "street_name": "rue Sainte-Catherine Est",
        "unit": "app. 4b",
        "city": "Montréal",
        "province": "QC",
        "postal_code": "H2L 2N5",
    }
    enqueue: list[float] = []
    for number in range(items):
        item = {"card": cards[number % CARDS], "address": address, "key": str(uuid.uuid4())}
        started = time.perf_counter()
        queue.put(item)
        enqueue.append(time.perf_counter() - started)
    gateway = HttpHealthGateway(sandbox.url)
    normalized = normalize_address(**{k: v.lower() for k, v in address.items()})
    before = len(sandbox.client.ledger())
    started = time.perf_counter()
    drained = 0
    while True:
        try:
            item = queue.get(block=False)
        except Empty:
            break
        gateway.change_card_address(item["card"], normalized, "bench-kiosk", item["key"])
        queue.ack(item)
        drained += 1
    seconds = time.perf_counter() - started
    queue.close()
    return {
        "enqueue": latency(enqueue),
        "drain_seconds": round(seconds, 2),
        "drain_per_second": round(drained / seconds, 1),
        "drained": drained,
        "delivered": len(sandbox.client.ledger()) - before,
    }


def warm_up(sandbox: Sandbox, calls: int = 300) -> None:
    """Send the sandbox some changes first, so neither queue meets it cold."""
    card = str(sandbox.client.add_health_card()["health_card_number"])
    gateway = HttpHealthGateway(sandbox.url)
    address = normalize_address(
        street_number="1", street_name="rue Principale", unit="", city="Gatineau",
        province="qc", postal_code="j8y 1a1",
    )  # fmt: skip
    for _ in range(calls):
        gateway.change_card_address(card, address, "bench-warm-up", str(uuid.uuid4()))


def run(items: int) -> dict[str, Any]:
    results = {}
    with tempfile.TemporaryDirectory(prefix="kiosk-outbox-bench-") as scratch:
        for name, bench in (
            ("kiosk_outbox", bench_kiosk_outbox),
            ("persist_queue", bench_persist_queue),
        ):
            sandbox = Sandbox(free_port())  # a fresh one each: neither meets a fuller ledger
            try:
                warm_up(sandbox)
                results[name] = bench(Path(scratch), sandbox, items)
            finally:
                sandbox.stop()
    ours, theirs = results["kiosk_outbox"], results["persist_queue"]
    goals = {
        "enqueue_p99_le_5ms": ours["enqueue"]["p99_ms"] <= ENQUEUE_P99_MS,
        "drain_le_60s": ours["drain_seconds"] <= DRAIN_SECONDS,
        "drain_at_least_persist_queue": ours["drain_per_second"] >= theirs["drain_per_second"],
        "all_delivered": ours["delivered"] == items and ours["left_waiting"] == 0,
    }
    return {"items": items, "kiosk_outbox": ours, "persist_queue": theirs, "goals": goals}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.items)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name in ("kiosk_outbox", "persist_queue"):
            figures = result[name]
            print(
                f"{name:13} enqueue p50 {figures['enqueue']['p50_ms']} ms,"
                f" p99 {figures['enqueue']['p99_ms']} ms;"
                f" {figures['drained']} drained in {figures['drain_seconds']} s"
                f" ({figures['drain_per_second']}/s)"
            )
        for goal, met in result["goals"].items():
            print(f"{goal}: {'met' if met else 'MISSED'}")
    return 0 if all(result["goals"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
