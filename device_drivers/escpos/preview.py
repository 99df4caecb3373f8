"""Render a receipt as a PNG that looks like the paper, for the simulator and the demo.

The layout follows the ESC/POS renderer (same columns, same wrapping, same folded
characters), drawn in a monospace font with the French accents: DejaVu Sans Mono (Debian's
``fonts-dejavu-core``), or Pillow's default font when it is missing.
"""

from __future__ import annotations

import functools
import io
import logging
import textwrap
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from device_drivers.escpos.render import COLUMNS, fold, logo_image, row_lines
from transactions.receipt import Divider, Heading, QrCode, Receipt, Row, Text

logger = logging.getLogger(__name__)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR, BOLD = "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"
FONT_SIZE = 16
MARGIN = 18
PAPER, INK = 255, 0

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@functools.cache
def _font(name: str, size: int) -> Font:
    """Return the named DejaVu font, or Pillow's default when it is not installed."""
    try:
        return ImageFont.truetype(str(FONT_DIR / name), size)
    except OSError:
        logger.warning("font %s not found; the preview uses Pillow's default font", name)
        return ImageFont.load_default(size)


class _Paper:
    """Pieces of paper stacked top to bottom, all the receipt's width."""

    def __init__(self, columns: int) -> None:
        self.font = _font(REGULAR, FONT_SIZE)
        self.columns = columns
        self.char_width = self.font.getlength("0")
        self.width = round(columns * self.char_width) + 2 * MARGIN
        self.pieces: list[Image.Image] = []

    def line(self, text: str, *, bold: bool = False, scale: int = 1, center: bool = False) -> None:
        """Add one line of text (``scale`` 2 for double width and height, as headings)."""
        font = _font(BOLD if bold else REGULAR, FONT_SIZE * scale)
        ascent, descent = font.getmetrics() if isinstance(font, ImageFont.FreeTypeFont) else (12, 4)
        piece = Image.new("L", (self.width, ascent + descent + 4 * scale), PAPER)
        left = MARGIN
        if center:
            left = max(MARGIN, round((self.width - font.getlength(text)) / 2))
        ImageDraw.Draw(piece).text((left, 2 * scale), text, font=font, fill=INK)
        self.pieces.append(piece)

    def image(self, image: Image.Image, space: int = 8) -> None:
        """Add ``image`` centred, with ``space`` pixels above and below."""
        piece = Image.new("L", (self.width, image.height + 2 * space), PAPER)
        piece.paste(image.convert("L"), ((self.width - image.width) // 2, space))
        self.pieces.append(piece)

    def cut_line(self) -> None:
        """Add the dashed line where the printer cuts."""
        piece = Image.new("L", (self.width, 24), PAPER)
        draw = ImageDraw.Draw(piece)
        for x in range(0, self.width, 12):
            draw.line((x, 12, x + 6, 12), fill=170, width=1)
        self.pieces.append(piece)

    def stacked(self) -> Image.Image:
        """Return the pieces as one image, with a margin at top and bottom."""
        height = sum(piece.height for piece in self.pieces) + 2 * MARGIN
        sheet = Image.new("L", (self.width, height), PAPER)
        y = MARGIN
        for piece in self.pieces:
            sheet.paste(piece, (0, y))
            y += piece.height
        return sheet


def _qr_image(data: str) -> Image.Image:
    """Return the QR code of ``data``, about as large as the printed one."""
    code = qrcode.QRCode(box_size=5, border=1)
    code.add_data(data)
    code.make(fit=True)
    image: Image.Image = code.make_image().get_image()
    return image


def receipt_image(receipt: Receipt, columns: int = COLUMNS, *, logo: bool = True) -> Image.Image:
    """Return the receipt drawn as the paper shows it (grayscale, narrow and tall)."""
    paper = _Paper(columns)
    if logo:
        paper.image(logo_image())
    for block in receipt.blocks:
        match block:
            case Heading(text):
                for line in textwrap.wrap(fold(text), columns // 2):
                    paper.line(line, bold=True, scale=2, center=True)
            case Text(text):
                for line in textwrap.wrap(fold(text), columns) or [""]:
                    paper.line(line)
            case Row(label, value, emphasis):
                for line in row_lines(fold(label), fold(value), columns):
                    paper.line(line, bold=emphasis)
            case Divider():
                paper.line("-" * columns)
            case QrCode(data):
                paper.image(_qr_image(data))
    paper.cut_line()
    return paper.stacked()


def receipt_png(receipt: Receipt, columns: int = COLUMNS, *, logo: bool = True) -> bytes:
    """Return the receipt's preview as PNG bytes."""
    buffer = io.BytesIO()
    receipt_image(receipt, columns, logo=logo).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
