"""One error tree for the kiosk; each error has a stable code that maps to a localized message."""

from __future__ import annotations


class KioskError(Exception):
    """Base of every error the kiosk raises on purpose."""

    code = "kiosk_error"

    def __init__(self, detail: str = "", *, code: str | None = None) -> None:
        super().__init__(detail or self.code)
        if code is not None:
            self.code = code
        self.detail = detail


class ValidationError(KioskError):
    """Raise when what the citizen entered cannot be accepted as it is."""

    code = "invalid_input"


class BackendError(KioskError):
    """Raise when a ministry or the payment gateway did not do what was asked.

    ``permanent`` tells whether repeating the same request can ever succeed (4xx) or may
    succeed later with the same idempotency key (5xx, timeouts, connection failures).
    """

    code = "backend_error"

    def __init__(
        self,
        detail: str = "",
        *,
        code: str | None = None,
        permanent: bool,
        message_fr: str | None = None,
        message_en: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(detail, code=code)
        self.permanent = permanent
        self.message_fr = message_fr
        self.message_en = message_en
        self.retry_after = retry_after
        """Seconds the backend asked us to wait before trying again (``Retry-After``)."""


class BackendUnavailable(BackendError):
    """Raise when a backend cannot be reached or answered 'retry later'."""

    code = "backend_unavailable"

    def __init__(
        self, detail: str = "", *, code: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(detail, code=code, permanent=False, retry_after=retry_after)


class DeviceError(KioskError):
    """Raise when a device (printer, card reader, payment terminal) failed."""

    code = "device_error"


class StorageError(KioskError):
    """Raise when the kiosk's own storage cannot record a step."""

    code = "storage_error"
