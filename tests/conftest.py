"""Shared fixtures: a real sandbox over HTTP, one per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ministry_sandbox.testing import SandboxClient, serve_sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxClient]:
    """Serve a fresh seeded sandbox on a free loopback port for this test module."""
    with serve_sandbox() as client:
        yield client
