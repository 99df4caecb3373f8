"""The notices found, with the ministry's amount, the kiosk fee and the total kept apart."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import StringProperty

from kiosk_app.screens.base import KioskScreen, blank, show
from kiosk_app.session_view import SessionView
from transactions.fines.service import MAX_NOTICES


class NoticeDetailsScreen(KioskScreen):
    """List each notice and the amounts to pay."""

    ministry_text = StringProperty("")
    fee_text = StringProperty("")
    total_text = StringProperty("")
    message_text = StringProperty("")

    def render(self, view: SessionView, app: Any) -> None:
        """Show the notices and the amounts in the citizen's language."""
        texts = app.translator(view.language)
        box = self.ids.notices
        box.clear_widgets()
        for notice in view.notices:
            label = Factory.KioskLabel(
                text=texts.text(
                    "notice_details.item",
                    jurisdiction=texts.text(f"receipt.fine.jurisdiction.{notice.jurisdiction}"),
                    offence=notice.offence(view.language),
                    number=notice.notice_number,
                    due=texts.date(notice.due_date),
                    amount=texts.money(notice.amount_due_cents),
                ),
                halign="left",
            )
            box.add_widget(label)
        quote = view.quote
        if quote is not None:
            self.ministry_text = texts.money(quote.ministry_amount_cents)
            self.fee_text = texts.money(quote.kiosk_fee_cents)
            self.total_text = texts.money(quote.total_cents)
            self.ids.pay.text = texts.text("notice_details.pay", amount=self.total_text)
        self.message_text = texts.text(view.message) if view.message else ""
        show(self.ids.add_notice, len(view.notices) < MAX_NOTICES)

    def forget(self) -> None:
        """Drop the last citizen's notices and amounts."""
        blank(self, "ministry_text", "fee_text", "total_text", "message_text")
        self.ids.pay.text = ""
        self.ids.notices.clear_widgets()
