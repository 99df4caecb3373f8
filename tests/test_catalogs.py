"""French and English are complete: every text the kiosk shows comes from both catalogs."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from kiosk_app.i18n import LANGUAGES, Translator, catalog
from kiosk_app.messages import KNOWN_ERRORS

ROOT = Path(__file__).resolve().parent.parent
KEY = r"[a-z_]+(?:\.[a-z0-9_]+)+"
# Same in both languages on purpose: names of card brands and of the languages themselves.
SAME_IN_BOTH = {
    "receipt.date",
    "card.brand.visa",
    "card.brand.mastercard",
    "card.brand.amex",
    "card.brand.interac",
    "form.province.nu",  # Nunavut in both languages
    # Templates made only of placeholders and symbols.
    "review.option",
    "speech.form",
}


NOT_UI = {"config.py", "cli.py"}  # dotted config keys and file names, not message ids


def keys_used_in_code() -> set[str]:
    """Return message ids named literally in the kiosk's Python and kv files."""
    used: set[str] = set()
    for path in [
        *ROOT.glob("kiosk_app/**/*.kv"),
        *ROOT.glob("kiosk_app/**/*.py"),
        *ROOT.glob("transactions/**/*.py"),
    ]:
        if path.name in NOT_UI:
            continue
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(rf"""(?:tr|text)\(\s*['"]({KEY})['"]""", text))
        used |= set(
            re.findall(r"""['"]((?:receipt_screen|receipt|error|card)\.[a-z0-9_.]+)['"]""", text)
        )
    return {key for key in used if "{" not in key}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_the_code_uses_is_in_both_catalogs() -> None:
    used = keys_used_in_code()
    assert len(used) > 40
    for language in LANGUAGES:
        missing = sorted(used - set(catalog(language)))
        assert not missing, f"missing in {language}: {missing}"


def test_keys_built_at_run_time_exist_for_every_jurisdiction_and_card_brand() -> None:
    from transactions.fines.notices import JURISDICTIONS
    from transactions.payment import CARD_BRANDS

    for language in LANGUAGES:
        for jurisdiction in JURISDICTIONS.values():
            assert catalog(language).get(f"receipt.fine.jurisdiction.{jurisdiction}")
        for brand in CARD_BRANDS:
            assert catalog(language).get(f"card.brand.{brand}")


def keys_of_the_service_screens() -> set[str]:
    """Return the message ids the form, review, receipt and survey screens build at run time."""
    from typing import Any

    from kiosk_app.flows.address_change import AddressChangeFlow
    from kiosk_app.flows.driver_record import DriverRecordFlow
    from kiosk_app.flows.form import option_key
    from kiosk_app.flows.keyboard import ROWS, key_label
    from kiosk_app.flows.outdoor_card import OutdoorCardFlow
    from kiosk_app.flows.plates import PlateFlow
    from kiosk_app.flows.registration import RegistrationFlow
    from kiosk_app.screens.receipt.screen import NOTES
    from kiosk_app.session_view import Step
    from transactions.address_change import PROGRAMME_TEXTS, REFUSAL_TEXTS, Status
    from transactions.survey import RATINGS, STATEMENTS

    unused: Any = None
    flows = [
        RegistrationFlow(unused),
        AddressChangeFlow(unused, unused, unused),
        DriverRecordFlow(unused, unused),
        PlateFlow(unused),
        OutdoorCardFlow(unused),
    ]
    every_branch = [
        {"lookup_by": "notice", "programmes": "health-card,drivers-licence,outdoor-card"},
        {"lookup_by": "plate", "postal_code": "X0A 0H0"},
    ]
    keys: set[str] = set()
    for flow in flows:
        for answers in every_branch:
            for field in flow.fields(answers):
                keys |= {f"form.{field.name}.title", f"form.{field.name}.hint"}
                keys |= {option_key(field, option) for option in field.options}
                kind = field.keyboard
                if kind is not None:
                    worded = {n for row in ROWS[kind] for n in row if not key_label(n, kind)}
                    keys |= {f"keyboard.{name}" for name in worded}
    keys |= {f"speech.{step.value}" for step in Step}
    keys |= {f"survey.rating.{rating}" for rating in RATINGS}
    keys |= {f"survey.statement.{statement}" for statement in STATEMENTS}
    keys |= {f"receipt_screen.outcome.{status.value}" for status in Status}
    keys |= set(NOTES.values()) | set(PROGRAMME_TEXTS.values()) | set(REFUSAL_TEXTS.values())
    return keys


