"""Every screen reads well: both languages, portrait and landscape, normal and large text."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from kiosk_runs import KIOSK, kiosk_env, run_scenario
from PIL import Image

pytestmark = pytest.mark.ui

SIZES = {"1080x1920": (1080, 1920), "1920x1080": (1920, 1080)}
QUESTIONS = {
    "registration-renewal": ("lookup_by", "plate", "licence_number"),
    "address-change": (
        "programmes",
        "health_card",
        "licence_number",
        "street_number",
        "street_name",
        "unit",
        "city",
        "postal_code",
    ),
    "driver-record": ("licence_number", "date_of_birth"),
    "personalized-plate": ("plate_text", "licence_number"),
    "outdoor-card": ("outdoor_card",),
}
SHARED = (
    "attract",
    "language",
    "menu",
    "payment",
    "thank_you",
    "thank_you-rated",
    "out_of_service",
)


def expected_screens() -> set[str]:
    """Return the screens `kiosk screenshots` must photograph (names without number/language)."""
    screens = set(SHARED) | {"fine-notice_entry", "fine-notice_details", "fine-receipt"}
    for service, questions in QUESTIONS.items():
        screens |= {f"{service}-form-{question}" for question in questions}
        screens |= {f"{service}-review", f"{service}-receipt"}
    screens.add("registration-renewal-form-licence_number-refused")
    return screens


def test_every_screen_in_both_languages_and_orientations_has_nothing_cut_off(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [KIOSK, "screenshots", "--out", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        timeout=900,
        env=kiosk_env(),
        check=False,
    )
    report = json.loads(done.stdout)
    assert [size["size"] for size in report["sizes"]] == list(SIZES)
    for size in report["sizes"]:
        assert size["completed"], size
        assert size["problems"] == {}, json.dumps(size["problems"], indent=1, ensure_ascii=False)
    assert done.returncode == 0
    for name, (width, height) in SIZES.items():
        shots = sorted((tmp_path / name).glob("*.png"))
        by_language: dict[str, set[str]] = {"fr": set(), "en": set()}
        for shot in shots:
            stem, _, language = shot.stem.rpartition("-")
            by_language[language].add(stem.split("-", 1)[1])
        assert by_language["fr"] == by_language["en"] == expected_screens()
        with Image.open(shots[0]) as image:
            assert image.size == (width, height)


def test_the_layout_check_catches_cut_off_text_and_small_buttons(tmp_path: Path) -> None:
    seen = run_scenario("overflow_audit", str(tmp_path))
    assert seen["clean"] == []
    broken = "\n".join(seen["broken"])
    assert "GridLayout#services is partly off the screen" in broken  # the long name pushed it
    assert "TopBarButton#help 'Aide' needs 24" in broken  # its word is cut off
    assert "TopBarButton#help 'Aide' is 11.1 mm: a touch target needs 20.0 mm" in broken
