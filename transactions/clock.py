"""Time as a port, so the core is tested without waiting."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class SystemClock:
    """Tell the real time."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        """Wait for ``seconds``."""
        time.sleep(seconds)
