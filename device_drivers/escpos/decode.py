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
_ESC_ONE_ARG = set(b"!EatdJ{-MGVU ")
_GS_ONE_ARG = set(b"bB!HhwfL")


@dataclass
class PrintedJob:
    """What a print job puts on paper: text lines, QR codes, and whether it was cut."""

    lines: list[str] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
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
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == 0x0A:
            job.lines.append(line.decode(page, errors="replace"))
            line.clear()
            i += 1
        elif byte == ESC and i + 1 < len(data):
            command = data[i + 1]
            if command == ord("t") and i + 2 < len(data):
                page = CODE_PAGES.get(data[i + 2], "cp437")
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
        return i + 5 + length
    if command == ord("v") and i + 7 < len(data):
        width = data[i + 4] + 256 * data[i + 5]
        height = data[i + 6] + 256 * data[i + 7]
        return i + 8 + width * height
    return i + (3 if command in _GS_ONE_ARG else 2)
