"""The kiosk's ECR messages: fixed-width printable-ASCII fields inside Concert frames.

Pure encode/parse functions, one dataclass per message; PROTOCOL.md is the reference for
every field. Parsing never trusts the other side: any malformed payload raises
:class:`EcrProtocolError`.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from typing import TypeVar

CURRENCY_CAD = "124"  # ISO 4217 numeric
NO_KEY = "0" * 16
BRAND_CODES = {"visa": "V", "mastercard": "M", "amex": "A", "interac": "I"}
# ISO 8583 response codes the terminal uses for a refusal, and the kiosk's names for them.
DECLINE_REASONS = {
    "05": "card_declined",
    "12": "invalid_transaction",
    "13": "invalid_amount",
    "51": "insufficient_funds",
    "54": "card_expired",
    "55": "incorrect_pin",
    "57": "not_permitted",
    "91": "issuer_unavailable",
}
REASON_CODES = {name: code for code, name in DECLINE_REASONS.items()}

E = TypeVar("E", bound=enum.Enum)


class EcrProtocolError(ValueError):
    """Raise when a payload is not a well-formed kiosk ECR message."""


class Code(enum.Enum):
    """The message code: which request, echoed in the answer."""

    AUTHORIZE = "AU"
    CAPTURE = "CP"
    CANCEL = "CN"
    STATUS = "ST"


class Result(enum.Enum):
    """What the terminal did with the request."""

    APPROVED = "A"
    DECLINED = "D"
    NOT_FOUND = "N"
    BUSY = "B"
    CANCELLED = "C"
    FORMAT_ERROR = "E"


class SaleState(enum.Enum):
    """Where the sale of a merchant reference stands on the terminal."""

    NONE = " "
    AUTHORIZED = "H"
    CAPTURED = "K"
    VOIDED = "V"
    DECLINED = "D"
    CANCELLED = "X"


@dataclass(frozen=True)
class Authorize:
    """Pre-authorize ``amount_cents`` for the transaction ``merchant_reference``."""

    seq: int
    key: str
    amount_cents: int
    merchant_reference: str
    currency: str = CURRENCY_CAD
    register: int = 1


@dataclass(frozen=True)
class Capture:
    """Complete the authorization ``authorization_id`` for ``amount_cents``."""

    seq: int
    key: str
    authorization_id: str
    amount_cents: int
    currency: str = CURRENCY_CAD
    register: int = 1


@dataclass(frozen=True)
class Cancel:
    """Void everything authorized or completed for ``merchant_reference``."""

    seq: int
    key: str
    merchant_reference: str
    register: int = 1


@dataclass(frozen=True)
class Status:
    """Ask where ``merchant_reference`` stands ("" for the last transaction)."""

    seq: int
    merchant_reference: str = ""
    key: str = NO_KEY
    register: int = 1


Request = Authorize | Capture | Cancel | Status


@dataclass(frozen=True)
class Answer:
    """The terminal's answer to one request; card data is the brand and last four only."""

    code: Code
    seq: int
    result: Result
    reason: str = "00"
    state: SaleState = SaleState.NONE
    authorization_id: str = ""
    brand: str = ""
    last4: str = ""
    amount_cents: int = 0
    merchant_reference: str = ""
    currency: str = CURRENCY_CAD
    register: int = 1

    @property
    def decline_reason(self) -> str:
        """Return the kiosk's name for the reason code."""
        return DECLINE_REASONS.get(self.reason, f"declined_{self.reason}")


ANSWER_LENGTH = 78
REQUEST_LENGTHS = {Code.AUTHORIZE: 73, Code.CAPTURE: 49, Code.CANCEL: 60, Code.STATUS: 60}


def request_key(idempotency_key: str) -> str:
    """Return the 16-hex-digit request key the wire carries for ``idempotency_key``."""
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:16].upper()


def request_code(request: Request) -> Code:
    """Return the message code of ``request``."""
    match request:
        case Authorize():
            return Code.AUTHORIZE
        case Capture():
            return Code.CAPTURE
        case Cancel():
            return Code.CANCEL
        case Status():
            return Code.STATUS


def _num(value: int, width: int, name: str) -> str:
    if not 0 <= value < 10**width:
        raise EcrProtocolError(f"{name} {value} does not fit {width} digits")
    return str(value).zfill(width)


def _text(value: str, width: int, name: str, *, blank_ok: bool = True) -> str:
    if len(value) > width or (not value and not blank_ok):
        raise EcrProtocolError(f"{name} must be 1 to {width} characters")
    if any(not 0x21 <= ord(char) <= 0x7E for char in value):
        raise EcrProtocolError(f"{name} must be printable ASCII without spaces")
    return value.ljust(width)


def _hex16(value: str) -> str:
    if len(value) != 16 or any(char not in "0123456789ABCDEF" for char in value):
        raise EcrProtocolError("key must be 16 uppercase hexadecimal digits")
    return value


def _choice(value: str, allowed: set[str] | frozenset[str], name: str) -> str:
    if value not in allowed:
        raise EcrProtocolError(f"{name} {value!r} is not one of {sorted(allowed)}")
    return value


def _header(code: Code, register: int, seq: int, key: str) -> str:
    return _num(register, 2, "register") + code.value + _num(seq, 4, "seq") + _hex16(key)


