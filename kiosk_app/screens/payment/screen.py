"""Pay by card: wait for the card, show progress, explain a decline."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk_app.screens.base import KioskScreen, blank, show
from kiosk_app.session_view import PaymentPhase, SessionView


class PaymentScreen(KioskScreen):
    """Guide the citizen through the card payment."""

    amount_text = StringProperty("")
    status_text = StringProperty("")
    message_text = StringProperty("")

    def render(self, view: SessionView, app: Any) -> None:
        """Show the step of the payment the citizen is at."""
        texts = app.translator(view.language)
        if view.quote is not None:
            self.amount_text = texts.money(view.quote.total_cents)
        phase = view.payment_phase
        waiting = phase is PaymentPhase.WAITING_CARD
        ended_badly = phase in (PaymentPhase.DECLINED, PaymentPhase.FAILED)
        self.status_text = (
            {
                PaymentPhase.WAITING_CARD: texts.text("payment.insert_card"),
                PaymentPhase.PROCESSING: texts.text("payment.processing"),
            }.get(phase, "")
            if phase
            else ""
        )
        self.message_text = texts.text(view.message) if view.message else ""
        show(self.ids.tap_card, waiting and view.simulated_card)
        show(self.ids.retry, phase is PaymentPhase.DECLINED)
        show(self.ids.cancel, waiting or ended_badly)
        self.ids.cancel.text = texts.text("common.cancel" if waiting else "common.back")
        terminal = getattr(app.kiosk.terminal, "card", None)
        if terminal is not None:
            brand = texts.text(f"card.brand.{terminal.brand}")
            self.ids.tap_card.text = texts.text(
                "payment.tap_simulated", card=f"{brand} **** {terminal.last4}"
            )

    def forget(self) -> None:
        """Drop the last amount and the card the last citizen held."""
        blank(self, "amount_text", "status_text", "message_text")
        self.ids.tap_card.text = ""
