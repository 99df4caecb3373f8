"""How the kiosk's window is asked for, before Kivy makes it (no window needed here)."""

from __future__ import annotations

from dataclasses import replace

from kiosk_app.config import UiConfig
from kiosk_app.ui.kivy_setup import window_mode


def test_under_cage_the_kiosk_window_is_borderless_not_x11_fullscreen() -> None:
    # cage shows an X11 fullscreen window through Xwayland as a black screen: the boot
    # test's screenshot of the attract screen was all black until this.
    panel = UiConfig()
    assert window_mode(panel, {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}) == ("0", "1")


def test_on_an_x_server_of_its_own_the_kiosk_window_is_fullscreen() -> None:
    assert window_mode(UiConfig(), {"DISPLAY": ":99"}) == ("auto", "0")


def test_a_windowed_kiosk_stays_a_plain_window_anywhere() -> None:
    windowed = replace(UiConfig(), fullscreen=False)
    assert window_mode(windowed, {"WAYLAND_DISPLAY": "wayland-0"}) == ("0", "0")
    assert window_mode(windowed, {"DISPLAY": ":99"}) == ("0", "0")
