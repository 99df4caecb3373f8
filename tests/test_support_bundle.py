"""`kiosk logs bundle`: a support archive with canary personal data and secrets taken out."""

from __future__ import annotations

import json
import re
import subprocess
import tarfile
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kiosk_runs import KIOSK, kiosk_env
from sample_records import queued_fine

from admin_tools.support_bundle import luhn_ok, redact
from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal
from transactions.records import LineItem, TransactionRecord
from transactions.saga.states import SagaState

TODAY = date(2026, 12, 2)

CANARIES = {
    # what: (as a careless log line writes it, what must not be left of it)
    "card": ("4761739099887766", "4761739099887766"),
    "card, spaced": ("4761 7390 9988 7766", "4761739099887766"),
    "card, dotted": ("4111.1111.1111.1111", "4111111111111111"),
    "card, two spaces": ("5500  0000  0000  0004", "5500000000000004"),
    "card, after other digits": ("0042 3782-822463-10005", "378282246310005"),
    "card, glued to other digits": ("98764222222222222", "4222222222222"),
    "card, 19 digits": ("4000 1234 5678 9012 343", "4000123456789012343"),
    "health card": ("0000000050TS", "0000000050TS"),
    "health card, dashed, lowercase": ("1234-567-890-ab", "1234567890ab"),
    "health card, spaced": ("2345 678 901 CD", "2345678901CD"),
    "licence": ("O12345678901234", "O12345678901234"),
    "licence, lowercase": ("c6023-45678-90123", "c60234567890123"),
    "licence, spaced": ("P1234 56789 01234", "P12345678901234"),
    "Outdoors Card": ("708158 123 456 789", "708158123456789"),
    "Outdoors Card, compact": ("708158987654321", "708158987654321"),
    "Outdoors Card, dashed": ("708-158-246-813-579", "708158246813579"),
    "date of birth": ("date de naissance : 1987-03-14", "19870314"),
    "date of birth, day first": ("DOB 22/07/1979", "22071979"),
    "date of birth, in words": ("née le 3 février 1958", "3fevrier1958"),
    "date of birth, bare": ("1962-07-01", "19620701"),
    "URL credentials": ("https://eloise-admin:s3cret-Canari@fleet.example.ca/api", "eloiseadmin"),
    "URL token": ("http://ghp-7Q4M2XPD9K@127.0.0.1:8765/", "ghp7q4m2xpd9k"),
    "URL secret parameter": (
        "https://fleet.example.ca/v1?access_token=tok-Zoë-9f2c&n=1",
        "tokzoe9f2c",
    ),
    "postal code": ("h2l 2n5", "h2l2n5"),
    "e-mail": ("eloise.cote-tremblay@example.ca", "eloisecotetremblayexampleca"),
    "telephone": ("(514) 555-0199", "5145550199"),
}
"""Each form the redaction must take out, as a real bundle showed them (issue 13)."""

FLEET_TOKEN = "fleet-token-canary-7f3a9c"

HELD = {
    # name of the value an unfinished transaction holds: (as held, as a log line writes it)
    "holder": ("Éloïse Côté-Tremblay", "ÉLOÏSE CÔTÉ-TREMBLAY"),
    "holder, unaccented": ("Éloïse Côté-Tremblay", "eloise cote tremblay"),
    "street_name": ("rue du Canari-Zoë", "RUE DU CANARI ZOË"),
    "street_name, decomposed": ("chemin de l'Érablière-Brûlée",
                                unicodedata.normalize("NFD", "CHEMIN DE L’ÉRABLIÈRE BRÛLÉE")),
    "city": ("Saint-Jean-sur-Richelieu", "saint jean sur richelieu"),
    "postal_code": ("J3B 6Y9", "j3b6y9"),
    "identifier": ("C60234567890123", "C6023 45678 90123"),
    "notice": ("100042158731", "1000-4215-8731"),
}  # fmt: skip
"""What unfinished transactions hold, and the other forms a careless log line may give it."""

KEPT = (
    "2026-12-01 14:03:00,120",
    "2026-12-02T07:26:14Z",
    "1970-01-01T00:00:12Z",  # a kiosk whose clock was reset: support must see it
    "K-7Q4M-2XPD",
    "kivy 2.3.1",
    "127.0.0.1:8765",
    "port 35963",
    "took 1.250 s",
    "4321 ms",
    "expires 2027-03-31",
    "vehicle 2019",
    "posting drivers-licence",
    "order 5300872019446120",
    "epoch 1764660374123",
    "transaction 9d4c1e7b-4355-4bc9-ab18-049a0450b6df",
)
"""What a bundle must keep to stay useful: none of it is personal data."""


