"""Which message the citizen gets for each error code, in the catalogs' keys.

A code in KNOWN_ERRORS has its own sentence (``error.<code>``); a code of a backend out of
reach says "try later"; INTERNAL_ERRORS are bugs or broken backends: the generic message
for the citizen, the log for technicians.
"""

from __future__ import annotations

from transactions.errors import KioskError

# Error codes the citizen gets a specific message for; any other code says "try later".
KNOWN_ERRORS = frozenset(
    {
        "notice_number_empty",
        "notice_number_digits",
        "notice_number_length",
        "notice_number_unknown_code",
        "notice_number_check_digit",
        "notice_not_found",
        "notice_already_paid",
        "notice_already_added",
        "too_many_notices",
        "card_declined",
        "insufficient_funds",
        "payment_failed",
        "backend_unavailable",
        "licence_number_format",
        "plate_format",
        "renewal_notice_format",
        "date_of_birth_invalid",
        "health_card_format",
        "outdoor_card_format",
        "plate_text_length",
        "plate_text_characters",
        "plate_text_no_letter",
        "plate_text_refused",
        "plate_taken",
        "plate_refused",
        "card_not_renewable",
        "renewal_term_unavailable",
        "postal_code_format",
        "postal_code_letters",
        "province_unknown",
        "street_number_invalid",
        "street_name_missing",
        "street_name_too_long",
        "unit_invalid",
        "city_missing",
        "city_too_long",
        "vehicle_not_found",
        "vehicle_not_owned",
        "unpaid_fines",
        "no_valid_insurance",
        "licence_not_found",
        "date_of_birth_mismatch",
        "card_not_found",
        "card_expired",
        "answer_missing",
        "choice_missing",
    }
)
INTERNAL_ERRORS = frozenset(
    {
        "backend_malformed",
        "not_authorized",
        "posting_data_missing",
        "programme_missing",
        "programme_repeated",
        "programme_unknown",
        "survey_month_invalid",
        "survey_rating_unknown",
        "survey_service_unknown",
        "survey_statement_unknown",
    }
)
"""Codes that mean a bug or a broken backend, not something the citizen can fix: the
citizen gets the generic message and technicians the log."""
_UNAVAILABLE = frozenset({"backend_timeout", "backend_malformed", "http_503", "http_500"})


def code_of(err: KioskError) -> str:
    """Return the most precise code of ``err`` (a plate text's refusal says which rule)."""
    reason = getattr(err, "reason", None)
    return reason if isinstance(reason, str) else err.code


def message_key(code: str) -> str:
    """Return the catalog key of the message for an error ``code``."""
    if code in KNOWN_ERRORS:
        return f"error.{code}"
    if code in _UNAVAILABLE or code.startswith("http_5"):
        return "error.backend_unavailable"
    return "error.generic"


GUESSABLE = frozenset({"date_of_birth_mismatch", "vehicle_not_owned", "licence_not_found"})
PAYMENT_CODES = frozenset(
    {"card_declined", "insufficient_funds", "payment_failed", "backend_unavailable"}
)
"""Failure codes that are about the card, not about what the ministry thinks of the request."""
