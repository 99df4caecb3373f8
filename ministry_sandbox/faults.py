"""Fault injection: latency, outages and failed writes, applied before a request is processed."""

from __future__ import annotations

import asyncio
import logging
import threading

from starlette.types import ASGIApp, Receive, Scope, Send

from ministry_sandbox.errors import backend_unavailable
from ministry_sandbox.models import FaultSettings

logger = logging.getLogger(__name__)

CONTROL_PREFIX = "/_sandbox"


class FaultInjector:
    """Hold the faults in force and decide, per request, which ones apply."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings = FaultSettings()

    def settings(self) -> FaultSettings:
        """Return the faults in force."""
        with self._lock:
            return self._settings

    def replace(self, settings: FaultSettings) -> FaultSettings:
        """Put these faults in force instead of the previous ones."""
        with self._lock:
            self._settings = settings
        logger.info("faults now in force: %s", settings.model_dump())
        return settings

    def clear(self) -> FaultSettings:
        """Remove every fault."""
        return self.replace(FaultSettings())

    def matches(self, path: str) -> bool:
        """Tell whether faults apply to this path (never to the sandbox controls)."""
        if path.startswith(CONTROL_PREFIX):
            return False
        prefixes = self.settings().paths
        return not prefixes or any(path.startswith(prefix) for prefix in prefixes)

    def latency_seconds(self, path: str) -> float:
        """Return how long to delay a request to this path."""
        if not self.matches(path):
            return 0.0
        return self.settings().latency_ms / 1000

    def should_fail(self, method: str, path: str) -> bool:
        """Tell whether to answer 503; counts down `fail_next_writes` when it applies."""
        if not self.matches(path):
            return False
        with self._lock:
            settings = self._settings
            if settings.outage:
                return True
            if method == "POST" and settings.fail_next_writes > 0:
                remaining = settings.fail_next_writes - 1
                self._settings = settings.model_copy(update={"fail_next_writes": remaining})
                logger.info("failing a write to %s; %d more to fail", path, remaining)
                return True
        return False


class FaultInjectionMiddleware:
    """Delay or refuse matching requests before the application sees them."""

    def __init__(self, app: ASGIApp, faults: FaultInjector) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Apply the faults in force to one HTTP request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        delay = self.faults.latency_seconds(path)
        if delay > 0:
            # asyncio.sleep so a slow request never holds up the others.
            await asyncio.sleep(delay)
        if self.faults.should_fail(scope["method"], path):
            response = backend_unavailable().response()
            retry_after = self.faults.settings().retry_after_s
            if retry_after is not None:
                response.headers["Retry-After"] = str(retry_after)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
