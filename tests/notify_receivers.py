"""Real receivers for the fleet monitor's notifications: an SMTP server and a webhook."""

from __future__ import annotations

import json
import queue
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

WAIT = 60.0
"""A generous bound on anything awaited: no test depends on how fast this machine is."""


@dataclass
class Webhook:
    """An HTTP server taking Apprise's ``json://`` posts; it may fail or hang at first."""

    url: str
    received: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    failures: int = 0
    """Answer this many posts with 500 before accepting."""
    hang: bool = False
    """Hold the first post until ``release`` is set."""
    hanging: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    posts: int = 0

    def next(self) -> dict[str, Any]:
        """Return the next accepted message (title, message), waiting a bounded time."""
        return self.received.get(timeout=WAIT)

    def quiet(self) -> bool:
        """Tell whether nothing more was accepted."""
        return self.received.empty()


@contextmanager
def webhook() -> Iterator[Webhook]:
    """Serve a webhook on a loopback port; yield it with its ``json://`` URL."""
    hook = Webhook(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with lock:
                hook.posts += 1
                failing = hook.posts <= hook.failures
                hanging = hook.hang and hook.posts == 1
            if hanging:
                hook.hanging.set()
                hook.release.wait(WAIT)
                return  # the connection closes unanswered
            if failing:
                self.send_response(500)
                self.end_headers()
                return
            hook.received.put(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hook.url = f"json://127.0.0.1:{server.server_address[1]}/appel"
    try:
        yield hook
    finally:
        hook.release.set()
        server.shutdown()
        server.server_close()


class _Mailbox:
    def __init__(self) -> None:
        self.received: queue.Queue[Message] = queue.Queue()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.put(message_from_bytes(envelope.content))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[int, queue.Queue[Message]]]:
    """Run aiosmtpd on a loopback port; yield its port and the mail it receives."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    mailbox = _Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox.received
    finally:
        controller.stop()


def text_of(mail: Message) -> str:
    """Return the plain-text part of an e-mail, decoded."""
    for part in mail.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text/plain part")
