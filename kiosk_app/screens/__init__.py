"""One folder per screen: ``screen.py`` renders the view model, ``screen.kv`` lays it out."""

from __future__ import annotations

SCREENS = (
    "attract",
    "language",
    "menu",
    "notice_entry",
    "notice_details",
    "form",
    "review",
    "payment",
    "receipt",
    "thank_you",
    "out_of_service",
)
"""Screen names, in visit order (then the out-of-service screen); each is a package here and
a ``Step`` of the session."""
