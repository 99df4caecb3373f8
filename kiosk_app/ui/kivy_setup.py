"""Configure Kivy before its window exists: lockdown settings and where it keeps its files."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from kiosk_app.config import UiConfig


def configure_kivy(ui: UiConfig, kivy_home: Path) -> None:
    """Set Kivy's environment and config; call before importing any Kivy window module."""
    os.environ["KIVY_NO_ARGS"] = "1"  # Kivy must not eat the kiosk's command line
    os.environ["KIVY_NO_FILELOG"] = "1"
    os.environ["KIVY_LOG_MODE"] = "PYTHON"  # our logging config, not Kivy's console handler
    os.environ["KIVY_HOME"] = str(kivy_home)
    # No config.ini read or written: what a settings panel changed would persist, and
    # modules named there (keybinding: F11 rotates the screen) would load. This function
    # is the kiosk's whole Kivy config.
    os.environ["KIVY_NO_CONFIG"] = "1"
    kivy_home.mkdir(parents=True, exist_ok=True)
    from kivy.config import Config

    fullscreen, borderless = window_mode(ui, os.environ)
    Config.set("graphics", "fullscreen", fullscreen)
    Config.set("graphics", "borderless", borderless)
    if borderless == "1":
        Config.set("graphics", "position", "custom")
        Config.set("graphics", "left", "0")
        Config.set("graphics", "top", "0")
    Config.set("graphics", "width", str(ui.width))
    Config.set("graphics", "height", str(ui.height))
    Config.set("graphics", "resizable", "0")
    # The screens draw only rectangles and text: Kivy's default of 2 samples smooths
    # nothing and, drawn in software (Mesa llvmpipe), made each frame ~3x slower.
    Config.set("graphics", "multisamples", "0")
    Config.set("kivy", "exit_on_escape", "0")
    # A touchscreen has no pointer to show; a mouse plugged in for a test still works.
    Config.set("graphics", "show_cursor", "0" if ui.fullscreen else "1")
    Config.set("kivy", "log_level", "warning")
    # A right or ctrl click must not leave a simulated second finger (a red circle).
    Config.set("input", "mouse", "mouse,disable_multitouch")


def window_mode(ui: UiConfig, environ: Mapping[str, str]) -> tuple[str, str]:
    """Return Kivy's ``fullscreen`` and ``borderless`` settings for this screen.

    On an X server of its own (Xvfb, a desktop) a kiosk window is X11 fullscreen. Under a
    Wayland compositor (cage, which sets WAYLAND_DISPLAY), Kivy draws through Xwayland,
    and cage shows an X11 fullscreen window black (seen in the boot test, cage 0.1.4):
    there the window is borderless at the panel's configured size, and cage shows it
    alone on the screen.
    """
    if not ui.fullscreen:
        return "0", "0"
    if environ.get("WAYLAND_DISPLAY"):
        return "0", "1"
    return "auto", "0"
