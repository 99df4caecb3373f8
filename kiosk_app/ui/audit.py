"""Check a laid-out screen as a citizen would see it: no text cut off, big enough targets.

Run on the live widget tree (after Kivy has laid it out), in every language and text size;
``kiosk screenshots`` and the tests use it to fail on any overflow.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk_app.ui.theme import PANEL_MM_PER_PIXEL

MIN_TARGET_MM = 20.0
SLACK = 2
"""Pixels of rounding a box may be off by."""
MAIN_CONTROLS = frozenset({"proceed", "confirm", "pay", "submit", "done", "tap_card", "finish"})
"""The buttons that move a visit forward: they belong in the lower half of the screen."""


def _visible(widget: Any) -> Iterator[Any]:
    """Yield ``widget`` and its descendants that a citizen can see.

    What a ScrollView holds is meant to be longer than it (it scrolls): only the view's own
    box is checked."""
    if widget.opacity == 0 or widget.width <= 0 or widget.height <= 0:
        return
    yield widget
    if isinstance(widget, ScrollView):
        return
    for child in widget.children:
        yield from _visible(child)


def _box(widget: Any) -> tuple[float, float, float, float]:
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def _describe(widget: Any, names: dict[int, str]) -> str:
    name = names.get(id(widget))
    text = getattr(widget, "text", "")
    what = f"{type(widget).__name__}#{name}" if name else type(widget).__name__
    return f"{what} {text[:40]!r}" if text else what


def _names(root: Any) -> dict[int, str]:
    """Return widget → its kv id (or run-time name) for every widget under ``root``."""
    names: dict[int, str] = {}
    for widget in root.walk():
        for key, value in getattr(widget, "ids", {}).items():
            names[id(getattr(value, "__self__", value))] = key  # ids hold weak proxies
        for key, value in getattr(widget, "named", {}).items():
            names[id(value)] = key
    return names


def audit(roots: list[Any], width: int, height: int) -> list[str]:
    """Return every problem on the screen made of ``roots`` (window size ``width``×``height``)."""
    problems: list[str] = []
    for root in roots:
        names = _names(root)
        for widget in _visible(root):
            problems.extend(_problems(widget, names, width, height))
    return problems


def _problems(widget: Any, names: dict[int, str], width: int, height: int) -> list[str]:
    found = []
    left, bottom, right, top = _box(widget)
    what = _describe(widget, names)
    if left < -SLACK or bottom < -SLACK or right > width + SLACK or top > height + SLACK:
        found.append(
            f"{what} is partly off the screen at ({left:.0f},{bottom:.0f})-({right:.0f},{top:.0f})"
        )
    parent = widget.parent
    if isinstance(parent, Widget) and parent.opacity != 0:
        p_left, p_bottom, p_right, p_top = _box(parent)
        if (
            left < p_left - SLACK
            or bottom < p_bottom - SLACK
            or right > p_right + SLACK
            or top > p_top + SLACK
        ):
            found.append(f"{what} spills out of {_describe(parent, names)}")
    if isinstance(widget, Label) and widget.text.strip():
        text_width, text_height = widget.texture_size
        if text_width > widget.width + SLACK or text_height > widget.height + SLACK:
            found.append(
                f"{what} needs {text_width:.0f}×{text_height:.0f} px "
                f"but has {widget.width:.0f}×{widget.height:.0f}"
            )
    if isinstance(widget, Button) and not widget.disabled:
        smallest = min(widget.width, widget.height) * PANEL_MM_PER_PIXEL
        if smallest < MIN_TARGET_MM:
            found.append(f"{what} is {smallest:.1f} mm: a touch target needs {MIN_TARGET_MM} mm")
        if names.get(id(widget)) in MAIN_CONTROLS and (bottom + top) / 2 > height / 2:
            found.append(f"{what} is in the upper half: main controls go in the lower part")
    return found
