"""The look is readable by everyone: contrast and touch targets checked from the theme."""

from __future__ import annotations

import pytest

from kiosk_app.ui.theme import (
    PANEL_MM_PER_PIXEL,
    PRESSED,
    TEXT_ON_BACKGROUND,
    Theme,
    contrast_ratio,
)


@pytest.mark.parametrize(("text", "background"), [*TEXT_ON_BACKGROUND, *PRESSED])
def test_every_text_colour_has_at_least_7_to_1_contrast_with_its_background(
    text: str, background: str
) -> None:
    theme = Theme()
    ratio = contrast_ratio(getattr(theme, text), getattr(theme, background))
    assert ratio >= 7.0, f"{text} on {background}: {ratio:.2f}:1"


def test_the_contrast_formula_matches_the_wcag_reference_values() -> None:
    assert contrast_ratio("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


def test_buttons_are_at_least_2_cm_tall_on_the_kiosk_panel() -> None:
    assert Theme().button_height * PANEL_MM_PER_PIXEL >= 20.0
