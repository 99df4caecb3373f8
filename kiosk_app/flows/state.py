"""Where a citizen is in a service's form: the answers given and the field being answered.

Immutable: every key press returns a new state, so the session's view can hold it as is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kiosk_app.flows.base import ServiceFlow
from kiosk_app.flows.form import Field, ticked
from kiosk_app.flows.keyboard import Keyboard, press, value_of
from transactions.errors import ValidationError


@dataclass(frozen=True)
class FormState:
    """One service's form being filled in."""

    flow: ServiceFlow
    answers: tuple[tuple[str, str], ...] = ()
    index: int = 0
    typed: str = ""
    shift: bool = False
    ticks: tuple[str, ...] = ()
    """The options ticked so far on a field with ``multiple`` options."""

    # -- reading -------------------------------------------------------------------
    @property
    def answer_map(self) -> dict[str, str]:
        """Return the answers by field name."""
        return dict(self.answers)

    @property
    def fields(self) -> tuple[Field, ...]:
        """Return the form's fields as the answers so far shape it."""
        return self.flow.fields(self.answer_map)

    @property
    def field(self) -> Field:
        """Return the field being answered."""
        return self.fields[self.index]

    @property
    def is_last(self) -> bool:
        """Return True on the form's last field."""
        return self.index == len(self.fields) - 1

    def answer(self, name: str) -> str | None:
        """Return the answer given for field ``name``, if any."""
        return self.answer_map.get(name)

    # -- typing and choosing --------------------------------------------------------
    def press(self, key: str) -> FormState:
        """Return the state after pressing key ``key`` on the field's keyboard."""
        field = self.field
        if field.keyboard is None:
            return self
        typed, shift = press(self.typed, key, field.keyboard, self.shift, field.max_length)
        return replace(self, typed=typed, shift=shift)

    def erase(self) -> FormState:
        """Return the state with the last character erased."""
        return replace(self, typed=self.typed[:-1])

    def tick(self, option: str) -> FormState:
        """Tick or untick ``option`` on a field with ``multiple`` options."""
        field = self.field
        if not field.multiple or option not in field.options:
            return self
        chosen = set(self.ticks) ^ {option}
        return replace(self, ticks=tuple(o for o in field.options if o in chosen))

    def choose(self, option: str) -> FormState:
        """Answer a single-choice field with ``option`` and move on."""
        field = self.field
        if field.multiple or option not in field.options:
            return self
        return self._answered(field, option)

    # -- moving ---------------------------------------------------------------------
    def proceed(self) -> FormState:
        """Record the field's answer and move to the next field.

        Raises ValidationError (``answer_missing``, ``choice_missing`` or the field's own
        check's code) and stays put when the answer cannot be taken. Past the last field the
        state stays on it: the session then asks the flow for its review.
        """
        field = self.field
        if field.multiple:
            if not self.ticks:
                raise ValidationError("tick at least one", code="choice_missing")
            return self._answered(field, ",".join(self.ticks))
        if field.keyboard is None:
            chosen = self.answer(field.name)
            if chosen is None:
                raise ValidationError("choose one", code="choice_missing")
            return self._answered(field, chosen)
        value = value_of(self.typed, field.keyboard)
        if not value and not field.optional:
            raise ValidationError("nothing typed", code="answer_missing")
        if value and field.check is not None:
            field.check(value)
        return self._answered(field, value)

    def _answered(self, field: Field, value: str) -> FormState:
        answers = {**self.answer_map, field.name: value}
        answered = replace(self, answers=tuple(answers.items()))
        names = [f.name for f in answered.fields]
        position = names.index(field.name)
        if position + 1 >= len(names):
            return answered.at(field.name)
        return answered.at(names[position + 1])

    def back(self) -> FormState | None:
        """Return the previous field (its answer kept), or None before the first."""
        if self.index == 0:
            return None
        return self.at(self.fields[self.index - 1].name)

    def at(self, name: str) -> FormState:
        """Return the state on field ``name``, its earlier answer ready to correct."""
        fields = self.fields
        index = next((i for i, f in enumerate(fields) if f.name == name), len(fields) - 1)
        field = fields[index]
        answer = self.answer(field.name) or ""
        typed = answer.replace("-", "") if field.keyboard is Keyboard.DATE else answer
        return replace(
            self,
            index=index,
            typed=typed if field.typed else "",
            shift=False,
            ticks=ticked(answer) if field.multiple else (),
        )

    def with_answers(self, given: dict[str, str]) -> FormState:
        """Return the state with ``given`` answers added, on the first field still empty."""
        answered = replace(self, answers=tuple({**self.answer_map, **given}.items()))
        pending = [f.name for f in answered.fields if f.name not in answered.answer_map]
        return answered.at(pending[0] if pending else answered.fields[-1].name)
