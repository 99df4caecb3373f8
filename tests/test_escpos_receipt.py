"""Receipts rendered to ESC/POS bytes and read back as the paper would show them."""

from __future__ import annotations

import pytest
from fakes import FakeTexts, build_kiosk
from hypothesis import given, settings
from hypothesis import strategies as st

from device_drivers.escpos.decode import decode_job
from device_drivers.escpos.render import COLUMNS, fold, render_receipt
from transactions.receipt import Divider, Heading, QrCode, Receipt, Row, Text

REFERENCE = "K-7Q4M-2XPD"
SELECT_CP863 = b"\x1bt\x04"  # ESC t 4


def french_receipt() -> Receipt:
    return Receipt(
        language="fr",
        reference=REFERENCE,
        blocks=(
            Heading("Reçu"),
            Text("Paiement d'amende à la borne, façade de l'hôtel de ville"),
            Row("Payé par", "Éloïse Côté"),
            Row("Montant versé au ministère", "125,00 $"),
            Row("Frais de la borne", "1,00 $"),
            Row("Total", "126,00 $", emphasis=True),
            Divider(),
            QrCode(REFERENCE),
            Text("Conservez ce reçu. Ça prouve que c'est payé à l'Ontario; hôte: ôté."),
        ),
    )


def test_a_french_receipt_prints_its_accents_exactly() -> None:
    data = render_receipt(french_receipt())

    job = decode_job(data)

    assert SELECT_CP863 in data
    assert data.index(SELECT_CP863) < data.index("Re".encode("ascii"))
    assert "Reçu" in job.lines
    assert "Paiement d'amende à la borne, façade de" in job.lines
    assert "Payé par" in job.text
    assert "Éloïse Côté" in job.text
    assert "Montant versé au ministère" in job.text
    assert "Ça prouve que c'est payé à l'Ontario; hôte: ôté." in " ".join(job.lines)
    assert "?" not in job.text
    assert "\ufffd" not in job.text


def test_amounts_are_right_aligned_on_the_label_line() -> None:
    job = decode_job(render_receipt(french_receipt()))

    total = next(line for line in job.lines if line.startswith("Total"))
    assert total.endswith("126,00 $")
    assert len(total) == COLUMNS


def test_the_qr_code_carries_the_reference_and_the_paper_is_cut() -> None:
    data = render_receipt(french_receipt())

    job = decode_job(data)

    assert job.qr_codes == [REFERENCE]
    assert job.cut
    assert decode_job(data[data.rindex(b"\x1dV") :]).lines == [], "nothing after the cut"
    assert "Conservez ce reçu." in job.text


def test_typographic_punctuation_is_folded_not_printed_as_question_marks() -> None:
    receipt = Receipt(
        "fr",
        REFERENCE,
        (Text("Payé — merci “Éloïse” ‘ok’ l’école – « fin »…\u00a0$ 12\u202f500"),),
    )

    job = decode_job(render_receipt(receipt))

    assert " ".join(job.lines) == 'Payé - merci "Éloïse" \'ok\' l\'école - " fin "... $ 12 500'


@pytest.mark.parametrize("word", ["cœur", "Œuvre"])
def test_french_ligatures_are_spelled_out_not_printed_as_question_marks(word: str) -> None:
    job = decode_job(render_receipt(Receipt("fr", REFERENCE, (Text(f"Main-d'{word}"),))))

    assert "?" not in job.text
    assert job.text == f"Main-d'{word.replace('œ', 'oe').replace('Œ', 'OE')}"


def test_long_labels_wrap_within_the_paper_width() -> None:
    label = "Montant versé au ministère des Transports de l'Ontario pour l'amende"
    receipt = Receipt(
        "fr",
        REFERENCE,
        (
            Heading("Borne de services gouvernementaux de l'Ontario"),
            Row(label, "1 234,50 $"),
            Row(label, "un très long texte de valeur qui ne laisse aucune place"),
            Text("Un paragraphe " * 12),
        ),
    )

    job = decode_job(render_receipt(receipt))

    assert all(len(line) <= COLUMNS for line in job.lines), job.lines
    heading = job.lines[: job.lines.index(next(x for x in job.lines if "Montant" in x))]
    assert all(len(line) <= COLUMNS // 2 for line in heading), "double width: half the columns"
    assert " ".join(heading) == "Borne de services gouvernementaux de l'Ontario"
    amount_line = next(line for line in job.lines if line.endswith("1 234,50 $"))
    assert len(amount_line) == COLUMNS
    assert " ".join(job.text.split()).count(label) == 2, "every word of the label is printed"


def test_a_fine_receipt_from_the_saga_prints_every_amount() -> None:
    kiosk = build_kiosk()
    record = kiosk.open_fine("10 004215873 1", "21-000560981-8")
    result = kiosk.runner().pay(record)
    assert result.receipt is not None

    job = decode_job(render_receipt(result.receipt))

    texts = FakeTexts()
    for label, cents in (
        ("receipt.ministry_amount", 15500),
        ("receipt.kiosk_fee", 100),
        ("receipt.total", 15600),
    ):
        line = next(line for line in job.lines if line.startswith(texts.text(label)))
        assert line.endswith(texts.money(cents))
    assert "Visa **** 4242" in job.text
    assert job.qr_codes == [record.reference]
    assert job.cut


# --- properties ------------------------------------------------------------------------

COMMAND_FRAGMENTS = st.sampled_from(
    [b"\x1b", b"\x1bt", b"\x1bt\x04", b"\x1bt\xff", b"\x1b!", b"\x1d", b"\x1dV", b"\x1dVA",
     b"\x1d(k", b"\x1d(k\x05\x001P0", b"\x1dv0\x00\xff\xff", b"\x10", b"\n", b"R\x87u", b"\x00"]
)  # fmt: skip


@settings(max_examples=100)
@given(st.one_of(st.binary(max_size=200), st.lists(COMMAND_FRAGMENTS, max_size=20).map(b"".join)))
def test_decoding_never_raises_on_any_bytes(data: bytes) -> None:
    job = decode_job(data)

    assert all(isinstance(line, str) for line in job.lines)
    assert all(isinstance(code, str) for code in job.qr_codes)


def _cp863_can_print(char: str) -> bool:
    try:
        char.encode("cp863")
    except UnicodeEncodeError:
        return False
    return True


PRINTABLE_LATIN_1 = [
    chr(code) for code in [*range(0x20, 0x7F), *range(0xA0, 0x100)] if _cp863_can_print(chr(code))
]


@settings(max_examples=100)
@given(st.text(alphabet=st.sampled_from(PRINTABLE_LATIN_1), max_size=150))
def test_any_text_cp863_can_print_comes_back_from_the_paper(text: str) -> None:
    job = decode_job(render_receipt(Receipt("fr", REFERENCE, (Text(text),))))

    assert all(len(line) <= COLUMNS for line in job.lines)
    # Wrapping may move, drop or add spaces at line ends; every other character stays.
    assert "".join(job.text.split()) == "".join(fold(text).split())
