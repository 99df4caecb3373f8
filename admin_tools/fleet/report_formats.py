"""The monthly report as JSON, CSV, HTML or PDF (``kiosk-fleet report --format``).

The PDF is written here, without a library: one font (Helvetica, in Windows-1252 so French
accents print), plain text lines, as many A4 pages as needed. That is all a monthly table
needs, and it keeps the monitor free of a PDF toolkit.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from html import escape
from typing import Any

FORMATS = ("json", "csv", "html", "pdf")
COLUMNS = (
    "ministry",
    "service",
    "transactions",
    "amount_cents",
    "fees_cents",
    "operator_share_cents",
    "province_share_cents",
    "survey_answers",
    "rated_good_pct",
)


def dollars(cents: int) -> str:
    """Return cents as "$1,234.50"."""
    return f"${cents / 100:,.2f}"


def render(report: dict[str, Any], fmt: str) -> bytes:
    """Return the report in ``fmt`` (one of FORMATS)."""
    if fmt == "json":
        return (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode()
    if fmt == "csv":
        return _csv(report).encode()
    if fmt == "html":
        return _html(report).encode()
    if fmt == "pdf":
        return _pdf(_lines(report))
    raise ValueError(f"--format must be one of {', '.join(FORMATS)}")


def _csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["month", *COLUMNS, "fleet_availability_pct", "incidents"])
    fleet = report["fleet"]
    for ministry in report["ministries"]:
        for row in ministry["services"]:
            values = [ministry["ministry"], *(row[c] for c in COLUMNS[1:])]
            writer.writerow(
                [report["month"], *values, fleet["availability_pct"], fleet["incidents"]]
            )
    return out.getvalue()


def _fleet_lines(report: dict[str, Any]) -> list[str]:
    fleet = report["fleet"]
    return [
        f"Kiosks: {fleet['kiosks']}",
        f"Availability: {fleet['availability_pct']}% (target {fleet['target_pct']}%)",
        f"Time at or above the target: {fleet['time_meeting_target_pct']}%",
        f"Lowest operational share: {fleet['min_operational_pct']}%",
        f"Incidents: {fleet['incidents']}, of which over the two-hour repair time: "
        f"{fleet['incidents_over_repair_time']}",
    ]


def _html(report: dict[str, Any]) -> str:
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Kiosk report {escape(report['month'])}</title>",
        "<style>body{font-family:sans-serif}td,th{padding:4px 8px;text-align:right}"
        "td:first-child,th:first-child{text-align:left}table{border-collapse:collapse}"
        "tr{border-bottom:1px solid #ddd}</style></head><body>",
        f"<h1>Kiosk report, {escape(report['month'])}</h1><ul>",
        *(f"<li>{escape(line)}</li>" for line in _fleet_lines(report)),
        "</ul>",
    ]
    for ministry in report["ministries"]:
        parts.append(
            f"<h2>{escape(ministry['ministry'])}</h2><table><tr><th>Service</th>"
            "<th>Transactions</th><th>Collected</th><th>Kiosk fees</th><th>Operator's share</th>"
            "<th>Survey answers</th><th>Rated good</th></tr>"
        )
        for row in ministry["services"]:
            good = "—" if row["rated_good_pct"] is None else f"{row['rated_good_pct']}%"
            parts.append(
                f"<tr><td>{escape(row['service'])}</td><td>{row['transactions']}</td>"
                f"<td>{dollars(row['amount_cents'])}</td><td>{dollars(row['fees_cents'])}</td>"
                f"<td>{dollars(row['operator_share_cents'])}</td><td>{row['survey_answers']}</td>"
                f"<td>{good}</td></tr>"
            )
        parts.append("</table>")
    parts.append(f"<p>Generated {escape(report['generated_at'])}.</p></body></html>")
    return "".join(parts)


def _lines(report: dict[str, Any]) -> list[tuple[int, str]]:
    """Return the PDF's lines as (font size, text)."""
    lines: list[tuple[int, str]] = [(16, f"Kiosk report, {report['month']}"), (10, "")]
    lines += [(10, line) for line in _fleet_lines(report)]
    for ministry in report["ministries"]:
        lines += [(10, ""), (13, f"Ministry: {ministry['ministry']}")]
        for row in ministry["services"]:
            good = "-" if row["rated_good_pct"] is None else f"{row['rated_good_pct']}%"
            lines.append(
                (10, f"{row['service']}: {row['transactions']} transactions, "
                     f"{dollars(row['amount_cents'])} collected, fees {dollars(row['fees_cents'])} "
                     f"(operator {dollars(row['operator_share_cents'])}), "
                     f"{row['survey_answers']} survey answers, rated good {good}")
            )  # fmt: skip
    lines += [(10, ""), (8, f"Generated {report['generated_at']}.")]
    return lines


def _pdf_text(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _pdf(lines: list[tuple[int, str]]) -> bytes:
    """Return a PDF of A4 pages holding ``lines``."""
    pages: list[bytes] = []
    y, content = 800.0, b""
    wrapped = [
        (size, piece)
        for size, text in lines
        for piece in (textwrap.wrap(text, width=int(950 / size)) or [""])
    ]  # about 95 characters of 10-point Helvetica fit between the margins of A4
    for size, text in wrapped:
        if y < 50:
            pages.append(content)
            y, content = 800.0, b""
        content += b"BT /F1 %d Tf 50 %.1f Td (" % (size, y) + _pdf_text(text) + b") Tj ET\n"
        y -= size * 1.5
    pages.append(content)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages are numbered
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    kids = []
    for content in pages:
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font "
            b"<< /F1 3 0 R >> >> /Contents %d 0 R >>" % (len(objects))
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out
