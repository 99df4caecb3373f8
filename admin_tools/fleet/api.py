"""The fleet monitor's HTTP API: kiosks post samples, ops staff read availability.

``POST /api/v1/samples`` takes a kiosk's batch with its token (``Authorization: Bearer``);
``GET /api/v1/whoami?kiosk_id=`` tells a kiosk (``kiosk diagnose``) that its id and token
are accepted, with the same check;
``GET /api/v1/availability`` answers ops users (HTTP Basic, for scripts); ``/metrics``
speaks Prometheus' text format. Refusals say
what is wrong in one sentence and store nothing.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from admin_tools.fleet.availability import availability_report
from admin_tools.fleet.dashboard import dashboard_routes
from admin_tools.fleet.metrics import render as render_metrics
from admin_tools.fleet.store import FleetStore, Sample
from admin_tools.fleet.unavailable import answer_503_while_database_unavailable
from transactions.causes import CAUSES

MAX_BATCH = 5000
KIOSK_ID_CHARS = 100
TOKEN_CHARS = 200
"""Longer than any token ``kiosk-fleet kiosks add`` makes (43 characters): refused unhashed."""


class ServiceCounts(BaseModel):
    """A service's completed transactions and money at one kiosk over a month."""

    transactions: int = Field(ge=0)
    fees_cents: int = Field(ge=0)
    amount_cents: int = Field(default=0, ge=0)


class SurveyCounts(BaseModel):
    """A service's satisfaction answers at one kiosk over a month."""

    answers: int = Field(ge=0)
    ratings: dict[str, int] = Field(default_factory=dict)
    agreed: dict[str, int] = Field(default_factory=dict)


class MonthCounters(BaseModel):
    """One kiosk's counters for a month, as of its sample (they only grow)."""

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    services: dict[str, ServiceCounts] = Field(default_factory=dict)
    survey: dict[str, SurveyCounts] = Field(default_factory=dict)


REASON_CHARS = 200
WARNING_CHARS = 64
NAME_CHARS = 64
"""The longest service, device or warning name, and device health, a sample may carry."""
MAX_ENTRIES = 32
"""The most services, devices or warnings in one sample (a kiosk has six services and four
devices): counted before any entry is read."""
Name = Annotated[str, Field(max_length=NAME_CHARS)]


class Unavailable(BaseModel):
    """A service that cannot be sold, and why (``transactions.causes.CAUSES``)."""

    model_config = ConfigDict(extra="ignore")

    available: Literal[False]
    cause: str


def service_line(name: str, value: Any) -> Any:
    """Return a service's line as sent, ``{"available": true…}`` as ``True``; raise
    ValueError naming the service when it is neither a boolean nor a known cause."""
    if isinstance(value, bool):
        return value
    if not isinstance(value, dict) or not isinstance(value.get("available"), bool):
        raise ValueError(f'{name} must be true, false or {{"available": false, "cause": …}}')
    if value["available"]:
        return True
    cause = value.get("cause")
    if cause not in CAUSES:
        raise ValueError(f"{name}.cause is {cause!r}; use one of: {', '.join(CAUSES)}")
    return value


