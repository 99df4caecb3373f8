"""The receipt's PNG preview, and the simulated printer that keeps it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from device_drivers.escpos import preview
from device_drivers.escpos.preview import receipt_image, receipt_png
from device_drivers.sim.printer import SimulatedPrinter
from transactions.devices import HealthStatus
from transactions.errors import DeviceError
from transactions.receipt import Divider, Heading, QrCode, Receipt, Row, Text

REFERENCE = "K-7Q4M-2XPD"


def french_receipt() -> Receipt:
    return Receipt(
        language="fr",
        reference=REFERENCE,
        blocks=(
            Heading("Reçu"),
            Text("Paiement d'amende à la borne de l'hôtel de ville"),
            Row("Payé par", "Éloïse Côté"),
            Row("Montant versé au ministère", "125,00 $"),
            Row("Total", "126,00 $", emphasis=True),
            Divider(),
            QrCode(REFERENCE),
            Text("Conservez ce reçu."),
        ),
    )


def opened(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_the_preview_is_a_narrow_tall_png_of_the_receipt() -> None:
    image = opened(receipt_png(french_receipt()))

    assert image.format == "PNG"
    assert 300 <= image.width <= 600, "about the width of 80 mm paper"
    assert image.height > image.width
    assert image.getextrema()[0] == 0, "there is ink on the paper"


def test_the_preview_draws_the_qr_code_and_the_logo() -> None:
    with_extras = receipt_image(french_receipt())
    without_logo = receipt_image(french_receipt(), logo=False)
    without_qr = receipt_image(
        Receipt(
            "fr", REFERENCE, tuple(b for b in french_receipt().blocks if not isinstance(b, QrCode))
        )
    )

    assert with_extras.height - without_logo.height >= 100, "the 104-dot logo on top"
    assert with_extras.height - without_qr.height >= 100, "the QR code"


@pytest.fixture
def no_dejavu(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setattr(preview, "FONT_DIR", tmp_path / "no-fonts")
    preview._font.cache_clear()
    yield
    preview._font.cache_clear()


@pytest.mark.usefixtures("no_dejavu")
def test_without_dejavu_the_preview_falls_back_to_pillows_font() -> None:
    image = opened(receipt_png(french_receipt()))

    assert image.height > image.width


def test_the_simulated_printer_keeps_the_last_receipts_png(tmp_path: Path) -> None:
    printer = SimulatedPrinter()
    assert printer.last_png is None

    printer.print_receipt(french_receipt())

    png = printer.last_png
    assert png is not None
    assert opened(png).height > opened(png).width
    assert len(printer.jobs) == 1
    path = printer.save_preview(tmp_path / "previews")
    assert path == tmp_path / "previews" / f"receipt-{REFERENCE}.png"
    assert path.read_bytes() == png


def test_the_simulated_printer_writes_each_preview_to_its_folder(tmp_path: Path) -> None:
    printer = SimulatedPrinter(preview_dir=tmp_path)

    printer.print_receipt(french_receipt())

    assert opened((tmp_path / f"receipt-{REFERENCE}.png").read_bytes()).format == "PNG"


def test_the_simulated_printer_reports_paper_out_as_down() -> None:
    printer = SimulatedPrinter()
    assert printer.health().status is HealthStatus.OK
    printer.paper_out = True

    with pytest.raises(DeviceError, match="paper out"):
        printer.print_receipt(french_receipt())

    assert printer.self_test().status is HealthStatus.DOWN
    assert printer.health().fix == "load paper"
    assert printer.jobs == []
    assert printer.last_png is None
