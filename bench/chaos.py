"""Crash harness: kill the kiosk and its agent at random, then prove nothing was lost or doubled.

    python bench/chaos.py --transactions 1000 --kills 200 --json

N citizens of every service are served by a kiosk process (``bench/chaos_kiosk.py``, the
real composition root and saga) while ``kiosk agent`` drains the outbox; both talk to the
sandbox through a fault proxy that drops a share of the answers to writes after the backend
processed them. At random moments one of the two is killed with SIGKILL and started again.
At the end the sandbox's ledger and gateway are checked against the kiosk's journal: every
approved payment has exactly one posting and one capture, or exactly one void; every change
of address is delivered exactly once; nothing stays authorized; ``PRAGMA integrity_check``.
The JSON has ``transactions``, ``kills``, ``lost``, ``duplicated``, ``unexpected`` (all
three must be 0) and ``integrity_ok``, with the details behind them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CANARY_STREET = "rue du Canari-Zoë"


class AnswerDropper:
    """A TCP proxy that loses some answers to POSTs after the backend has processed them."""

    def __init__(self, upstream: tuple[str, int], drop: float, rng: random.Random) -> None:
        self.drop = drop
        self.dropped = 0
        self._upstream = upstream
        self._rng = rng
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._upstream)
            last = {"post": False}
            threading.Thread(
                target=self._requests, args=(client, upstream, last), daemon=True
            ).start()
            threading.Thread(
                target=self._answers, args=(upstream, client, last), daemon=True
            ).start()

    def _requests(
        self, client: socket.socket, upstream: socket.socket, last: dict[str, bool]
    ) -> None:
        try:
            while chunk := client.recv(65536):
                if chunk[:5] in (b"POST ", b"GET /", b"PUT /", b"DELET"):
                    last["post"] = chunk.startswith(b"POST ")
                upstream.sendall(chunk)
        except OSError:
            pass
        _close(client, upstream)

    def _answers(
        self, upstream: socket.socket, client: socket.socket, last: dict[str, bool]
    ) -> None:
        try:
            while chunk := upstream.recv(65536):
                if chunk.startswith(b"HTTP/") and last["post"]:
                    with self._lock:
                        lose = self._rng.random() < self.drop
                    if lose:  # processed upstream; the kiosk never hears the answer
                        self.dropped += 1
                        break
                client.sendall(chunk)
        except OSError:
            pass
        _close(client, upstream)

    def close(self) -> None:
        self._stopping = True
        self._server.close()


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


def make_plan(sandbox: Any, count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Return ``count`` citizens, every service in turn, each with fresh records to act on."""
    from transactions.services import SERVICES

    plan = []
    for index in range(count):
        service = SERVICES[index % len(SERVICES)]
        card = {
            "brand": "visa",
            "last4": rng.choice(["4242", "4444", "0005"]),
            "outcome": "approve",
        }
        if rng.random() < 0.1:
            card = {"brand": "mastercard", "last4": "0002", "outcome": "approve"}  # declined
        answers: dict[str, Any]
        if service == "fine":
            notice = sandbox.add_notice(amount_due_cents=rng.randrange(2000, 40000, 25))
            answers = {"language": "fr", "notice_numbers": [notice["notice_number"]], "card": card}
        elif service == "registration-renewal":
            vehicle = sandbox.add_vehicle()
            answers = {
                "language": "en",
                "plate": vehicle["plate"].lower(),
                "licence_number": vehicle["owner_licence_number"],
                "years": 1,
                "card": card,
            }
        elif service == "address-change":
            health = sandbox.add_health_card()["health_card_number"]
            outdoor = sandbox.add_outdoor_card()["card_number"]
            answers = {
                "language": "fr",
                "programmes": {"health-card": health, "outdoor-card": outdoor},
                "address": {
                    "street_number": str(10 + index),
                    "unit": "app. 3",
                    "street_name": CANARY_STREET,
                    "city": "Trois-Rivières",
                    "province": "qc",
                    "postal_code": "g9a 5h7",
                },
            }
        elif service == "driver-record":
            licence = sandbox.add_licence()
            answers = {
                "language": "fr",
                "licence_number": licence["licence_number"],
                "date_of_birth": licence["date_of_birth"],
                "card": card,
            }
        elif service == "personalized-plate":
            licence = sandbox.add_licence()
            text = "KSK " + "".join(rng.choice("ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(3))
            answers = {
                "language": "en",
                "plate_text": text,
                "licence_number": licence["licence_number"],
                "card": card,
            }
        else:
            outdoor = sandbox.add_outdoor_card(expiry="2027-01-31")["card_number"]
            answers = {"language": "fr", "card_number": outdoor, "card": card}
        plan.append({"service": service, "answers": answers})
    return plan


class Process:
    """One of the kiosk's processes, started again after each kill."""

    def __init__(self, name: str, command: list[str], log: Path) -> None:
        self.name = name
        self.command = command
        self.log = log
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self, stdout: Any = None) -> None:
        err = self.log.open("ab")
        self.popen = subprocess.Popen(self.command, stdout=stdout or err, stderr=err)

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait()

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


def state_of_latest(db_path: Path) -> str:
    """Return the state of the transaction most recently touched (read-only, never blocks)."""
    try:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1)
        row = con.execute(
            "select state from transactions order by updated_at desc limit 1"
        ).fetchone()
        con.close()
    except sqlite3.Error:
        return "unknown"
    return str(row[0]) if row else "none"


