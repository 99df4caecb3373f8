"""Shared fixtures: a real sandbox over HTTP, one per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pcscd_support import Pcscd

from ministry_sandbox.testing import SandboxClient, serve_sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxClient]:
    """Serve a fresh seeded sandbox on a free loopback port for this test module."""
    with serve_sandbox() as client:
        yield client


@pytest.fixture(scope="session")
def pcscd() -> Iterator[Pcscd]:
    """Run the real pcscd with the vpcd virtual readers for the whole session."""
    daemon = Pcscd()
    daemon.start()
    yield daemon
    daemon.stop()
