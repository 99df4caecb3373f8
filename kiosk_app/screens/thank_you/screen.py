"""Thank the citizen; ask, if they wish, how it went (one tap, then four short statements)."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty

from kiosk_app.screens.base import KioskScreen, ticked_text
from kiosk_app.session_view import SessionView
from transactions.survey import RATINGS, STATEMENTS


class ThankYouScreen(KioskScreen):
    """The end of a visit, with the optional satisfaction survey."""

    rated = BooleanProperty(False)
    """True once a rating is tapped: the four statements appear."""

    def render(self, view: SessionView, app: Any) -> None:
        """Show the rating buttons, then the statements once a rating is given."""
        texts = app.translator(view.language)
        for rating in RATINGS:
            button = self.ids[f"rate_{rating}"]
            label = texts.text(f"survey.rating.{rating}")
            picked = view.survey_rating == rating
            button.text = ticked_text(label, picked)
            button.state = "down" if picked else "normal"
        self.rated = view.survey_rating is not None
        for statement in STATEMENTS:
            button = self.ids[f"agree_{statement}"]
            label = texts.text(f"survey.statement.{statement}")
            agreed = statement in view.survey_agreed
            button.text = ticked_text(label, agreed)
            button.state = "down" if agreed else "normal"
