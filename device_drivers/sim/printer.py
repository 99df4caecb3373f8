"""A simulated receipt printer: renders real ESC/POS bytes and keeps them."""

from __future__ import annotations

import logging
import threading

from device_drivers.escpos.render import render_receipt
from transactions.errors import DeviceError
from transactions.receipt import Receipt

logger = logging.getLogger(__name__)


class SimulatedPrinter:
    """Keep every job's bytes, as a real printer would put them on paper."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: list[bytes] = []
        self.paper_out = False

    def print_receipt(self, receipt: Receipt) -> None:
        """Render ``receipt`` to ESC/POS and keep the bytes; fail when out of paper."""
        if self.paper_out:
            raise DeviceError("paper out", code="printer_paper_out")
        data = render_receipt(receipt)
        with self._lock:
            self._jobs.append(data)
        logger.info("receipt %s printed (%d bytes)", receipt.reference, len(data))

    @property
    def jobs(self) -> list[bytes]:
        """Return the bytes of every job printed so far."""
        with self._lock:
            return list(self._jobs)
