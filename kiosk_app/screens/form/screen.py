"""One question of a service's form: a keyboard to type the answer, or buttons to choose it."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty

from kiosk_app.flows.form import Field, option_key
from kiosk_app.flows.keyboard import ROWS, SHIFT, Keyboard, key_label, shown
from kiosk_app.flows.state import FormState
from kiosk_app.screens.base import KioskScreen, blank, show, ticked_text
from kiosk_app.session_view import SessionView

WIDE_KEYS = {"space": 3.0, SHIFT: 1.5}


class FormScreen(KioskScreen):
    """Ask the current question of the form."""

    question_text = StringProperty("")
    hint_text = StringProperty("")
    typed_text = StringProperty("")
    message_text = StringProperty("")
    typed_field = BooleanProperty(False)
    """True when the question is typed (the answer box shows)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.named: dict[str, Any] = {}
        """Keys and choice buttons by widget id (``key_a``, ``choose_QC``), for touch scripts."""
        self._built: tuple[Any, ...] | None = None

    def render(self, view: SessionView, app: Any) -> None:
        """Show the question, what was typed or chosen, and any message."""
        form = view.form
        if form is None:
            return
        texts = app.translator(view.language)
        field = form.field
        self.question_text = texts.text(f"form.{field.name}.title")
        # With a message to read, the hint steps aside (the message says what to fix).
        self.hint_text = "" if view.message else texts.text(f"form.{field.name}.hint")
        self.message_text = texts.text(view.message) if view.message else ""
        self._build(field, form, view.language, app)
        if field.keyboard is not None:
            self.typed_text = shown(form.typed, field.keyboard) or " "
            self._label_keys(field.keyboard, form.shift, app)
        self.typed_field = field.typed
        show(self.ids.erase, field.typed)
        show(self.ids.proceed, field.typed or field.multiple)
        self.ids.proceed.disabled = view.busy or (not field.typed and not field.multiple)
        self.ids.proceed.text = texts.text("common.searching" if view.busy else "form.continue")
        self._mark_choices(field, form, app)

    def forget(self) -> None:
        """Drop the last question, its answer and its keys or buttons."""
        blank(self, "question_text", "hint_text", "typed_text", "message_text")
        self.typed_field = False
        self.ids.keyboard.clear_widgets()
        self.ids.choices.clear_widgets()
        self.named = {}
        self._built = None

    # -- building the keyboard or the choices ---------------------------------------
    def _build(self, field: Field, form: FormState, language: str, app: Any) -> None:
        """(Re)build the keys or buttons when the question or the language changes."""
        wanted = (field.name, field.keyboard, field.options, language)
        if wanted == self._built:
            return
        self._built = wanted
        keyboard, choices = self.ids.keyboard, self.ids.choices
        keyboard.clear_widgets()
        choices.clear_widgets()
        self.named = {}
        if field.keyboard is not None:
            self._build_keyboard(field.keyboard, app)
        for option in field.options:
            button = Factory.ChoiceButton(text=app.tr(option_key(field, option), language))
            button.bind(on_release=lambda _b, o=option: self._tap_option(app, o))
            choices.add_widget(button)
            self.named[f"choose_{option}"] = button

    def _build_keyboard(self, kind: Keyboard, app: Any) -> None:
        for row in ROWS[kind]:
            line = Factory.BoxLayout(spacing=8, size_hint_y=None, height=app.theme.key_height)
            for name in row:
                key = Factory.KeyboardKey(size_hint_x=WIDE_KEYS.get(name, 1.0))
                key.bind(on_release=lambda _k, n=name: app.session.type_key(n))
                line.add_widget(key)
                self.named[f"key_{name}"] = key
            self.ids.keyboard.add_widget(line)

    def _label_keys(self, kind: Keyboard, shift: bool, app: Any) -> None:
        for name in (n for row in ROWS[kind] for n in row):
            key = self.named[f"key_{name}"]
            key.text = key_label(name, kind, shift) or app.tr(f"keyboard.{name}", app.language)
            if name == SHIFT:
                key.state = "down" if shift else "normal"

    @staticmethod
    def _tap_option(app: Any, option: str) -> None:
        app.session.choose(option)

    def _mark_choices(self, field: Field, form: FormState, app: Any) -> None:
        """Ticked or chosen options look pressed and say so in words."""
        chosen = set(form.ticks) if field.multiple else {form.answer(field.name)}
        for option in field.options:
            button = self.named[f"choose_{option}"]
            label = app.tr(option_key(field, option), app.language)
            picked = option in chosen
            button.text = ticked_text(label, picked)
            button.state = "down" if picked else "normal"