def run_chaos(
    transactions: int, kills: int, seed: int = 1, drop: float = 0.05, workdir: Path | None = None
) -> dict[str, Any]:
    """Serve ``transactions`` citizens with ``kills`` SIGKILLs; return the checked outcome."""
    from ministry_sandbox.server import RunningSandbox
    from ministry_sandbox.testing import SandboxClient

    rng = random.Random(seed)
    started = time.monotonic()
    scratch = tempfile.TemporaryDirectory(prefix="kiosk-chaos-") if workdir is None else None
    work = workdir or Path(scratch.name)  # type: ignore[union-attr]
    running = RunningSandbox.start()
    sandbox = SandboxClient(running.url)
    host, port = running.url.removeprefix("http://").split(":")
    proxy = AnswerDropper((host, int(port)), drop, rng)
    sandbox.set_faults(latency_ms=15)
    plan = make_plan(sandbox, transactions, rng)
    (work / "plan.json").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    data = work / "data"
    config = work / "kiosk.toml"
    config.write_text(
        f'[kiosk]\nid = "chaos-kiosk"\ndata_dir = "{data}"\n'
        f'[backend]\nurl = "http://127.0.0.1:{proxy.port}"\nread_timeout = 5\n'
        "[agent]\npoll_seconds = 0.2\n",
        encoding="utf-8",
    )
    told_path = work / "told.jsonl"
    kiosk = Process(
        "kiosk",
        [
            sys.executable,
            str(HERE / "chaos_kiosk.py"),
            str(config),
            str(work / "plan.json"),
            str(work / "progress.txt"),
        ],
        work / "kiosk.log",
    )
    agent = Process(
        "agent", [str(BIN / "kiosk"), "agent", "--config", str(config)], work / "agent.log"
    )
    env_told = told_path.open("ab")
    kiosk.start(stdout=env_told)
    time.sleep(1.0)  # let the first start create the file before the agent opens it
    agent.start()
    killed: Counter[str] = Counter()
    at_state: Counter[str] = Counter()
    deadline = time.monotonic() + 60 + transactions * 3
    while time.monotonic() < deadline:
        time.sleep(rng.uniform(0.2, 0.9))
        if not kiosk.running():
            if _finished(told_path):
                break
            kiosk.start(stdout=env_told)  # it died of itself: start it again
            continue
        if sum(killed.values()) < kills:
            victim = kiosk if rng.random() < 0.75 else agent
            at_state[state_of_latest(data / "kiosk.db")] += 1
            victim.kill()
            killed[victim.name] += 1
            victim.start(stdout=env_told if victim is kiosk else None)
    # Everything back to normal: let the agent and one more kiosk start finish the rest.
    proxy.drop = 0.0
    sandbox.clear_faults()
    kiosk.kill()
    if not agent.running():
        agent.start()
    subprocess.run(
        [str(BIN / "kiosk"), "outbox", "retry", "--config", str(config)],
        capture_output=True,
        check=False,
    )
    settle_deadline = time.monotonic() + 120
    while time.monotonic() < settle_deadline and _waiting(data / "kiosk.db") > 0:
        time.sleep(0.5)
    final = Process("kiosk", kiosk.command, work / "kiosk.log")
    final.start(stdout=env_told)
    final.popen.wait(timeout=120)  # type: ignore[union-attr]
    settle_deadline = time.monotonic() + 60
    while time.monotonic() < settle_deadline and _waiting(data / "kiosk.db") > 0:
        time.sleep(0.5)
    agent.popen.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
    agent.popen.wait(timeout=30)  # type: ignore[union-attr]
    env_told.close()
    result = check(sandbox, data / "kiosk.db", told_path)
    result.update(
        transactions=transactions,
        kills=sum(killed.values()),
        kills_by_process=dict(killed),
        kills_by_state=dict(at_state),
        answers_dropped=proxy.dropped,
        agent_stopped_cleanly=agent.popen.returncode == 0,  # type: ignore[union-attr]
        canary_hits=canary_hits(data, work),
        seconds=round(time.monotonic() - started, 1),
    )
    proxy.close()
    running.stop()
    if scratch is not None:
        scratch.cleanup()
    return result


