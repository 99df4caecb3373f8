"""The outcome: the reference number, and whether the receipt printed."""

from __future__ import annotations

import io
from typing import Any

from kivy.core.image import Image as CoreImage
from kivy.properties import StringProperty

from kiosk_app.screens.base import KioskScreen
from kiosk_app.session import SessionView
from transactions.saga.states import SagaState


class ReceiptScreen(KioskScreen):
    """Tell the citizen it is done and what to keep."""

    title_text = StringProperty("")
    reference_text = StringProperty("")
    status_text = StringProperty("")
    printed_text = StringProperty("")

    def render(self, view: SessionView, app: Any) -> None:
        """Show the reference and what happened to the payment and the receipt."""
        record = view.record
        if record is None:
            return
        texts = app.translator(view.language)
        queued = record.state is SagaState.POST_QUEUED
        self.title_text = texts.text(
            "receipt_screen.queued_title" if queued else "receipt_screen.title"
        )
        self.reference_text = record.reference
        self.status_text = texts.text(
            "receipt.fine.pending" if queued else "receipt_screen.paid",
            total=texts.money(record.total_cents),
        )
        self.printed_text = texts.text(
            "receipt_screen.take_receipt" if record.receipt_printed else "receipt_screen.no_receipt"
        )
        self._show_paper(app, record.receipt_printed)

    def _show_paper(self, app: Any, printed: bool) -> None:
        """Show the simulated printer's receipt, so a demo shows what would be printed."""
        png = getattr(app.kiosk.printer, "last_png", None) if printed else None
        paper = self.ids.paper
        if png is None:
            paper.texture, paper.opacity = None, 0
            return
        paper.texture = CoreImage(io.BytesIO(png), ext="png").texture
        paper.opacity = 1
