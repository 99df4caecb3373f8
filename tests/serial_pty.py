"""A connected pair of pseudo-terminals made by socat, for tests of serial devices."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def pty_pair(
    folder: Path | None = None, names: tuple[str, str] = ("kiosk", "terminal"), wait: float = 5.0
) -> Iterator[tuple[str, str]]:
    """Start socat with two linked ptys; yield their paths once both exist; stop socat.

    Pass ``folder`` to create the links at known paths again (a port unplugged and plugged
    back in); by default a temporary folder is used.
    """
    with ExitStack() as stack:
        if folder is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pty-")))
        links = (folder / names[0], folder / names[1])
        log = stack.enter_context((folder / f"socat-{names[0]}.log").open("w+b"))
        process = subprocess.Popen(
            [
                "socat",
                "-d",
                "-d",
                f"pty,raw,echo=0,link={links[0]}",
                f"pty,raw,echo=0,link={links[1]}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            _wait_for_links(process, links, log, wait)
            yield str(links[0]), str(links[1])
        finally:
            _stop(process)
            for link in links:
                link.unlink(missing_ok=True)


def _wait_for_links(
    process: subprocess.Popen[bytes], links: tuple[Path, Path], log: IO[bytes], wait: float
) -> None:
    deadline = time.monotonic() + wait
    while not all(link.exists() for link in links):
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            log.seek(0)
            output = log.read().decode(errors="replace")
            raise RuntimeError(f"socat did not create {links[0]} and {links[1]}:\n{output}")
        time.sleep(0.02)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