def _compact(text: str) -> str:
    """Return ``text`` without accents, case or separators, to find a value in any form."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[\s.\-_/'’:]", "", plain.casefold())


def _address_change(transaction_id: str) -> TransactionRecord:
    held = {name: value for name, (value, _) in HELD.items()}
    return TransactionRecord(
        transaction_id=transaction_id, service="address-change", language="fr",
        state=SagaState.POST_QUEUED, items=(LineItem("drivers-licence", 0),), kiosk_fee_cents=0,
        reference="K-7Q4M-2XPD", created_at="2026-11-22T14:03:00+00:00",
        posting_data=(("identifier", held["identifier"]), ("street_number", "4521"),
                      ("street_name", held["street_name"]), ("unit", "app. 12"),
                      ("city", held["city"]), ("province", "QC"),
                      ("postal_code", held["postal_code"]), ("holder", held["holder"])),
    )  # fmt: skip


def _street_change(transaction_id: str) -> TransactionRecord:
    return TransactionRecord(
        transaction_id=transaction_id, service="address-change", language="en",
        state=SagaState.POST_QUEUED, items=(LineItem("health-card", 0),), kiosk_fee_cents=0,
        reference="K-9R2T-4WBN", created_at="2026-11-22T14:05:00+00:00",
        posting_data=(("street_name", HELD["street_name, decomposed"][0]),),
    )  # fmt: skip


def test_a_bundle_holds_the_logs_config_and_diagnostics_without_any_canary(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    token = tmp_path / "fleet.token"
    token.write_text(FLEET_TOKEN + "\n", encoding="utf-8")
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\ndata_dir = "{data}"\n[fleet]\nurl = "http://127.0.0.1:9"\n'
        f'token_file = "{token}"\n',
        encoding="utf-8",
    )
    database = KioskDatabase(data / "kiosk.db")
    journal = SqliteJournal(database)
    journal.open_transaction(queued_fine("t-1", (("holder", HELD["holder"][0]),)))
    journal.open_transaction(_address_change("t-2"))
    journal.open_transaction(_street_change("t-3"))
    database.close()
    key = (data / "kiosk.key").read_text(encoding="utf-8").strip()
    careless = [written for written, _ in CANARIES.values()]
    careless += [written for _, written in HELD.values()]
    (data / "kiosk.log").write_text(
        "2026-12-01 14:03:00,120 ERROR kiosk: a careless line: "
        + "; ".join(careless)
        + f"; {FLEET_TOKEN}; key {key}\n"
        + "2026-12-01 14:03:01,007 INFO kiosk: kept: "
        + "; ".join(KEPT)
        + "\n",
        encoding="utf-8",
    )

    out = tmp_path / "support.tar.gz"
    done = subprocess.run(
        [KIOSK, "logs", "bundle", "--out", str(out), "--config", str(config)],
        capture_output=True, text=True, timeout=120, env=kiosk_env(), check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with tarfile.open(out) as archive:
        members = {m.name.removeprefix("kiosk-support/"): archive.extractfile(m).read()  # type: ignore[union-attr]
                   for m in archive.getmembers()}  # fmt: skip
    assert set(members) == {"journal.log", "config.toml", "diagnostics.json", "outbox.json",
                            "versions.txt", "logs/kiosk.log"}  # fmt: skip
    everything = b"\n".join(members.values()).decode()
    for what, (_, leak) in CANARIES.items():
        assert _compact(leak) not in _compact(everything), what
    for what, (held, _) in HELD.items():
        assert _compact(held) not in _compact(everything), what
    assert key not in everything
    assert FLEET_TOKEN not in everything
    log = members["logs/kiosk.log"].decode()
    assert "a careless line" in log  # the line is kept, its data taken out
    assert "[card number]" in log
    for kept in KEPT:
        assert kept in log, kept
    assert json.loads(members["diagnostics.json"])["verdict"] in ("ok", "degraded", "down")
    assert "depth" in json.loads(members["outbox.json"])
    assert (out.stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize("what", CANARIES)
def test_each_form_of_personal_data_is_taken_out_of_a_line(what: str) -> None:
    written, leak = CANARIES[what]
    line = f"2026-12-02T07:26:14Z kiosk-ui[812]: posting K-7Q4M-2XPD with {written}; retrying"
    redacted = redact(line, today=TODAY)
    assert _compact(leak) not in _compact(redacted)
    assert redacted.startswith("2026-12-02T07:26:14Z kiosk-ui[812]: posting K-7Q4M-2XPD with ")
    assert redacted.endswith("; retrying")


@pytest.mark.parametrize("what", HELD)
def test_a_value_held_for_an_unfinished_transaction_is_taken_out_whatever_its_form(
    what: str,
) -> None:
    held, written = HELD[what]
    redacted = redact(f"address for {written}, app. 12, queued", [held], today=TODAY)
    assert redacted == "address for [redacted], app. 12, queued"


def test_the_useful_parts_of_log_lines_are_kept() -> None:
    line = "; ".join(KEPT)
    assert redact(line, ["drivers-licence", "fine"], today=TODAY) == line


def test_a_held_value_is_taken_out_only_as_a_whole_word() -> None:
    known = ["Anne Roy", "Laval", "4521"]
    assert redact("Joanne Royer from Lavalle, port 45210", known, today=TODAY) == (
        "Joanne Royer from Lavalle, port 45210"
    )
    assert redact("ANNE  ROY moved to laval", known, today=TODAY) == (
        "[redacted] moved to [redacted]"
    )


def test_a_secret_of_several_lines_is_taken_out_line_by_line() -> None:
    secret = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEF\nAASCBKcwggSjAgEAAoIBAQC7\n"
    text = f"2026-12-02T07:26:14Z kiosk-agent[77]: loaded\n{secret}done\n"
    assert redact(text, [secret.strip()], today=TODAY) == (
        "2026-12-02T07:26:14Z kiosk-agent[77]: loaded\n"
        "-----[redacted]-----\n[redacted]\n[redacted]\ndone\n"
    )


def test_a_street_address_goes_whole_while_its_number_alone_stays() -> None:
    known = ["4521", "rue du Canari-Zoë", "app. 12", "QC", "Saint-Jean-sur-Richelieu", "J3B 6Y9"]
    line = "moved to 4521, RUE DU CANARI-ZOË app. 12, saint-jean-sur-richelieu qc  j3b 6y9"
    assert redact(f"{line}; port 4521, QC office", known, today=TODAY) == (
        "moved to [redacted] [redacted], [redacted]; port 4521, QC office"
    )


def test_dates_are_taken_out_next_to_a_word_for_birth_or_when_old_enough_to_be_one() -> None:
    # A date with a time part is an event (a log line, a clock reset to 1970) and is kept;
    # a date without one is taken out when it lies 16 to 120 years back, as the dates of
    # birth the kiosk asks for do; next to a word for birth, any date is taken out.
    assert redact("birth_date=1987-03-14T00:00:00", today=TODAY) == "birth_date=[date of birth]"
    assert redact('{"date_of_birth": "19870314"}', today=TODAY) == (
        '{"date_of_birth": "[date of birth]"}'
    )
    assert redact("born March 14, 1987 in Gaspé", today=TODAY) == ("born [date of birth] in Gaspé")
    assert redact("checked 14.03.1987 against the licence", today=TODAY) == (
        "checked [date of birth] against the licence"
    )
    assert redact("fine due 2026-12-15, card expiry 2029/04/30", today=TODAY) == (
        "fine due 2026-12-15, card expiry 2029/04/30"
    )
    assert redact("renewed 2016-11-30 (10 years ago)", today=TODAY) == (
        "renewed 2016-11-30 (10 years ago)"
    )


def test_only_digit_runs_that_pass_luhn_are_taken_for_card_numbers() -> None:
    assert luhn_ok("4761739099887766")
    assert not luhn_ok("4761739099887767")
    # 16 digits, and none of their 13-19-digit windows passes
    assert redact("order 5300872019446120 kept") == "order 5300872019446120 kept"
    assert redact("transaction 9d4c1e7b-4355-4bc9-ab18-049a0450b6df") == (
        "transaction 9d4c1e7b-4355-4bc9-ab18-049a0450b6df"
    )


def test_only_the_card_window_of_a_longer_digit_run_is_taken_out() -> None:
    assert redact("ref 0037 4761 7390 9988 7766; ok", today=TODAY) == ("ref 0037 [card number]; ok")
    # 42 before a card number keeps the Luhn sum: that longer window is a card number too
    assert redact("ref 0042 4761 7390 9988 7766; ok", today=TODAY) == "ref 00[card number]; ok"


def _with_check_digit(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


@settings(max_examples=300, deadline=None)  # a busy machine must not fail it
@given(
    body=st.text("0123456789", min_size=12, max_size=18).map(lambda s: "4" + s[1:]),
    separators=st.lists(st.sampled_from(["", "", " ", "  ", ".", "-", " - "]), min_size=19,
                        max_size=19),
    before=st.text("0123456789 ", max_size=6),
)  # fmt: skip
def test_a_card_number_never_survives_whatever_its_separators(
    body: str, separators: list[str], before: str
) -> None:
    number = _with_check_digit(body)
    written = "".join(d + s for d, s in zip(number, separators, strict=False)).rstrip(" .-")
    redacted = redact(f"paid with {before}{written} today", today=TODAY)
    assert number not in re.sub(r"[\s.\-]", "", redacted)


@settings(max_examples=200, deadline=None)
@given(
    when=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2099, 12, 31)),
    separator=st.sampled_from(["T", " "]),
)
def test_a_timestamp_with_a_time_part_is_kept_whatever_its_year(
    when: datetime, separator: str
) -> None:
    line = f"{when.isoformat(separator, 'seconds')}Z kiosk-agent[77]: outbox depth 3"
    assert redact(line, today=TODAY) == line
