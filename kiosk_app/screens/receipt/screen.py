"""The outcome: the reference number, and whether the receipt printed."""

from __future__ import annotations

import io
from typing import Any

from kivy.core.image import Image as CoreImage
from kivy.factory import Factory
from kivy.properties import StringProperty

from kiosk_app.screens.base import KioskScreen, blank
from kiosk_app.session_view import SessionView
from transactions.address_change import PROGRAMME_TEXTS, REFUSAL_TEXTS, ProgrammeOutcome, Status
from transactions.fines.service import SERVICE as FINE_SERVICE
from transactions.saga.states import SagaState

NOTES = {
    "registration-renewal": "receipt_screen.note.registration",
    "driver-record": "receipt_screen.note.driver_record",
    "personalized-plate": "receipt_screen.note.plate",
    "outdoor-card": "receipt_screen.note.outdoor_card",
}
"""What the receipt is good for, said on screen too (the renewal's proof until the sticker)."""


class ReceiptScreen(KioskScreen):
    """Tell the citizen it is done and what to keep."""

    title_text = StringProperty("")
    reference_text = StringProperty("")
    status_text = StringProperty("")
    printed_text = StringProperty("")
    note_text = StringProperty("")

    def render(self, view: SessionView, app: Any) -> None:
        """Show the reference and what happened to the payment and the receipt."""
        texts = app.translator(view.language)
        self.printed_text = texts.text(
            "receipt_screen.take_receipt" if view.receipt_printed else "receipt_screen.no_receipt"
        )
        self._show_paper(app, view.receipt_printed)
        self.ids.outcomes.clear_widgets()
        if view.outcomes:
            self._show_outcomes(view.outcomes, texts)
            return
        record = view.record
        if record is None:
            return
        queued = record.state is SagaState.POST_QUEUED
        self.title_text = texts.text(
            "receipt_screen.queued_title" if queued else "receipt_screen.title"
        )
        self.reference_text = record.reference
        pending = "receipt.fine.pending" if record.service == FINE_SERVICE else "receipt.pending"
        self.status_text = texts.text(
            pending if queued else "receipt_screen.paid",
            total=texts.money(record.total_cents),
        )
        note = NOTES.get(record.service)
        self.note_text = texts.text(note) if note and not queued else ""

    def forget(self) -> None:
        """Drop the last reference, its outcomes and the receipt's picture."""
        blank(self, "title_text", "reference_text", "status_text", "printed_text", "note_text")
        self.ids.outcomes.clear_widgets()
        self.ids.paper.texture, self.ids.paper.opacity = None, 0

    def _show_outcomes(self, outcomes: tuple[ProgrammeOutcome, ...], texts: Any) -> None:
        """A change of address: one line per programme, each with its own reference."""
        self.title_text = texts.text("receipt_screen.address_change_title")
        self.status_text = ""
        self.note_text = ""
        self.reference_text = ""
        for outcome in outcomes:
            programme = texts.text(PROGRAMME_TEXTS[outcome.programme])
            if outcome.status is Status.REJECTED:
                reason = REFUSAL_TEXTS.get(
                    outcome.failure_code or "", "receipt.address_change.refused"
                )
                text = texts.text(
                    "receipt_screen.outcome.rejected",
                    programme=programme,
                    reason=texts.text(reason),
                )
            else:
                key = f"receipt_screen.outcome.{outcome.status.value}"
                text = texts.text(key, programme=programme, reference=outcome.reference)
            self.ids.outcomes.add_widget(Factory.KioskLabel(text=text, halign="left"))

    def _show_paper(self, app: Any, printed: bool) -> None:
        """Show the simulated printer's receipt, so a demo shows what would be printed."""
        png = getattr(app.kiosk.printer, "last_png", None) if printed else None
        paper = self.ids.paper
        if png is None:
            paper.texture, paper.opacity = None, 0
            return
        paper.texture = CoreImage(io.BytesIO(png), ext="png").texture
        paper.opacity = 1