class SampleIn(BaseModel):
    """One status sample as a kiosk sends it.

    A service is ``true``, ``{"available": false, "cause": …}``, or a bare ``false`` from
    a kiosk too old to say why: that one is stored as sent and counted as the operator's
    (``timeline.condition`` gives it the cause "unspecified").
    """

    model_config = ConfigDict(extra="ignore")

    at: datetime = Field(description="RFC 3339, UTC (a zone is required)")
    state: Literal["up", "degraded", "down", "maintenance"]
    services: dict[Name, bool | Unavailable] = Field(default_factory=dict, max_length=MAX_ENTRIES)
    reason: str | None = Field(default=None, max_length=REASON_CHARS)
    devices: dict[Name, Name] = Field(default_factory=dict, max_length=MAX_ENTRIES)
    warnings: dict[Name, Annotated[str, Field(max_length=WARNING_CHARS)]] = Field(
        default_factory=dict, max_length=16
    )
    outbox_depth: int = Field(default=0, ge=0)
    version: str = Field(default="", max_length=64)
    counters: list[MonthCounters] = Field(default_factory=list, max_length=2)

    @field_validator("services", mode="before")
    @classmethod
    def _causes_known(cls, value: Any) -> Any:
        if not isinstance(value, dict) or len(value) > MAX_ENTRIES:
            return value  # pydantic says what is wrong with it, before any entry is read
        return {name: service_line(str(name)[:NAME_CHARS], line) for name, line in value.items()}

    @field_validator("at")
    @classmethod
    def _zoned(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("the time needs its zone, e.g. 2026-12-01T14:03:00Z")
        return value.astimezone(UTC)

    def services_as_sent(self) -> dict[str, Any]:
        """Return each service as the kiosk said it (``True``, ``False`` or why not)."""
        return {
            name: value if isinstance(value, bool) else value.model_dump()
            for name, value in self.services.items()
        }


class SamplesIn(BaseModel):
    """A batch of one kiosk's samples."""

    kiosk_id: str = Field(min_length=1, max_length=KIOSK_ID_CHARS)
    samples: list[SampleIn] = Field(max_length=MAX_BATCH)


def rfc3339(seconds: float | None) -> str | None:
    """Return a time in seconds as RFC 3339 UTC (milliseconds when there are some)."""
    if seconds is None:
        return None
    moment = datetime.fromtimestamp(seconds, UTC)
    text = moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def parse_time(text: str, name: str) -> float:
    """Return an RFC 3339 query parameter in seconds, or refuse it with a clear message."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(
            422, f"{name} must be an RFC 3339 time, e.g. 2026-11-01T00:00:00Z"
        ) from None
    if moment.tzinfo is None:
        raise HTTPException(422, f"{name} needs its zone, e.g. 2026-11-01T00:00:00Z")
    return moment.timestamp()


def basic_user(request: Request, store: FleetStore) -> tuple[str, str] | None:
    """Return (name, role) from an HTTP Basic header with the right password, else None."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        raw = base64.b64decode(header[6:], validate=True)
    except binascii.Error:
        return None
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # clients that do not send UTF-8 (RFC 7617 allows both)
    name, _, password = text.partition(":")
    role = store.user_role(name, password)
    return (name, role) if role else None


def check_kiosk_token(request: Request, store: FleetStore, kiosk_id: str) -> None:
    """Refuse (401) a request that does not carry ``kiosk_id``'s token as a Bearer token.

    An unknown kiosk and a wrong token get the same answer. The store compares hashes, never
    the token itself; an overlong token is refused before it is hashed.
    """
    challenge = {"WWW-Authenticate": 'Bearer realm="fleet"'}
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(
            401, "send the kiosk's token: Authorization: Bearer <token>", headers=challenge
        )
    if len(token) > TOKEN_CHARS or not store.kiosk_token_ok(kiosk_id, token):
        raise HTTPException(401, f"unknown kiosk {kiosk_id} or wrong token", headers=challenge)


def create_app(store: FleetStore, now: Callable[[], float] | None = None) -> FastAPI:
    """Return the fleet monitor's app over ``store`` (``now``: the clock, for tests)."""
    clock = now or (lambda: datetime.now(UTC).timestamp())
    app = FastAPI(title="Kiosk fleet monitor", version="1")
    app.state.store = store
    app.state.now = clock
    answer_503_while_database_unavailable(app)  # every monitor, served or under test
    from admin_tools.fleet.notification_api import notification_routes  # it imports this

    app.include_router(notification_routes(store))  # who was told of each incident

    @app.exception_handler(RequestValidationError)
    async def _malformed(_request: Request, err: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "where": ".".join(str(part) for part in e.get("loc", ()) if part != "body"),
                "problem": str(e.get("msg", "malformed")).removeprefix("Value error, "),
            }
            for e in err.errors()
        ]
        first = errors[0] if errors else {"where": "", "problem": "malformed body"}
        message = f"{first['where']}: {first['problem']}" if first["where"] else first["problem"]
        return JSONResponse({"detail": message, "errors": errors}, status_code=422)

    def ops_user(request: Request) -> str:
        found = basic_user(request, store)
        if found is None:
            raise HTTPException(
                401, "log in as an ops user", headers={"WWW-Authenticate": 'Basic realm="fleet"'}
            )
        if found[1] != "ops":
            raise HTTPException(403, "this needs an ops user")
        return found[0]

    @app.post("/api/v1/samples", status_code=202)
    def post_samples(batch: SamplesIn, request: Request) -> dict[str, int]:
        check_kiosk_token(request, store, batch.kiosk_id)
        accepted = store.add_samples(
            batch.kiosk_id,
            [
                Sample(
                    s.at.timestamp(),
                    s.state,
                    s.services_as_sent(),
                    s.devices,
                    s.outbox_depth,
                    s.version,
                    [c.model_dump() for c in s.counters],
                    reason=s.reason or "",
                    warnings=s.warnings,
                )
                for s in batch.samples
            ],
        )
        return {"accepted": accepted}

    @app.get("/api/v1/whoami")
    def whoami(
        kiosk_id: Annotated[str, Query(min_length=1, max_length=KIOSK_ID_CHARS)],
        request: Request,
    ) -> dict[str, str]:
        """Tell a kiosk that its id and token are accepted (``kiosk diagnose``); store nothing."""
        check_kiosk_token(request, store, kiosk_id)
        sites = dict(store.kiosks())
        return {"kiosk_id": kiosk_id, "site": sites.get(kiosk_id, "")}

    @app.get("/api/v1/availability")
    def availability(
        start: Annotated[str, Query(description="RFC 3339")],
        end: Annotated[str, Query(description="RFC 3339")],
        _user: str = Depends(ops_user),  # a closure: Annotated could not name it
    ) -> dict[str, Any]:
        begin, finish = parse_time(start, "start"), parse_time(end, "end")
        if finish <= begin:
            raise HTTPException(422, "end must come after start")
        moment = app.state.now()
        report = availability_report(
            store.histories(until=moment),
            begin,
            finish,
            moment,
            store.grace,
            sites=dict(store.kiosks()),
        )
        incidents = [
            {
                **i,
                "detected_at": rfc3339(i["detected_at"]),
                "resolved_at": rfc3339(i["resolved_at"]),
            }
            for i in report["incidents"]
        ]
        return {**report, "incidents": incidents}

    app.include_router(dashboard_routes(store, clock))

    @app.get("/metrics", response_class=PlainTextResponse)
    def metrics() -> str:
        """The fleet for Prometheus (text format 0.0.4); no personal data, no login."""
        return render_metrics(store, app.state.now())

    return app
