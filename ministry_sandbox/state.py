"""In-memory state of one sandbox: records, ledger, idempotency records, under one lock."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, get_args

from fastapi.responses import JSONResponse

from ministry_sandbox.errors import SandboxError, idempotency_key_reused
from ministry_sandbox.models import (
    AuthorizationState,
    AuthorizationWithState,
    Card,
    DeclineReason,
    FixtureKind,
    Fixtures,
    LedgerEntry,
    Notice,
)
from ministry_sandbox.programs_state import ProgramRecords

logger = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
# What an operation answers when it succeeds: an HTTP status and a JSON body.
Outcome = tuple[int, dict[str, Any]]

_REFERENCE_ALPHABET = string.ascii_uppercase + string.digits
REPLAY_HEADER = "Idempotent-Replayed"


def utc_now() -> dt.datetime:
    """Return the current time in UTC."""
    return dt.datetime.now(dt.UTC)


def rfc3339(moment: dt.datetime) -> str:
    """Format a time as RFC 3339 UTC with a `Z`, to the second."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_body_hash(body: bytes) -> str:
    """Hash a request body so that equal JSON documents hash the same whatever their layout."""
    try:
        document = json.loads(body) if body.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return hashlib.sha256(b"raw:" + body).hexdigest()
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_seeded_fines() -> list[Notice]:
    """Read the synthetic fines shipped in `ministry_sandbox/data/fines.json`."""
    text = resources.files("ministry_sandbox").joinpath("data/fines.json").read_text("utf-8")
    return [Notice.model_validate(record) for record in json.loads(text)["fines"]]


@dataclass(frozen=True)
class IdempotentWrite:
    """A write request as idempotency sees it: its scope (path, key) and its body hash."""

    path: str
    key: str
    body_hash: str


@dataclass(frozen=True)
class _StoredResponse:
    body_hash: str
    status_code: int
    body: dict[str, Any]


@dataclass
class AuthorizationRecord:
    """An authorization held by the gateway and where it stands."""

    authorization_id: str
    amount_cents: int
    merchant_reference: str
    card: Card
    decline_reason: DeclineReason | None
    state: AuthorizationState
    captured_cents: int = 0

    def view(self) -> AuthorizationWithState:
        """Return the authorization as the contract shows it."""
        return AuthorizationWithState(
            authorization_id=self.authorization_id,
            status="declined" if self.decline_reason else "approved",
            decline_reason=self.decline_reason,
            amount_cents=self.amount_cents,
            merchant_reference=self.merchant_reference,
            card=self.card,
            state=self.state,
        )


@dataclass
class SandboxState:
    """Everything one sandbox holds; every write goes through `lock`."""

    clock: Clock = utc_now
    lock: threading.Lock = field(default_factory=threading.Lock)
    notices: dict[str, Notice] = field(default_factory=dict)
    authorizations: dict[str, AuthorizationRecord] = field(default_factory=dict)
    programs: ProgramRecords = field(default_factory=ProgramRecords)
    ledger: list[LedgerEntry] = field(default_factory=list)
    _responses: dict[tuple[str, str], _StoredResponse] = field(default_factory=dict)
    _references: set[str] = field(default_factory=set)

    def load_notices(self, notices: list[Notice]) -> int:
        """Add or replace notices by number; return how many were loaded."""
        with self.lock:
            for notice in notices:
                self.notices[notice.notice_number] = notice
        return len(notices)

    def load_fixtures(self, fixtures: Fixtures) -> dict[FixtureKind, int]:
        """Add or replace records of every kind; return how many of each kind it named."""
        with self.lock:
            for notice in fixtures.fines:
                self.notices[notice.notice_number] = notice
            self.programs.load(fixtures)
        kinds: tuple[FixtureKind, ...] = get_args(FixtureKind)
        return {
            kind: len(getattr(fixtures, kind))
            for kind in kinds
            if kind in fixtures.model_fields_set
        }

    def today(self) -> dt.date:
        """Return today's date in UTC, by the state's clock."""
        return self.clock().astimezone(dt.UTC).date()

    def new_reference(self, prefix: str, length: int) -> str:
        """Return a reference id never issued before, e.g. `F-3K7Q9ZB2`; call under the lock."""
        while True:
            reference = prefix + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(length))
            if reference not in self._references:
                self._references.add(reference)
                return reference

    def record(
        self, program: str, operation: str, key: str, reference: str, amount_cents: int
    ) -> LedgerEntry:
        """Append an operation to the ledger; call under the lock."""
        entry = LedgerEntry.model_validate(
            {
                "program": program,
                "operation": operation,
                "idempotency_key": key,
                "reference": reference,
                "amount_cents": amount_cents,
                "at": rfc3339(self.clock()),
            }
        )
        self.ledger.append(entry)
        logger.info("ledger: %s %s %s", program, operation, reference)
        return entry

    def ledger_snapshot(self) -> list[LedgerEntry]:
        """Return a copy of the ledger."""
        with self.lock:
            return list(self.ledger)

    def run_once(self, write: IdempotentWrite, operation: Callable[[], Outcome]) -> JSONResponse:
        """Carry out a write once per (path, key); answer replays with the first response.

        The operation runs under the lock, so concurrent requests with the same key give one
        operation. Contract errors (4xx) are stored and replayed like successes; anything
        else propagates and leaves no record, so a retry with the same key runs again.
        """
        scope = (write.path, write.key)
        with self.lock:
            stored = self._responses.get(scope)
            if stored is not None:
                if stored.body_hash != write.body_hash:
                    raise idempotency_key_reused()
                logger.debug("replaying %s for key %r", write.path, write.key)
                return JSONResponse(
                    status_code=stored.status_code,
                    content=stored.body,
                    headers={REPLAY_HEADER: "true"},
                )
            try:
                status_code, body = operation()
            except SandboxError as error:
                status_code, body = error.status_code, error.body()
            self._responses[scope] = _StoredResponse(write.body_hash, status_code, body)
        return JSONResponse(status_code=status_code, content=body)
