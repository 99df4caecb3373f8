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
    key_height: int = 88
    """A keyboard key: 24 mm high, and at least 2 cm wide in every layout (tested)."""
    key_font_size: int = 42
    """About 3.3 cm on a 24-inch 1080×1920 panel (0.277 mm a pixel): above the 2 cm floor."""

    def colour(self, name: str) -> tuple[float, float, float, float]:
        """Return the Kivy colour of attribute ``name``."""
        return rgba(str(getattr(self, name)))


TEXT_ON_BACKGROUND = (
    ("text", "background"),
    ("muted_text", "background"),
    ("primary_text", "primary"),
    ("secondary_text", "secondary"),
    ("alert_text", "alert"),
    ("text", "panel"),
)
"""Every (text colour, background colour) pair the screens draw (buttons change colour
when pressed, so pressed pairs are listed too)."""
PRESSED = (("primary_text", "secondary"), ("secondary_text", "primary"))

SYMBOLS_FONT_FILE = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
"""Debian's fonts-dejavu-core (system-packages/kiosk.txt): it has the check mark."""

PANEL_MM_PER_PIXEL = 0.2767
"""A 24-inch 16:9 panel: 531 mm over 1920 pixels (the long side), the same in portrait."""


def relative_luminance(hex_colour: str) -> float:
    """Return the WCAG 2.x relative luminance of ``#RRGGBB``."""
    value = hex_colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """Return the WCAG contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
