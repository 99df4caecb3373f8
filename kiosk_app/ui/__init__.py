"""The Kivy side of the kiosk: only this package (and screens/) imports Kivy."""
