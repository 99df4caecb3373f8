"""Colours and sizes, chosen for a touchscreen read standing up, in a bright mall."""

from __future__ import annotations

from dataclasses import dataclass


def rgba(hex_colour: str) -> tuple[float, float, float, float]:
    """Return a Kivy colour for ``#RRGGBB``."""
    value = hex_colour.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, 1.0)


@dataclass(frozen=True)
class Theme:
    """The kiosk's look; text/background pairs keep at least 7:1 contrast (WCAG AAA)."""

    background: str = "#0B2545"
    text: str = "#FFFFFF"
    muted_text: str = "#DCE6F2"
    primary: str = "#FFD23F"
    primary_text: str = "#0B2545"
    secondary: str = "#FFFFFF"
    secondary_text: str = "#0B2545"
    alert: str = "#FFE3E3"
    alert_text: str = "#7A0010"
    panel: str = "#13315C"
    title_size: int = 64
    body_size: int = 40
    button_size: int = 44
    key_size: int = 72
    button_height: int = 120
    """About 3.3 cm on a 24-inch 1080×1920 panel (0.277 mm a pixel): above the 2 cm floor."""

    def colour(self, name: str) -> tuple[float, float, float, float]:
        """Return the Kivy colour of attribute ``name``."""
        return rgba(str(getattr(self, name)))
