"""Citizens complete the five form services by touching the real UI (Kivy under Xvfb).

Each service is played once by its built-in sample citizen against the sandbox over HTTP;
then one French visit (tests/scenarios/renewal_visit.py) covers a refusal, the language
switch, large text, spoken guidance and the satisfaction survey in a single launch.
"""

from __future__ import annotations

import re
import wave
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest
from kiosk_runs import run_scenario, walkthrough

from device_drivers.escpos.decode import decode_job
from ministry_sandbox.testing import SandboxClient
from offline_store.database import KioskDatabase
from offline_store.survey import SqliteSurveyLog
from transactions.survey import STATEMENTS

pytestmark = pytest.mark.ui

KIOSK_REFERENCE = re.compile(r"K-[A-Z0-9]{4}-[A-Z0-9]{4}")
KIOSK_FEE_CENTS = 100
OWNER_LICENCE = "C60234567890123"  # the sandbox's seeded owner of CBKR274, used by add_vehicle


@dataclass(frozen=True)
class PaidService:
    """A paid service as the ministry's ledger must show it once the citizen is done."""

    name: str
    program: str
    operation: str
    ministry_cents: int
    confirmation_prefix: str


PAID_SERVICES = [
    # Sample citizens (kiosk_app/samples/*.json) against the seeded sandbox records.
    PaidService("registration-renewal", "transport", "renew_registration", 11800, "R-"),
    PaidService("driver-record", "transport", "order_driver_record", 1200, "D-"),
    PaidService("personalized-plate", "transport", "order_personalized_plate", 32600, "P-"),
    PaidService("outdoor-card", "natural_resources", "renew_outdoor_card", 968, "N-"),
]


def backend_state(sandbox: SandboxClient, service: str) -> Any:
    """Return what the ministry holds that the sample citizen's visit should change."""
    if service == "registration-renewal":
        found = sandbox.get("/transport/v1/registrations/CBKR274", licence_number=OWNER_LICENCE)
        return found.json()["current_expiry"]
    if service == "personalized-plate":
        return sandbox.get("/transport/v1/personalized-plates/LOON42").json()["available"]
    if service == "outdoor-card":
        return sandbox.get("/natural-resources/v1/outdoor-cards/708158123456789").json()["expiry"]
    return None  # a driver's record changes nothing but the ledger


def years_later(before: str, after: str) -> int:
    return int(after[:4]) - int(before[:4])


def walk_sample_citizen(
    sandbox: SandboxClient, tmp_path: Path, service: str
) -> tuple[int, dict[str, Any], str]:
    """Walk ``service``'s sample citizen against ``sandbox``, keeping the receipt's bytes."""
    receipt = str(tmp_path / "receipt.bin")
    return walkthrough(
        tmp_path, None, "--backend", sandbox.url, "--receipt-out", receipt, service=service
    )


@pytest.mark.parametrize("service", PAID_SERVICES, ids=lambda s: s.name)
def test_a_citizen_completes_a_paid_service_by_touch_and_the_ministry_records_it(
    sandbox: SandboxClient, tmp_path: Path, service: PaidService
) -> None:
    before, state_before = len(sandbox.ledger()), backend_state(sandbox, service.name)
    code, report, stderr = walk_sample_citizen(sandbox, tmp_path, service.name)
    assert code == 0, stderr[-3000:]
    assert report["completed"]
    assert report["outcome"] == "done"
    assert KIOSK_REFERENCE.fullmatch(report["reference"])
    assert report["receipt_printed"]
    assert report["kiosk_state"] == "ok"

    # One transaction, charged once: authorize, the ministry's own record, capture.
    new = sandbox.ledger()[before:]
    assert [(e["program"], e["operation"]) for e in new] == [
        ("payments", "authorize"),
        (service.program, service.operation),
        ("payments", "capture"),
    ]
    assert len({e["idempotency_key"].split(":")[0] for e in new}) == 1
    authorize, posted, capture = new
    assert posted["amount_cents"] == service.ministry_cents
    total = service.ministry_cents + KIOSK_FEE_CENTS
    assert authorize["amount_cents"] == capture["amount_cents"] == total
    assert posted["reference"].startswith(service.confirmation_prefix)

    printed = decode_job((tmp_path / "receipt.bin").read_bytes())
    assert report["reference"] in printed.text
    assert posted["reference"] in printed.text  # the ministry's confirmation, to quote later
    assert authorize["reference"] in printed.text
    assert printed.cut

    state_after = backend_state(sandbox, service.name)
    if service.name == "registration-renewal":
        assert years_later(state_before, state_after) == 2  # the sample citizen picks 2 years
    elif service.name == "outdoor-card":
        assert years_later(state_before, state_after) == 3
    elif service.name == "personalized-plate":
        assert (state_before, state_after) == (True, False)  # LOON42 is the citizen's now


