"""`ministry-sandbox serve` as a real process: it answers, then stops cleanly on a signal."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import pytest
import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_answering(url: str, process: subprocess.Popen[str]) -> requests.Response:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            return requests.get(url, timeout=2)
        except requests.ConnectionError:
            time.sleep(0.05)
    raise AssertionError(f"nothing answered at {url}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_answers_then_stops_cleanly_on_a_signal(sig: signal.Signals) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ministry_sandbox", "serve", "--port", str(port), "--no-seed"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/fines/v1/notices/100042158731"
        response = wait_until_answering(url, process)
        process.send_signal(sig)
        output, _ = process.communicate(timeout=20)
    finally:
        process.kill()

    assert response.status_code == 404
    assert process.returncode == 0, output
