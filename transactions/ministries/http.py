"""All HTTP to backends goes through here: timeouts always set, errors translated once."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from transactions.errors import BackendError, BackendUnavailable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timeouts:
    """How long to wait: to connect, then for the answer (seconds)."""

    connect: float = 3.0
    read: float = 10.0


def _session_for(base_url: str) -> requests.Session:
    """Return a session that read the proxy and CA settings from the environment once.

    By default requests reads the environment on every call (a noticeable share of the
    agent's time when it drains a backlog); a kiosk's environment does not change.
    """
    session = requests.Session()
    session.proxies.update(requests.utils.get_environ_proxies(base_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    session.trust_env = False
    return session


ANSWERS, FAILING, UNCONNECTED = "answers", "failing", "unconnected"
"""What a probe found (``JsonApi.probe``)."""


class JsonApi:
    """A JSON backend at ``base_url``; 4xx answers are permanent, the rest retry-later."""

    def __init__(self, base_url: str, timeouts: Timeouts | None = None) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeouts = timeouts or Timeouts()
        self._local = threading.local()

    @property
    def _session(self) -> requests.Session:
        """This thread's session: requests' sessions are not to be shared between threads
        (the agent makes calls about different citizens at once)."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = _session_for(self._base_url)
        return session

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        """GET ``path`` and return the decoded JSON body."""
        return self._request("GET", path, params=params)

    def reachable(self, path: str) -> bool:
        """Tell whether the backend answers at all: any answer below 500 means it is there."""
        return self.probe(path) == ANSWERS

    def probe(self, path: str) -> str:
        """GET ``path`` and say how it went: ``ANSWERS`` (below 500), ``FAILING`` (5xx, or
        no answer in time once connected) or ``UNCONNECTED`` (no connection was made)."""
        try:
            response = self._session.get(
                self._base_url + path, timeout=(self._timeouts.connect, self._timeouts.read)
            )
        except requests.ConnectionError:  # ConnectTimeout included
            return UNCONNECTED
        except requests.RequestException:
            return FAILING
        return ANSWERS if response.status_code < 500 else FAILING

    def post(self, path: str, body: dict[str, Any], idempotency_key: str) -> Any:
        """POST ``body`` to ``path`` with an idempotency key; return the decoded JSON body."""
        return self._request("POST", path, json=body, headers={"Idempotency-Key": idempotency_key})

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        url = self._base_url + path
        try:
            response = self._session.request(
                method, url, timeout=(self._timeouts.connect, self._timeouts.read), **kwargs
            )
        except requests.Timeout as err:
            raise BackendUnavailable(f"{method} {path} timed out", code="backend_timeout") from err
        except requests.RequestException as err:
            raise BackendUnavailable(f"{method} {path} unreachable") from err
        if response.status_code >= 400:
            raise _error_from(response, f"{method} {path}")
        try:
            return response.json()
        except ValueError as err:
            raise BackendUnavailable(f"{method} {path} answered no JSON") from err


def _error_from(response: requests.Response, what: str) -> BackendError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = str(body.get("error") or f"http_{response.status_code}")
    detail = f"{what} -> {response.status_code} {code}"
    if response.status_code >= 500 or response.status_code == 429:
        return BackendUnavailable(
            detail, code=code, retry_after=retry_after(response.headers.get("Retry-After"))
        )
    return BackendError(
        detail,
        code=code,
        permanent=True,
        message_fr=body.get("message_fr"),
        message_en=body.get("message_en"),
    )


def retry_after(header: str | None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for (RFC 9110 §10.2.3), or None.

    It is either a number of seconds or an HTTP date; anything else is ignored.
    """
    if not header:
        return None
    text = header.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def confirmation_number(answer: Any) -> str:
    """Return the ``confirmation_number`` of a write's answer; a malformed one is retry-later."""
    try:
        return str(answer["confirmation_number"])
    except (KeyError, TypeError, ValueError) as err:
        raise BackendUnavailable("malformed confirmation", code="backend_malformed") from err
