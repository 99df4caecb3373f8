"""What every service flow offers the session."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from kiosk_app.flows.form import Field
from kiosk_app.flows.review import Review

Answers = Mapping[str, str]


class ServiceFlow:
    """A service as a form, a review and (for paid ones) a payment; see the subclasses."""

    service: str = ""
    paid: bool = True
    error_fields: ClassVar[Mapping[str, str]] = {}
    """Error code → the field to go back to when the backend or a check refuses it."""

    def fields(self, answers: Answers) -> tuple[Field, ...]:
        """Return the form's fields, given the answers so far."""
        raise NotImplementedError

    def review(self, answers: Answers) -> Review:
        """Look up what the answers name and return what the citizen confirms (slow)."""
        raise NotImplementedError

    def field_for(self, code: str, answers: Answers) -> str | None:
        """Return the field to correct for error ``code``, or None to stay where it is."""
        return self.error_fields.get(code)

    def scan(self, code: str) -> dict[str, str] | None:
        """Return the answers a scanned barcode gives this service, or None if not its own."""
        return None
