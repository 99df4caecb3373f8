"""Render a receipt document to ESC/POS bytes; pure, no printer needed.

French needs an explicit code page: CP863 (Canadian French, ``ESC t 4`` on Epson
TM-series per the ESC/POS reference) prints é, è, ç, à, ô correctly, whereas the default
page prints "Reçu" as garbage. Typographic characters absent from CP863 are folded to
their plain equivalents first.

The optional logo at the top is a monochrome PNG shipped in the package, sent as a raster
bit image (``GS v 0``, python-escpos's ``bitImageRaster``) centred on the TM-T88V's 512-dot
line.
"""

from __future__ import annotations

import functools
import textwrap
from importlib import resources

from escpos.printer import Dummy
from PIL import Image

from transactions.receipt import Divider, Heading, QrCode, Receipt, Row, Text

CODE_PAGE = "CP863"
PROFILE = "TM-T88V"
COLUMNS = 42
"""Characters per line in font A on 80 mm paper (TM-T88V)."""
LOGO = "assets/logo.png"

_FOLD = str.maketrans(
    {
        "—": "-",
        "–": "-",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "…": "...",
        "œ": "oe",  # French (cœur, main-d'œuvre); CP863 has no œ/Œ
        "Œ": "OE",
        "\u00a0": " ",
        "\u202f": " ",
    }
)


def fold(text: str) -> str:
    """Return ``text`` with characters CP863 lacks replaced by plain ones."""
    return text.translate(_FOLD)


def logo_image() -> Image.Image:
    """Return the logo printed at the top of receipts (1-bit, 384 dots wide)."""
    return _logo().copy()


@functools.cache
def _logo() -> Image.Image:
    with (
        resources.as_file(resources.files("device_drivers.escpos") / LOGO) as path,
        Image.open(path) as image,
    ):
        return image.convert("1")


def render_receipt(receipt: Receipt, columns: int = COLUMNS, *, logo: bool = False) -> bytes:
    """Return the ESC/POS bytes that print ``receipt`` (with the logo on top) and cut."""
    printer = Dummy(profile=PROFILE)
    printer.hw("INIT")
    printer.charcode(CODE_PAGE)
    if logo:
        printer.image(logo_image(), center=True)
    for block in receipt.blocks:
        match block:
            case Heading(text):
                printer.set(align="center", bold=True, double_height=True, double_width=True)
                for line in textwrap.wrap(fold(text), columns // 2):
                    printer.textln(line)
                printer.set(align="left", bold=False, normal_textsize=True)
            case Text(text):
                for line in textwrap.wrap(fold(text), columns) or [""]:
                    printer.textln(line)
            case Row(label, value, emphasis):
                printer.set(bold=emphasis)
                for line in row_lines(fold(label), fold(value), columns):
                    printer.textln(line)
                printer.set(bold=False)
            case Divider():
                printer.textln("-" * columns)
            case QrCode(data):
                printer.set(align="center")
                printer.qr(data, native=True, size=6)
                printer.set(align="left")
    printer.cut()
    return bytes(printer.output)


def row_lines(label: str, value: str, columns: int) -> list[str]:
    """Lay out a label and a right-aligned value, wrapping either when needed."""
    room = columns - len(value) - 1
    if room >= 8:
        wrapped = textwrap.wrap(label, room) or [""]
        return [*wrapped[:-1], wrapped[-1].ljust(room) + " " + value]
    values = textwrap.wrap(value, columns) or [""]
    return [*textwrap.wrap(label, columns), *(line.rjust(columns) for line in values)]


def self_test_page(columns: int = COLUMNS) -> Receipt:
    """Return the bilingual test page a technician prints from the self-test."""
    return Receipt(
        language="fr",
        reference="TEST",
        blocks=(
            Heading("Page de test / Test page"),
            Text("Imprimante prête. / Printer ready."),
            Text("àâçéèêëîïôùûü ÀÂÇÉÈÊËÎÏÔÙÛÜ"),
            Divider(),
            Row("Colonnes / Columns", str(columns)),
            Row("Page de code / Code page", CODE_PAGE),
            Text("1234567890" * (columns // 10) + "1234567890"[: columns % 10]),
            QrCode("TEST"),
        ),
    )
