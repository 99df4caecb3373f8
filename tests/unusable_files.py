"""Config files nobody can use, made the ways a kiosk's file goes wrong.

Tests run as root, who reads even a file of mode 000: the unreadable ones here are paths
nobody can open (a parent that is a file, a loop of symbolic links).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def _latin1_file(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_bytes('[kiosk]\nid = "bibliothèque-côte-des-neiges-02"\n'.encode("latin-1"))
    return path


def _folder(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.mkdir()
    return path


def _under_a_file(tmp_path: Path) -> Path:
    # ENOTDIR for everyone, root included.
    parent = tmp_path / "kiosk.toml"
    parent.write_text('[kiosk]\nid = "Éloïse Côté-Tremblay"\n', encoding="utf-8")
    return parent / "kiosk.toml"


def _symlink_loop(tmp_path: Path) -> Path:
    # ELOOP for everyone, root included.
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    return tmp_path / "a.toml"


UNUSABLE_FILES: dict[str, tuple[Callable[[Path], Path], list[str]]] = {
    "latin-1 bytes": (_latin1_file, ["not UTF-8", "line 2", "save it as UTF-8"]),
    "a folder": (_folder, ["is a folder", "TOML file"]),
    "a path under a file": (_under_a_file, ["cannot be read", "Not a directory"]),
    "a symlink loop": (_symlink_loop, ["cannot be read", "symbolic links"]),
}
"""Config files that cannot be used, each with the words its error must hold."""
