"""The "need more time?" question shown before a quiet visit is wiped."""

from __future__ import annotations

from kivy.properties import StringProperty
from kivy.uix.modalview import ModalView


class MoreTimePrompt(ModalView):  # type: ignore[misc]
    """Ask the citizen whether they are still there, with a countdown."""

    countdown_text = StringProperty("")