def test_every_question_option_key_and_spoken_text_is_in_both_catalogs() -> None:
    keys = keys_of_the_service_screens()
    assert len(keys) > 60
    for language in LANGUAGES:
        missing = sorted(keys - set(catalog(language)))
        assert not missing, f"missing in {language}: {missing}"


def test_every_error_the_citizen_can_meet_has_a_message() -> None:
    for language in LANGUAGES:
        for code in (*KNOWN_ERRORS, "generic"):
            assert catalog(language).get(f"error.{code}"), f"error.{code} in {language}"


def test_both_catalogs_have_the_same_keys_all_translated() -> None:
    french, english = catalog("fr"), catalog("en")
    assert set(french) == set(english)
    untranslated = [k for k in french if not french[k] or not english[k]]
    assert not untranslated
    same = sorted(k for k in french if french[k] == english[k] and k not in SAME_IN_BOTH)
    assert not same, f"identical in both languages (untranslated?): {same}"


@pytest.mark.parametrize("key", sorted(catalog("fr")))
def test_placeholders_match_between_languages(key: str) -> None:
    assert placeholders(catalog("fr")[key]) == placeholders(catalog("en")[key])


def test_no_literal_text_in_kv_files() -> None:
    literal = []
    for path in ROOT.glob("kiosk_app/**/*.kv"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = re.match(r"\s*text:\s*(.+)", line)
            value = match.group(1) if match else ""
            if re.search(r"""['"][A-Za-zÀ-ÿ]{2,}""", value) and "app.tr(" not in value:
                literal.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not literal, "\n".join(literal)


def test_money_and_dates_follow_each_language() -> None:
    fr, en = Translator("fr"), Translator("en")
    assert fr.money(12600).replace("\u00a0", " ") == "126,00 $"
    assert en.money(12600) == "$126.00"
    assert fr.date("2026-12-15") == "15 décembre 2026"
    assert en.date("2026-12-15") == "December 15, 2026"
    assert "déc." in fr.timestamp("2026-12-15T19:30:00+00:00")
    assert "14 h 30" in fr.timestamp("2026-12-15T19:30:00+00:00")  # Toronto time, French style


def test_a_missing_key_shows_the_key_rather_than_crashing() -> None:
    assert Translator("fr").text("no.such.key") == "no.such.key"


def test_every_code_the_domain_raises_has_a_message_or_is_internal() -> None:
    from kiosk_app.messages import INTERNAL_ERRORS

    raised = set()
    for path in ROOT.glob("transactions/**/*.py"):
        text = path.read_text(encoding="utf-8")
        raised |= set(re.findall(r'(?:code|reason)="([a-z_]+)"', text))
        raised |= set(re.findall(r'"(plate_[a-z_]+|[a-z_]+_(?:missing|too_long))"', text))
    raised -= {"backend_timeout"}  # mapped to "the service is not answering"
    unexplained = sorted(raised - KNOWN_ERRORS - INTERNAL_ERRORS - {"plate_text_invalid"})
    assert not unexplained, f"codes with no message for the citizen: {unexplained}"


def test_every_refusal_the_backends_can_send_has_a_message() -> None:
    refusals = set()
    for path in ROOT.glob("ministry_sandbox/*.py"):
        found = re.findall(r'SandboxError\(\s*(40[49]),\s*"([a-z_]+)"', path.read_text("utf-8"))
        refusals |= {code for _status, code in found}
    assert {"vehicle_not_owned", "unpaid_fines", "card_expired", "plate_taken"} <= refusals
    # 404 and 409 are refusals the citizen can act on; each needs its own message.
    # The gateway's authorization refusals are handled by the saga (void, retry, list for
    # technicians) and "not_found" is an unknown URL: none of them reaches a citizen.
    not_for_citizens = {
        "not_found",
        "authorization_not_found",
        "authorization_not_capturable",
        "authorization_not_voidable",
    }
    missing = sorted(refusals - KNOWN_ERRORS - not_for_citizens)
    assert not missing, f"refusals with no message for the citizen: {missing}"