def _finished(told_path: Path) -> bool:
    return any('"finished": true' in line for line in told_path.read_text("utf-8").splitlines())


def _waiting(db_path: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        count = con.execute("select count(*) from outbox where status = 'waiting'").fetchone()[0]
        con.close()
    except sqlite3.Error:
        return 1
    return int(count)


def check(sandbox: Any, db_path: Path, told_path: Path) -> dict[str, Any]:
    """Compare the sandbox's ledger and gateway with the journal and what citizens were told."""
    con = sqlite3.connect(db_path)
    integrity = con.execute("pragma integrity_check").fetchone()[0]
    rows = con.execute(
        "select transaction_id, reference, service, state, kiosk_fee_cents, items_json"
        " from transactions"
    ).fetchall()
    con.close()
    ledger = sandbox.ledger()
    by_txn: dict[str, list[dict[str, Any]]] = {}
    for entry in ledger:
        by_txn.setdefault(entry["idempotency_key"].split(":")[0], []).append(entry)
    told = [json.loads(line) for line in told_path.read_text("utf-8").splitlines() if line]
    told_by_ref = {t["reference"]: t for t in told if "reference" in t}
    problems: dict[str, list[str]] = {"lost": [], "duplicated": [], "unexpected": []}
    states: Counter[str] = Counter()
    for txn, reference, service, state, fee, items in rows:
        states[state] += 1
        entries = by_txn.get(txn, [])
        postings = [e for e in entries if e["program"] != "payments"]
        captures = [e for e in entries if e["operation"] == "capture"]
        voids = [e for e in entries if e["operation"] == "void"]
        paid = fee > 0 or any(amount for _, amount in json.loads(items))
        said = told_by_ref.get(reference, {}).get("status")
        if len(postings) > 1 or len(captures) > 1 or len(voids) > 1:
            problems["duplicated"].append(f"{reference} {service}: {len(postings)} postings")
        if not paid:
            if said in ("done", "queued") and not postings:
                problems["lost"].append(f"{reference} {service}: accepted, never delivered")
            continue
        response = sandbox.get("/payments/v1/authorizations", merchant_reference=txn)
        auths = response.json()["authorizations"]
        held = [a for a in auths if a["state"] == "approved"]
        if held:
            problems["lost"].append(f"{reference} {service}: still authorized, never settled")
        if captures and (len(postings) != 1 or voids):
            problems["unexpected"].append(f"{reference} {service}: captured without one posting")
        if voids and postings:
            problems["unexpected"].append(f"{reference} {service}: posted but money given back")
        if postings and not captures and not held:
            problems["lost"].append(f"{reference} {service}: posted, payment never taken")
        if said in ("done", "post_queued", "capture_queued") and not (postings and captures):
            problems["lost"].append(f"{reference} {service}: told paid, not delivered ({state})")
    return {
        "lost": len(problems["lost"]),
        "duplicated": len(problems["duplicated"]),
        "unexpected": len(problems["unexpected"]),
        "integrity_ok": integrity == "ok",
        "problems": {k: v[:20] for k, v in problems.items() if v},
        "journal_states": dict(states),
        "citizens_told": dict(Counter(t.get("status", "finished") for t in told)),
    }


def canary_hits(data: Path, work: Path) -> dict[str, int]:
    """Count the canary street and card-number-like runs left in the files and logs."""
    hits: dict[str, int] = {}
    for path in [*data.glob("kiosk.db*"), work / "kiosk.log", work / "agent.log"]:
        if path.exists():
            raw = path.read_bytes()
            hits[path.name] = raw.count(CANARY_STREET.encode()) + raw.count(b"Canari")
    return hits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--transactions", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--drop", type=float, default=0.05, help="share of write answers lost")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep the run's files in this folder")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    result = run_chaos(args.transactions, args.kills, args.seed, args.drop, args.keep)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        for key in (
            "transactions",
            "kills",
            "lost",
            "duplicated",
            "unexpected",
            "integrity_ok",
            "answers_dropped",
            "seconds",
        ):
            print(f"{key}: {result[key]}")
    bad = result["lost"] or result["duplicated"] or result["unexpected"]
    return 1 if bad or not result["integrity_ok"] else 0


if __name__ == "__main__":
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    sys.exit(main())
