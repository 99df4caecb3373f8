"""The documents keep their word: every relative link and anchor resolves, every path under
/etc/kiosk they name is one the installer makes, every unit's documentation is installed, and
`kiosk --help` says what the kiosk does now."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from doc_checks import anchor, anchors, broken_links, etc_kiosk_paths

from kiosk_app.cli import build_parser
from transactions.services import SERVICES

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("docs", "systemd", "ministry_sandbox", "device_drivers", "kiosk_app", "admin_tools")
DOCUMENTS = sorted(
    [ROOT / "README.md", *(p for folder in FOLDERS for p in (ROOT / folder).rglob("*.md"))]
)
USER_DOCUMENTS = [
    ROOT / "README.md",
    ROOT / "systemd" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
"""What a technician or an installer reads: their /etc/kiosk paths must be the installed ones."""
SERVICE_WORDS = {
    "registration-renewal": "vehicle registration",
    "fine": "fines",
    "address-change": "address",
    "driver-record": "driver's record",
    "personalized-plate": "personalized plate",
    "outdoor-card": "Outdoors Card",
}
"""How `kiosk --help` names each service the kiosk sells."""


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stage a kiosk with the real install script; return the root it was staged in."""
    root = tmp_path_factory.mktemp("installed") / "root"
    done = subprocess.run(
        [str(ROOT / "systemd" / "install-kiosk.sh"), "--root", str(root),
         "--bin", str(ROOT / ".venv" / "bin"), "--no-packages", "--no-enable"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return root


def test_the_anchor_of_a_heading_is_the_one_github_gives_it() -> None:
    assert anchor("Seeded data (fines)") == "seeded-data-fines"
    assert anchor("Fines (`/fines/v1`)") == "fines-finesv1"
    assert anchor("Réparer l'imprimante d'Éloïse Côté-Tremblay, app. 12") == (
        "réparer-limprimante-déloïse-côté-tremblay-app-12"
    )
    assert anchor("The [outbox](README.md#the-outbox): `storage_busy`") == "the-outbox-storage_busy"


def test_a_repeated_heading_gets_a_numbered_anchor_and_code_is_no_heading(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Borne du 1450, rue Saint-Denis\n## Imprimante\n## Imprimante\n"
        "```sh\n# not a heading\n```\n",
        encoding="utf-8",
    )
    assert anchors(page) == {"borne-du-1450-rue-saint-denis", "imprimante", "imprimante-1"}


def test_a_link_to_a_missing_file_or_heading_is_reported(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("## Code postal h2x 3k8\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#code-postal-h2x-3k8) [gone](other.md#seeded-data) [none](missing.md)\n"
        "[web](https://example.org/#x) `[code](nowhere.md)` [here](#nowhere)\n",
        encoding="utf-8",
    )
    assert broken_links(page) == [
        "page.md:1: other.md#seeded-data (no such heading)",
        "page.md:1: missing.md (no such file)",
        "page.md:2: #nowhere (no such heading)",
    ]


@pytest.mark.parametrize("document", DOCUMENTS, ids=_name)
def test_every_relative_link_and_anchor_in_the_documents_resolves(document: Path) -> None:
    assert broken_links(document) == []


def test_kiosk_help_says_what_the_kiosk_does_now_every_service_it_sells() -> None:
    assert set(SERVICE_WORDS) == set(SERVICES)
    description = build_parser().description or ""
    assert [s for s, words in SERVICE_WORDS.items() if words not in description] == []


def _etc_kiosk_paths() -> Iterator[tuple[str, str]]:
    for document in USER_DOCUMENTS:
        for path in sorted(etc_kiosk_paths(document)):
            yield _name(document), path


def test_every_path_under_etc_kiosk_in_the_documents_is_one_the_installer_makes(
    installed: Path,
) -> None:
    named = list(_etc_kiosk_paths())
    assert ("README.md", "/etc/kiosk/credentials") in named
    missing = [(document, path) for document, path in named if not (installed / path[1:]).exists()]
    assert missing == []


def test_every_units_documentation_names_a_file_the_installer_puts_in_place(
    installed: Path,
) -> None:
    missing = []
    for template in sorted((ROOT / "systemd").glob("*.service.in")):
        for line in template.read_text(encoding="utf-8").splitlines():
            if not line.startswith("Documentation="):
                continue
            for uri in line.removeprefix("Documentation=").split():
                if uri.startswith("file:"):
                    path = uri.removeprefix("file:").replace("@PREFIX@", "/opt/kiosk")
                    if not (installed / path.lstrip("/")).is_file():
                        missing.append(f"{template.name}: {uri}")
    assert missing == []
