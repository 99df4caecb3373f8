"""The layout is the architecture: imports point one way, and the core stays pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = {
    "kiosk_app",
    "transactions",
    "device_drivers",
    "offline_store",
    "admin_tools",
    "ministry_sandbox",
}
HARDWARE_UI_STORAGE = {"kivy", "smartcard", "serial", "escpos", "sqlite_utils", "sqlite3"}

# package -> project packages it may import (ARCHITECTURE.md, "who may import whom")
ALLOWED = {
    "transactions": {"transactions"},
    "device_drivers": {"device_drivers", "transactions"},
    "offline_store": {"offline_store", "transactions"},
    "admin_tools": {"admin_tools", "transactions", "device_drivers", "offline_store"},
    "ministry_sandbox": {"ministry_sandbox"},
    "kiosk_app": PROJECT,
}


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Return (line, top-level module) for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_the_layers_below_it(package: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in modules(package)
        for line, name in imports_of(path)
        if name in PROJECT and name not in ALLOWED[package]
    ]
    assert not wrong, "imports against ARCHITECTURE.md:\n" + "\n".join(wrong)


def test_the_domain_core_imports_no_ui_hardware_or_storage_library() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in modules("transactions")
        for line, name in imports_of(path)
        if name in HARDWARE_UI_STORAGE
    ]
    assert not wrong, "\n".join(wrong)


def test_only_the_ministry_clients_use_requests() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in modules("transactions")
        for line, name in imports_of(path)
        if name == "requests" and "ministries" not in path.parts
    ]
    assert not wrong, "requests outside transactions/ministries/: " + ", ".join(wrong)


def test_only_kiosk_app_touches_kivy() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in ALLOWED
        if package != "kiosk_app"
        for path in modules(package)
        for line, name in imports_of(path)
        if name == "kivy"
    ]
    assert not wrong, "Kivy outside kiosk_app/: " + ", ".join(wrong)
