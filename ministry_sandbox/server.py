"""Run a sandbox in a background thread, for tests and demos."""

from __future__ import annotations

import logging
import threading
import time
from types import TracebackType

import uvicorn
from fastapi import FastAPI

from ministry_sandbox.app import create_app

logger = logging.getLogger(__name__)

_START_TIMEOUT_S = 10.0


def _serve(server: uvicorn.Server) -> None:
    try:
        server.run()
    except SystemExit as exit_:
        # uvicorn exits when it cannot start (port taken, …); it has logged why.
        logger.error("sandbox server could not start (exit status %s)", exit_.code)


class SandboxStartError(RuntimeError):
    """The sandbox server did not start (port taken, bad host, …)."""


class RunningSandbox:
    """A sandbox served by uvicorn on a background thread; the thread's owner."""

    def __init__(
        self, app: FastAPI, server: uvicorn.Server, thread: threading.Thread, url: str
    ) -> None:
        self.app = app
        self.url = url
        self._server = server
        self._thread = thread

    @classmethod
    def start(
        cls,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        app: FastAPI | None = None,
        seed: bool = True,
    ) -> RunningSandbox:
        """Serve a sandbox (a new seeded one unless `app` is given); return once it listens.

        `port=0` picks a free port; `url` tells which one.
        """
        app = app if app is not None else create_app(seed=seed)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=_serve, args=(server,), name="ministry-sandbox", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                thread.join(timeout=_START_TIMEOUT_S)
                raise SandboxStartError(f"the sandbox did not start on {host}:{port}")
            time.sleep(0.01)
        bound_port = server.servers[0].sockets[0].getsockname()[1]
        url_host = f"[{host}]" if ":" in host else host
        url = f"http://{url_host}:{bound_port}"
        logger.info("sandbox serving at %s", url)
        return cls(app, server, thread, url)

    def stop(self) -> None:
        """Stop serving and wait for the server thread to end."""
        self._server.should_exit = True
        self._thread.join(timeout=_START_TIMEOUT_S)
        logger.info("sandbox at %s stopped", self.url)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
