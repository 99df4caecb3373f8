"""A simulated receipt printer: renders real ESC/POS bytes and keeps them, with a PNG preview."""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from device_drivers.escpos.preview import receipt_png
from device_drivers.escpos.render import render_receipt
from transactions.devices import DeviceHealth, HealthStatus
from transactions.errors import DeviceError
from transactions.receipt import Receipt

logger = logging.getLogger(__name__)


class SimulatedPrinter:
    """Keep every job's bytes, as a real printer would put them on paper.

    The last receipt's PNG preview is drawn on first use (most tests never look at it),
    or at once into ``preview_dir`` when one is given.
    """

    def __init__(self, preview_dir: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._jobs: list[bytes] = []
        self._last_receipt: Receipt | None = None
        self._last_png: bytes | None = None
        self._preview_dir = preview_dir
        self.paper_out = False

    def print_receipt(self, receipt: Receipt) -> None:
        """Render ``receipt`` to ESC/POS and keep the bytes; fail when out of paper."""
        if self.paper_out:
            raise DeviceError("paper out", code="printer_paper_out")
        data = render_receipt(receipt)
        with self._lock:
            self._jobs.append(data)
            self._last_receipt, self._last_png = receipt, None
        logger.info("receipt %s printed (%d bytes)", receipt.reference, len(data))
        if self._preview_dir is not None:
            self.save_preview(self._preview_dir)

    @property
    def jobs(self) -> list[bytes]:
        """Return the bytes of every job printed so far."""
        with self._lock:
            return list(self._jobs)

    @property
    def last_png(self) -> bytes | None:
        """Return the PNG preview of the last receipt printed, or None before the first."""
        with self._lock:
            if self._last_png is None and self._last_receipt is not None:
                self._last_png = receipt_png(self._last_receipt)
            return self._last_png

    def save_preview(self, folder: Path) -> Path | None:
        """Write the last receipt's preview to ``folder``; return its path (None if none)."""
        png = self.last_png
        receipt = self._last_receipt
        if png is None or receipt is None:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", receipt.reference) or "receipt"
        path = folder / f"receipt-{safe}.png"
        path.write_bytes(png)
        logger.info("receipt preview written to %s", path)
        return path

    def health(self) -> DeviceHealth:
        """Return DOWN when out of paper, else OK."""
        if self.paper_out:
            return DeviceHealth(HealthStatus.DOWN, "out of paper (simulated)", "load paper")
        return DeviceHealth(HealthStatus.OK, "ready (simulated)")

    def self_test(self, test_page: bool = False) -> DeviceHealth:
        """Return the simulated health; a test page is not kept as a job."""
        return self.health()
