"""Bilingual error bodies of the backend contract: `{"error", "message_fr", "message_en"}`."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ministry_sandbox.models import ErrorBody

IDEMPOTENCY_HEADER = "Idempotency-Key"

# French names of authorization states, for messages.
_STATE_FR = {
    "approved": "approuvée",
    "declined": "refusée",
    "captured": "encaissée",
    "voided": "annulée",
}


class SandboxError(Exception):
    """Answer a request with a contract error: an HTTP status, a stable code, two messages."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message_fr: str,
        message_en: str,
        *,
        details: dict[str, int] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message_en}")
        self.status_code = status_code
        self.code = code
        self.message_fr = message_fr
        self.message_en = message_en
        # Extra fields some errors carry, e.g. `unpaid_fines_cents`; each is an ErrorBody field.
        self.details = details or {}

    def body(self) -> dict[str, Any]:
        """Return the JSON body of this error."""
        body = {"error": self.code, "message_fr": self.message_fr, "message_en": self.message_en}
        return ErrorBody.model_validate({**body, **self.details}).model_dump(exclude_none=True)

    def response(self) -> JSONResponse:
        """Return this error as an HTTP response."""
        return JSONResponse(status_code=self.status_code, content=self.body())


def cad_fr(cents: int) -> str:
    """Format cents as Canadian dollars the French way: `1 234,50 $`."""
    return f"{cents // 100:,}".replace(",", " ") + f",{cents % 100:02d} $"


def cad_en(cents: int) -> str:
    """Format cents as Canadian dollars the English way: `$1,234.50`."""
    return f"${cents // 100:,}.{cents % 100:02d}"


def invalid_request(details: str) -> SandboxError:
    """Build the error for a malformed request."""
    return SandboxError(
        422,
        "invalid_request",
        f"La requête est invalide (en cause : {details}).",
        f"The request is invalid (at fault: {details}).",
    )


def idempotency_key_missing() -> SandboxError:
    """Build the error for a write without an Idempotency-Key header."""
    return SandboxError(
        400,
        "idempotency_key_missing",
        "L'en-tête Idempotency-Key est obligatoire pour toute écriture.",
        "The Idempotency-Key header is required on every write.",
    )


def idempotency_key_reused() -> SandboxError:
    """Build the error for a key already used with a different body."""
    return SandboxError(
        422,
        "idempotency_key_reused",
        "Cette clé d'idempotence a déjà servi pour une requête différente.",
        "This idempotency key was already used for a different request.",
    )


def notice_not_found(notice_number: str) -> SandboxError:
    """Build the error for an unknown notice number."""
    return SandboxError(
        404,
        "notice_not_found",
        f"Aucun avis d'infraction ne porte le numéro {notice_number}.",
        f"No offence notice has the number {notice_number}.",
    )


def notice_already_paid(notice_number: str) -> SandboxError:
    """Build the error for a notice that is already paid."""
    return SandboxError(
        409,
        "notice_already_paid",
        f"L'avis {notice_number} est déjà payé.",
        f"Notice {notice_number} is already paid.",
    )


def fine_amount_mismatch(notice_number: str, given: int, due: int) -> SandboxError:
    """Build the error for a payment amount that differs from the amount due."""
    return SandboxError(
        422,
        "amount_mismatch",
        f"Le montant versé pour l'avis {notice_number} ({cad_fr(given)}) "
        f"ne correspond pas au montant dû ({cad_fr(due)}).",
        f"The amount paid for notice {notice_number} ({cad_en(given)}) "
        f"does not match the amount due ({cad_en(due)}).",
    )


def capture_amount_mismatch(authorization_id: str, given: int, authorized: int) -> SandboxError:
    """Build the error for a capture larger than the authorized amount."""
    return SandboxError(
        422,
        "amount_mismatch",
        f"Le montant à encaisser ({cad_fr(given)}) dépasse le montant autorisé "
        f"({cad_fr(authorized)}) pour l'autorisation {authorization_id}.",
        f"The amount to capture ({cad_en(given)}) exceeds the amount authorized "
        f"({cad_en(authorized)}) for authorization {authorization_id}.",
    )


