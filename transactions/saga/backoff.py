"""When to try a queued backend call again: exponential backoff with jitter, and Retry-After.

A kiosk fleet that lost its network all at once must not come back all at once: each delay
is drawn at random in the upper half of its exponential step ("equal jitter"), so retries
spread out while none comes sooner than half its step. A backend that says when to come
back (``Retry-After``) is never asked sooner than that.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Delays of ``first`` s, doubling per attempt up to ``ceiling`` s, then jittered."""

    first: float = 2.0
    ceiling: float = 900.0
    longest_retry_after: float = 3600.0
    """A Retry-After longer than this is taken as this (a wrong header must not park work
    for days)."""

    def delay(self, attempts: int, retry_after: float | None, rng: random.Random) -> float:
        """Return how long to wait after ``attempts`` failed attempts (at least 1)."""
        step = min(self.ceiling, self.first * 2.0 ** max(0, attempts - 1))
        jittered: float = step / 2 + rng.uniform(0, step / 2)
        if retry_after is not None:
            return max(jittered, min(float(retry_after), self.longest_retry_after))
        return jittered