def test_a_citizen_changes_an_address_by_touch_and_both_programmes_record_it(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    before = len(sandbox.ledger())
    code, report, stderr = walk_sample_citizen(sandbox, tmp_path, "address-change")
    assert code == 0, stderr[-3000:]
    assert report["completed"]
    assert report["outcome"] == "done"
    assert KIOSK_REFERENCE.fullmatch(report["reference"])
    assert report["receipt_printed"]
    programmes = {p["programme"]: p for p in report["programmes"]}
    assert {name: p["status"] for name, p in programmes.items()} == {
        "health-card": "done",
        "drivers-licence": "done",
    }
    assert report["reference"] == programmes["health-card"]["reference"]

    # Free: no payment at all; each ministry recorded its own change.
    new = sandbox.ledger()[before:]
    assert sorted((e["program"], e["operation"], e["amount_cents"]) for e in new) == [
        ("health", "change_address", 0),
        ("transport", "change_address", 0),
    ]
    text = decode_job((tmp_path / "receipt.bin").read_bytes()).text
    for programme in programmes.values():
        assert programme["reference"] in text
    for entry in new:
        assert entry["reference"] in text
    assert "1450 rue Saint-Denis, app. 12" in text
    assert "H2X 3K8" in text
    assert "0,00 $" in text


# --- one French visit: refusal, language, large text, speech, survey ----------------------


@pytest.fixture(scope="module")
def visit(sandbox: SandboxClient, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Play tests/scenarios/renewal_visit.py once; return what it saw and what was stored."""
    vehicle = sandbox.add_vehicle(owner_licence_number=OWNER_LICENCE)
    stranger = sandbox.add_licence()
    data = tmp_path_factory.mktemp("renewal-visit")
    before = len(sandbox.ledger())
    seen = run_scenario(
        "renewal_visit",
        str(data),
        sandbox.url,
        vehicle["plate"],
        stranger["licence_number"],
        OWNER_LICENCE,
        timeout=300,
    )
    assert seen["completed"], f"the visit stopped: {seen['outcome']} ({seen['error']})"
    seen["ledger"] = sandbox.ledger()[before:]
    seen["licences"] = [stranger["licence_number"], OWNER_LICENCE]
    seen["names"] = [stranger["holder_name"], vehicle["owner_name"]]
    database = KioskDatabase(data / "kiosk.db")
    try:
        seen["survey_counts"] = [asdict(c) for c in SqliteSurveyLog(database).counts()]
        seen["survey_rows"] = list(database.db["survey_answers"].rows)
        seen["survey_columns"] = [c.name for c in database.db["survey_answers"].columns]
    finally:
        database.close()
    return seen


def test_a_licence_that_is_not_the_owners_sends_the_citizen_back_to_it_in_french(
    visit: dict[str, Any],
) -> None:
    wrong, _ = visit["licences"]
    assert visit["refused_step"] == "form"
    assert visit["refused_field"] == "licence_number"
    refused = visit["refused"]
    assert refused["question"] == "Numéro de permis de conduire"
    assert refused["message"].startswith(
        "Ce permis de conduire n'est pas celui du propriétaire du véhicule."
    )
    assert refused["typed"] == wrong  # kept on screen, ready to correct
    assert visit["erased"]["typed"].strip() == ""
    assert visit["erased"]["message"] == ""

    # Corrected, the visit ends well, and the refusal left nothing at the ministry.
    assert KIOSK_REFERENCE.fullmatch(visit["reference"])
    assert visit["receipt_printed"]
    assert [(e["program"], e["operation"]) for e in visit["ledger"]] == [
        ("payments", "authorize"),
        ("transport", "renew_registration"),
        ("payments", "capture"),
    ]


def test_switching_language_on_a_question_keeps_what_was_typed(visit: dict[str, Any]) -> None:
    wrong, _ = visit["licences"]
    french, english = visit["licence_typed_fr"], visit["licence_typed_en"]
    assert french["typed"] == english["typed"] == wrong[:6]
    assert french["question"] == "Numéro de permis de conduire"
    assert english["question"] == "Driver's licence number"
    assert english["language"] == "en"


def test_large_text_makes_the_text_larger_and_the_same_button_brings_it_back(
    visit: dict[str, Any],
) -> None:
    normal, large, back = visit["licence_typed_fr"], visit["large_text_on"], visit["large_text_off"]
    assert normal["text_scale"] == 1.0
    assert large["text_scale"] > 1.0
    assert large["question_font_size"] > normal["question_font_size"]
    assert (normal["large_text_button"], large["large_text_button"]) == (
        "Texte plus grand",
        "Texte normal",
    )
    assert back["text_scale"] == 1.0
    assert back["question_font_size"] == normal["question_font_size"]
    assert back["large_text_button"] == "Texte plus grand"
    assert back["typed"] == normal["typed"]


def test_the_survey_stores_one_answer_for_the_service_that_names_nobody(
    visit: dict[str, Any],
) -> None:
    assert not visit["statements_shown_before_rating"]
    assert visit["statements_shown_after_rating"]
    assert visit["survey_counts"] == [
        {
            "service": "registration-renewal",
            "answers": 1,
            "ratings": {"good": 1, "okay": 0, "poor": 0},
            "agreed": {"saves_time": 0, "would_use_again": 0, "easy": 1, "convenient_location": 0},
        }
    ]
    assert set(visit["survey_columns"]) == {"service", "month", "rating", *STATEMENTS, "answers"}
    stored = " ".join(str(value) for row in visit["survey_rows"] for value in row.values())
    identifying = [visit["reference"], visit["plate"], *visit["licences"], *visit["names"]]
    assert all(value not in stored for value in identifying)
    assert re.fullmatch(r"\d{4}-\d{2} registration-renewal good 0 0 1 0 1", stored)


def frames_of(path: Path) -> int:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes()


def test_listen_speaks_the_menu_in_french_and_then_every_screen_of_the_visit(
    visit: dict[str, Any],
) -> None:
    # No headset and no tap yet: the attract, language and menu screens said nothing.
    assert visit["spoken_before_listen"] == []
    assert visit["spoken_on_menu"] == [["fr", "Que voulez-vous faire? Touchez un service."]]
    language, text = visit["spoken_on_first_question"][1]
    assert language == "fr"
    assert text.startswith("Comment trouver votre véhicule?")
    assert "Avec le numéro de plaque" in text
    menu_wav, question_wav = (Path(p) for p in visit["wav_files"])
    assert menu_wav.name == "0001-fr.wav"
    assert question_wav.name == "0002-fr.wav"
    assert frames_of(menu_wav) > 0
    assert frames_of(question_wav) > 0

    # The guidance follows the citizen's language, and the next visit starts silent.
    assert [
        "en",
        "Driver's licence number. One letter and 14 digits, on the front of the licence.",
    ] in visit["spoken"]
    assert visit["utterances_after_finish"] == visit["utterances_before_finish"]
