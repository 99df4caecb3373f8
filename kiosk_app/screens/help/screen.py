"""Where to get help when the kiosk cannot serve the citizen (no card, needs a counter)."""

from __future__ import annotations

from kivy.uix.modalview import ModalView


class HelpPanel(ModalView):  # type: ignore[misc]
    """Say, in the citizen's language, where a person can help."""
