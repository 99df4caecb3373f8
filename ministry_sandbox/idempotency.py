"""The `Idempotency-Key` header every write carries, as a FastAPI dependency."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request

from ministry_sandbox.errors import IDEMPOTENCY_HEADER, backend_error_docs
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


def write_error_docs(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """Document the error responses of a write: its own, plus those of idempotency."""
    codes_422 = [descriptions.get(422, ""), "`idempotency_key_reused`", "`invalid_request`"]
    return backend_error_docs(
        {
            **descriptions,
            400: "`idempotency_key_missing`",
            422: ", ".join(code for code in codes_422 if code),
        }
    )
