"""The kiosk software's release number, as every command, sample and report shows it.

The one source is ``version`` in pyproject.toml (bumped with a CHANGELOG.md entry per
release); installing the project writes it into the package's metadata, read here. Git tags
are not a source: CI's clone has none, and an installed kiosk has no repository.
"""

from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "gov-kiosk"
"""The name the project is installed under (pyproject.toml's ``name``)."""


def software_version() -> str:
    """Return the installed kiosk software's version, or ``unknown`` when not installed."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"