def authorization_not_found(authorization_id: str) -> SandboxError:
    """Build the error for an unknown authorization id."""
    return SandboxError(
        404,
        "authorization_not_found",
        f"Aucune autorisation ne porte l'identifiant {authorization_id}.",
        f"No authorization has the id {authorization_id}.",
    )


def authorization_not_capturable(authorization_id: str, state: str) -> SandboxError:
    """Build the error for capturing a declined, voided or already captured authorization."""
    return SandboxError(
        409,
        "authorization_not_capturable",
        f"L'autorisation {authorization_id} ne peut pas être encaissée : "
        f"elle est {_STATE_FR[state]}.",
        f"Authorization {authorization_id} cannot be captured: it is {state}.",
    )


def authorization_not_voidable(authorization_id: str, state: str) -> SandboxError:
    """Build the error for voiding a captured or declined authorization."""
    return SandboxError(
        409,
        "authorization_not_voidable",
        f"L'autorisation {authorization_id} ne peut pas être annulée : "
        f"elle est {_STATE_FR[state]}.",
        f"Authorization {authorization_id} cannot be voided: it is {state}.",
    )


def backend_unavailable() -> SandboxError:
    """Build the error for an outage or an injected write failure."""
    return SandboxError(
        503,
        "backend_unavailable",
        "Le service est temporairement indisponible. Réessayez plus tard.",
        "The service is temporarily unavailable. Try again later.",
    )


def error_docs(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """Document error responses for OpenAPI (status → its codes); 422 invalid_request always."""
    merged = {422: "`invalid_request`", **descriptions}
    return {
        status: {"model": ErrorBody, "description": text} for status, text in sorted(merged.items())
    }


def backend_error_docs(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """Document the error responses of a backend endpoint, which faults can make 503."""
    unavailable = "`backend_unavailable`: nothing was done; retry later (writes: same key)"
    return error_docs({**descriptions, 503: unavailable})


def _http_error(status_code: int) -> SandboxError:
    if status_code == 404:
        return SandboxError(
            404,
            "not_found",
            "Cette adresse n'existe pas dans le service.",
            "The service has no such endpoint.",
        )
    if status_code == 405:
        return SandboxError(
            405,
            "method_not_allowed",
            "Cette méthode n'est pas permise à cette adresse.",
            "This method is not allowed on this endpoint.",
        )
    return SandboxError(
        status_code,
        "http_error",
        f"La requête a échoué (HTTP {status_code}).",
        f"The request failed (HTTP {status_code}).",
    )


def _describe_validation_errors(errors: list[dict[str, Any]]) -> str:
    fields = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        fields.append(".".join(loc[1:] if loc[:1] == ["body"] and len(loc) > 1 else loc))
    return ", ".join(dict.fromkeys(fields))


def _is_missing_idempotency_key(error: dict[str, Any]) -> bool:
    loc = tuple(str(part).lower() for part in error.get("loc", ()))
    missing = error.get("type") in ("missing", "string_too_short")
    return missing and loc == ("header", IDEMPOTENCY_HEADER.lower())


async def handle_sandbox_error(_request: Request, exc: Exception) -> JSONResponse:
    """Answer a SandboxError with its contract body."""
    assert isinstance(exc, SandboxError)
    return exc.response()


async def handle_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """Answer FastAPI's validation errors in the contract's shape."""
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(_is_missing_idempotency_key(error) for error in errors):
        return idempotency_key_missing().response()
    return invalid_request(_describe_validation_errors(errors)).response()


async def handle_http_error(_request: Request, exc: Exception) -> JSONResponse:
    """Answer Starlette's HTTP errors (unknown path, wrong method) in the contract's shape."""
    assert isinstance(exc, StarletteHTTPException)
    response = _http_error(exc.status_code).response()
    response.headers.update(exc.headers or {})
    return response
