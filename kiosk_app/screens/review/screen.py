"""What the citizen is about to pay for or send, with the price split and any choice."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty

from kiosk_app.flows.review import Line, Shown
from kiosk_app.i18n import Translator
from kiosk_app.screens.base import KioskScreen, blank, ticked_text
from kiosk_app.session_view import SessionView


def line_value(line: Line, texts: Translator) -> str:
    """Return a review line's value written in the citizen's language."""
    if line.shown is Shown.DATE:
        return texts.date(line.value)
    if line.shown is Shown.MONEY:
        return texts.money(int(line.value))
    if line.shown is Shown.KEY:
        return texts.text(line.value, **dict(line.params))
    return line.value


class ReviewScreen(KioskScreen):
    """List what was found; offer the choices; show the amounts; pay or send."""

    title_text = StringProperty("")
    note_text = StringProperty("")
    ministry_text = StringProperty("")
    fee_text = StringProperty("")
    total_text = StringProperty("")
    message_text = StringProperty("")
    paid = BooleanProperty(True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.named: dict[str, Any] = {}
        """Option buttons by widget id (``option_2``), for touch scripts."""

    def render(self, view: SessionView, app: Any) -> None:
        """Show the review in the citizen's language."""
        review = view.review
        if review is None:
            return
        texts = app.translator(view.language)
        self.title_text = texts.text(review.title)
        self.note_text = texts.text(review.note) if review.note else ""
        lines = self.ids.lines
        lines.clear_widgets()
        for line in review.lines:
            text = texts.text(
                "review.line", label=texts.text(line.label), value=line_value(line, texts)
            )
            lines.add_widget(Factory.KioskLabel(text=text, halign="left"))
        self._options(view, texts)
        quote = view.quote
        self.paid = review.paid
        if quote is not None:
            self.ministry_text = texts.money(quote.ministry_amount_cents)
            self.fee_text = texts.money(quote.kiosk_fee_cents)
            self.total_text = texts.money(quote.total_cents)
            self.ids.confirm.text = texts.text("notice_details.pay", amount=self.total_text)
        else:
            self.ids.confirm.text = texts.text("review.send")
        if view.busy:
            self.ids.confirm.text = texts.text("common.sending")
        self.ids.confirm.disabled = view.busy or view.locked
        self.ids.back.disabled = view.busy
        self.message_text = texts.text(view.message) if view.message else ""

    def forget(self) -> None:
        """Drop the last review: its lines, options and amounts."""
        blank(self, "title_text", "note_text", "ministry_text", "fee_text", "total_text")
        blank(self, "message_text")
        self.ids.confirm.text = ""
        self.ids.lines.clear_widgets()
        self.ids.options.clear_widgets()
        self.named = {}

    def _options(self, view: SessionView, texts: Translator) -> None:
        review = view.review
        box = self.ids.options
        box.clear_widgets()
        self.named = {}
        if review is None:
            return
        for option in review.options:
            label = texts.text(option.label, years=option.value)
            price = texts.money(option.quote.total_cents)
            text = texts.text("review.option", option=label, price=price)
            button = Factory.ChoiceButton(text=ticked_text(text, option.value == view.option))
            button.state = "down" if option.value == view.option else "normal"
            button.bind(on_release=lambda _b, v=option.value: self._choose(v))
            box.add_widget(button)
            self.named[f"option_{option.value}"] = button

    @staticmethod
    def _choose(value: str) -> None:
        from kivy.app import App

        App.get_running_app().session.choose_option(value)
