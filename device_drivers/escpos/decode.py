"""Read ESC/POS bytes back as the text a citizen sees on the paper.

Used by the printer simulator's preview and by tests, so that what is asserted is the
printed text, not the calls that produced it. Unknown bytes never raise: a decoder that
crashes on a bad job would hide the job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ESC, GS, DLE = 0x1B, 0x1D, 0x10
# ESC/POS code page numbers (ESC t n) for the pages the kiosk may select.
CODE_PAGES = {0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 16: "cp1252", 19: "cp858"}
_ESC_ONE_ARG = set(b"!EatdJ{-MGVU 3")
_GS_ONE_ARG = set(b"bB!HhwfL")


@dataclass
class PrintedJob:
    """What a print job puts on paper: text lines, QR codes, images, and whether it was cut.

    ``images`` holds the (width, height) in dots of every bit image printed.
    """

    lines: list[str] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
    images: list[tuple[int, int]] = field(default_factory=list)
    cut: bool = False

    @property
    def text(self) -> str:
        """Return the printed lines joined by newlines."""
        return "\n".join(self.lines)


def decode_job(data: bytes) -> PrintedJob:
    """Return what ``data`` prints, decoding text with the code pages it selects."""
    job = PrintedJob()
    page = "cp437"
    line = bytearray()
    band = False  # the LF after a column-image band prints the band, not an empty line
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == 0x0A:
            if line or not band:
                job.lines.append(line.decode(page, errors="replace"))
            line.clear()
            band = False
            i += 1
        elif byte == ESC and i + 1 < len(data):
            command = data[i + 1]
            if command == ord("t") and i + 2 < len(data):
                page = CODE_PAGES.get(data[i + 2], "cp437")
            if command == ord("*"):
                i, band = _skip_bit_image_column(data, i, job), True
            else:
                i += 3 if command in _ESC_ONE_ARG else 2
        elif byte == GS and i + 1 < len(data):
            i = _skip_gs(data, i, job)
        elif byte == DLE:
            i += 3
        elif byte >= 0x20:
            line.append(byte)
            i += 1
        else:
            i += 1
    if line:
        job.lines.append(line.decode(page, errors="replace"))
    return job


def _skip_gs(data: bytes, i: int, job: PrintedJob) -> int:
    """Interpret the GS command at ``i`` and return the index after it."""
    command = data[i + 1]
    if command == ord("V"):
        job.cut = True
        mode = data[i + 2] if i + 2 < len(data) else 0
        return i + (4 if mode in (65, 66) else 3)
    if command == ord("(") and i + 4 < len(data):
        length = data[i + 3] + 256 * data[i + 4]
        payload = data[i + 5 : i + 5 + length]
        # GS ( k … cn=49 fn=80 stores QR data (ESC/POS reference, function 180).
        if data[i + 2] == ord("k") and payload[:3] == b"1P0":
            job.qr_codes.append(payload[3:].decode("ascii", errors="replace"))
        # GS ( L … m=48 fn=112 stores a raster graphic: a bx by c xL xH yL yH, then dots.
        if data[i + 2] == ord("L") and payload[:2] == b"0p" and len(payload) >= 10:
            job.images.append((payload[6] + 256 * payload[7], payload[8] + 256 * payload[9]))
        return i + 5 + length
    if command == ord("v") and i + 7 < len(data):
        # GS v 0 m xL xH yL yH: x is the width in bytes (8 dots each), y the height in dots.
        width = data[i + 4] + 256 * data[i + 5]
        height = data[i + 6] + 256 * data[i + 7]
        job.images.append((8 * width, height))
        return i + 8 + width * height
    return i + (3 if command in _GS_ONE_ARG else 2)


def _skip_bit_image_column(data: bytes, i: int, job: PrintedJob) -> int:
    """Skip ``ESC * m nL nH d1…dk`` (a band of a column bit image) and return the index after."""
    if i + 4 >= len(data):
        return i + 2
    mode, dots = data[i + 2], data[i + 3] + 256 * data[i + 4]
    # 8-dot modes (m = 0, 1) send one byte per column, 24-dot modes (m = 32, 33) three.
    column_bytes = 3 if mode in (32, 33) else 1
    job.images.append((dots, 8 * column_bytes))
    return i + 5 + dots * column_bytes
