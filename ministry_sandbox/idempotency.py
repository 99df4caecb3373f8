"""The `Idempotency-Key` header every write carries, as a FastAPI dependency."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request

from ministry_sandbox.errors import IDEMPOTENCY_HEADER
from ministry_sandbox.models import ErrorBody
from ministry_sandbox.state import IdempotentWrite, canonical_body_hash


async def idempotent_write(
    request: Request,
    idempotency_key: Annotated[
        str,
        Header(
            alias=IDEMPOTENCY_HEADER,
            min_length=1,
            max_length=200,
            pattern=r"^[\x20-\x7e]+$",
            description="1–200 printable ASCII characters; the kiosk sends "
            "`<transaction id>:<step>`. The same key and body give the first response again; "
            "the same key with another body is refused (422 idempotency_key_reused); "
            "no key is refused (400 idempotency_key_missing).",
            examples=["0b6f3c2e-txn:pay"],
        ),
    ],
) -> IdempotentWrite:
    """Describe a write for idempotency: its path, its key and the hash of its body."""
    body = await request.body()
    return IdempotentWrite(request.url.path, idempotency_key, canonical_body_hash(body))


IdempotentWriteDep = Annotated[IdempotentWrite, Depends(idempotent_write)]


def write_errors(*codes_422: str) -> dict[int | str, dict[str, Any]]:
    """Document the errors every write can answer, plus its own 422 codes."""
    codes = ", ".join(f"`{code}`" for code in (*codes_422, "idempotency_key_reused"))
    return {
        400: {"model": ErrorBody, "description": "`idempotency_key_missing`"},
        422: {"model": ErrorBody, "description": f"{codes} or `invalid_request`"},
        503: {
            "model": ErrorBody,
            "description": "`backend_unavailable`: nothing was done; retry with the same key",
        },
    }