def encode_request(request: Request) -> bytes:
    """Return the payload (no framing) for ``request``."""
    match request:
        case Authorize():
            body = (
                _num(request.amount_cents, 10, "amount")
                + _choice(request.currency, {CURRENCY_CAD}, "currency")
                + _text(request.merchant_reference, 36, "merchant reference", blank_ok=False)
            )
            code = Code.AUTHORIZE
        case Capture():
            body = (
                _text(request.authorization_id, 12, "authorization id", blank_ok=False)
                + _num(request.amount_cents, 10, "amount")
                + _choice(request.currency, {CURRENCY_CAD}, "currency")
            )
            code = Code.CAPTURE
        case Cancel():
            body = _text(request.merchant_reference, 36, "merchant reference", blank_ok=False)
            code = Code.CANCEL
        case Status():
            body = _text(request.merchant_reference, 36, "merchant reference")
            code = Code.STATUS
    return (_header(code, request.register, request.seq, request.key) + body).encode("ascii")


def encode_answer(answer: Answer) -> bytes:
    """Return the payload (no framing) for ``answer``."""
    brand = BRAND_CODES[_choice(answer.brand, set(BRAND_CODES), "brand")] if answer.brand else " "
    if answer.last4 and (len(answer.last4) != 4 or not answer.last4.isdigit()):
        raise EcrProtocolError("last4 must be four digits or blank")
    if answer.reason and (len(answer.reason) != 2 or not answer.reason.isalnum()):
        raise EcrProtocolError("reason must be two letters or digits")
    text = (
        _num(answer.register, 2, "register")
        + answer.code.value
        + _num(answer.seq, 4, "seq")
        + answer.result.value
        + (answer.reason or "00")
        + answer.state.value
        + _text(answer.authorization_id, 12, "authorization id")
        + brand
        + (answer.last4 or "    ")
        + _num(answer.amount_cents, 10, "amount")
        + _choice(answer.currency, {CURRENCY_CAD}, "currency")
        + _text(answer.merchant_reference, 36, "merchant reference")
    )
    return text.encode("ascii")


class _Fields:
    """Read fixed-width fields from a payload, left to right."""

    def __init__(self, payload: bytes) -> None:
        if any(not 0x20 <= byte <= 0x7E for byte in payload):
            raise EcrProtocolError("payload must be printable ASCII")
        self._text = payload.decode("ascii")
        self._at = 0

    def raw(self, width: int) -> str:
        """Return the next ``width`` characters as they are."""
        value = self._text[self._at : self._at + width]
        self._at += width
        return value

    def num(self, width: int, name: str) -> int:
        """Return the next field as a number of ``width`` digits."""
        value = self.raw(width)
        if not value.isdigit():
            raise EcrProtocolError(f"{name} {value!r} is not {width} digits")
        return int(value)

    def text(self, width: int, name: str, *, blank_ok: bool = True) -> str:
        """Return the next text field without its padding."""
        value = self.raw(width).rstrip(" ")
        _text(value, width, name, blank_ok=blank_ok)
        return value

    def enum(self, kind: type[E], width: int, name: str) -> E:
        """Return the next field as a member of ``kind``."""
        value = self.raw(width)
        try:
            return kind(value)
        except ValueError as err:
            raise EcrProtocolError(f"{name} {value!r} is unknown") from err


def _code(payload: bytes, lengths: dict[Code, int] | None) -> Code:
    fields = _Fields(payload)
    fields.raw(2)
    code = fields.enum(Code, 2, "code")
    expected = lengths[code] if lengths else ANSWER_LENGTH
    if len(payload) != expected:
        raise EcrProtocolError(f"{code.name} is {expected} characters, got {len(payload)}")
    return code


def parse_request(payload: bytes) -> Request:
    """Return the request ``payload`` carries."""
    code = _code(payload, REQUEST_LENGTHS)
    fields = _Fields(payload)
    register = fields.num(2, "register")
    fields.raw(2)
    seq = fields.num(4, "seq")
    key = _hex16(fields.raw(16))
    match code:
        case Code.AUTHORIZE:
            amount = fields.num(10, "amount")
            currency = _choice(fields.raw(3), {CURRENCY_CAD}, "currency")
            reference = fields.text(36, "merchant reference", blank_ok=False)
            return Authorize(seq, key, amount, reference, currency, register)
        case Code.CAPTURE:
            authorization_id = fields.text(12, "authorization id", blank_ok=False)
            amount = fields.num(10, "amount")
            currency = _choice(fields.raw(3), {CURRENCY_CAD}, "currency")
            return Capture(seq, key, authorization_id, amount, currency, register)
        case Code.CANCEL:
            return Cancel(seq, key, fields.text(36, "merchant reference", blank_ok=False), register)
        case Code.STATUS:
            return Status(seq, fields.text(36, "merchant reference"), key, register)


def parse_answer(payload: bytes) -> Answer:
    """Return the answer ``payload`` carries."""
    code = _code(payload, None)
    fields = _Fields(payload)
    register = fields.num(2, "register")
    fields.raw(2)
    seq = fields.num(4, "seq")
    result = fields.enum(Result, 1, "result")
    reason = fields.raw(2)
    if not reason.isalnum():
        raise EcrProtocolError(f"reason {reason!r} is not two letters or digits")
    state = fields.enum(SaleState, 1, "state")
    authorization_id = fields.text(12, "authorization id")
    brand_code = _choice(fields.raw(1), {" ", *BRAND_CODES.values()}, "brand")
    last4 = fields.raw(4)
    if last4 != "    " and not last4.isdigit():
        raise EcrProtocolError("last4 must be four digits or blank")
    amount = fields.num(10, "amount")
    currency = _choice(fields.raw(3), {CURRENCY_CAD}, "currency")
    reference = fields.text(36, "merchant reference")
    brands = {letter: name for name, letter in BRAND_CODES.items()}
    return Answer(
        code=code,
        seq=seq,
        result=result,
        reason=reason,
        state=state,
        authorization_id=authorization_id,
        brand=brands.get(brand_code, ""),
        last4=last4.strip(),
        amount_cents=amount,
        merchant_reference=reference,
        currency=currency,
        register=register,
    )
