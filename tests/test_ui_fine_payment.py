"""A citizen pays fines by touching the real UI (Kivy under Xvfb), against the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from kiosk_runs import walkthrough

from device_drivers.escpos.decode import decode_job
from ministry_sandbox.testing import SandboxClient

pytestmark = pytest.mark.ui


def ledger_of(sandbox: SandboxClient, *operations: str) -> list[dict[str, object]]:
    return [e for e in sandbox.ledger() if e["operation"] in operations]


def test_a_citizen_pays_a_fine_by_touch_and_is_charged_exactly_once(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    notice = sandbox.add_notice(
        jurisdiction="ontario",
        offence_fr="Excès de vitesse dans une zone scolaire",
        offence_en="Speeding in a school zone",
        amount_due_cents=18750,
        defendant_name="Éloïse Côté-Tremblay",
    )
    number = notice["notice_number"]
    before = len(sandbox.ledger())
    code, report, stderr = walkthrough(
        tmp_path,
        {
            "language": "fr",
            "notice_numbers": [f"{number[:2]} {number[2:11]} {number[11:]}"],
            "card": {"brand": "mastercard", "last4": "5454", "outcome": "approve"},
        },
        "--backend",
        sandbox.url,
        "--receipt-out",
        str(tmp_path / "receipt.bin"),
        "--screenshots",
        str(tmp_path / "shots"),
    )
    assert code == 0, stderr
    assert report["completed"]
    assert report["outcome"] == "done"
    new = sandbox.ledger()[before:]
    payments = [e for e in new if e["operation"] == "pay"]
    assert len(payments) == 1
    assert payments[0]["amount_cents"] == 18750
    assert [e["operation"] for e in new] == ["authorize", "pay", "capture"]
    assert all(e["amount_cents"] == 18850 for e in new if e["program"] == "payments")

    printed = decode_job((tmp_path / "receipt.bin").read_bytes())
    text = printed.text
    assert number in text
    assert "187,50 $" in text
    assert "1,00 $" in text
    assert "188,50 $" in text
    assert report["reference"] in text
    assert printed.qr_codes == [report["reference"]]
    assert "Reçu" in text
    assert "Référence" in text
    assert "Mastercard **** 5454" in text
    assert not re.search(r"\d{13,19}", text.replace(number, "")), "a card-number-like run"
    assert printed.cut

    screens = [s["screen"] for s in report["screens"]]
    assert screens == [
        "attract",
        "language",
        "menu",
        "notice_entry",
        "notice_details",
        "payment",
        "receipt",
        "thank_you",
    ]
    assert [Path(p).name for p in report["screenshots"]] == [
        f"{i:02d}-{screen}-fr.png" for i, screen in enumerate(screens, 1)
    ]
    assert all(Path(p).stat().st_size > 0 for p in report["screenshots"])
    assert Path(report["receipt_png"]).name == f"receipt-{report['reference']}.png"


def test_two_notices_are_paid_in_english_in_one_payment(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    toronto = sandbox.add_notice(jurisdiction="toronto", amount_due_cents=3000)
    ottawa = sandbox.add_notice(
        jurisdiction="ottawa", amount_due_cents=4500, defendant_name="jean-françois bélanger"
    )
    before = len(sandbox.ledger())
    code, report, stderr = walkthrough(
        tmp_path,
        {
            "language": "en",
            "notice_numbers": [toronto["notice_number"], ottawa["notice_number"]],
            "card": {"brand": "amex", "last4": "1005", "outcome": "approve"},
        },
        "--backend",
        sandbox.url,
        "--receipt-out",
        str(tmp_path / "receipt.bin"),
    )
    assert code == 0, stderr
    new = sandbox.ledger()[before:]
    assert [(e["operation"], e["amount_cents"]) for e in new] == [
        ("authorize", 7600),
        ("pay", 7500),
        ("capture", 7600),
    ]
    text = decode_job((tmp_path / "receipt.bin").read_bytes()).text
    assert "$75.00" in text
    assert "$1.00" in text
    assert "$76.00" in text
    assert toronto["notice_number"] in text
    assert ottawa["notice_number"] in text
    assert [s["screen"] for s in report["screens"]].count("notice_entry") == 2
    assert report["keys"] == 24


def test_a_declined_card_charges_nothing_and_records_nothing(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    notice = sandbox.add_notice(amount_due_cents=6000)
    before = len(sandbox.ledger())
    code, report, _ = walkthrough(
        tmp_path,
        {
            "language": "en",
            "notice_numbers": [notice["notice_number"]],
            "card": {"brand": "visa", "last4": "0341", "outcome": "decline"},
        },
        "--backend",
        sandbox.url,
    )
    assert code == 1
    assert report["outcome"] == "declined"
    assert not report["completed"]
    assert sandbox.ledger()[before:] == []
    assert sandbox.get(f"/fines/v1/notices/{notice['notice_number']}").json()["status"] == "unpaid"


@pytest.mark.parametrize(
    ("number", "outcome"),
    [
        ("100042158749", "refused: error.notice_already_paid"),
        ("100099900019", "refused: error.notice_not_found"),
        ("100042158732", "refused: error.notice_number_check_digit"),
    ],
)
def test_a_notice_that_cannot_be_paid_is_explained_and_nothing_is_charged(
    sandbox: SandboxClient, tmp_path: Path, number: str, outcome: str
) -> None:
    before = len(sandbox.ledger())
    code, report, stderr = walkthrough(
        tmp_path, {"language": "fr", "notice_numbers": [number]}, "--backend", sandbox.url
    )
    assert code == 1, stderr
    assert report["outcome"] == outcome
    assert report["error"] is None
    assert sandbox.ledger()[before:] == []


def test_a_ministry_that_fails_mid_visit_gets_a_message_not_a_crash(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    # The ministry's probe still answers, so the menu offers fines; the lookup itself fails.
    # (A ministry already down at start greys the service out: see the offline menu scenario.)
    sandbox.set_faults(outage=True, paths=["/fines/v1/notices"])
    try:
        code, report, stderr = walkthrough(
            tmp_path,
            {"language": "en", "notice_numbers": ["100042158731"]},
            "--backend",
            sandbox.url,
        )
    finally:
        sandbox.clear_faults()
    assert code == 1, stderr
    assert report["outcome"] == "refused: error.backend_unavailable"
    assert report["error"] is None


def test_a_slow_backend_keeps_the_screen_alive_and_the_wait_is_reported(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    notice = sandbox.add_notice(amount_due_cents=1500)
    sandbox.set_faults(latency_ms=1200, paths=["/fines/v1/notices"])
    try:
        code, report, stderr = walkthrough(
            tmp_path,
            {"language": "fr", "notice_numbers": [notice["notice_number"]]},
            "--backend",
            sandbox.url,
        )
    finally:
        sandbox.clear_faults()
    assert code == 0, stderr
    entry = next(s for s in report["screens"] if s["screen"] == "notice_entry")
    assert entry["wait_seconds"] >= 1.2


@pytest.mark.parametrize(
    ("mode", "printed", "state"), [("normal", True, "ok"), ("paper_out", False, "degraded")]
)
def test_the_receipt_goes_to_a_real_escpos_printer_or_the_kiosk_reports_itself_degraded(
    sandbox: SandboxClient, tmp_path: Path, mode: str, printed: bool, state: str
) -> None:
    from device_drivers.sim.tcp_printer_emulator import TcpPrinterEmulator

    notice = sandbox.add_notice(amount_due_cents=4200)
    before = len(sandbox.ledger())
    with TcpPrinterEmulator() as printer:
        printer.set_mode(mode)
        config = tmp_path / "kiosk.toml"
        # Sold even without its receipt (by default a fine is not, while the printer is out).
        config.write_text(
            f'[devices.printer]\ndriver = "escpos-network"\nhost = "127.0.0.1"\n'
            f'port = {printer.port}\ntimeout = 2\n[printing]\nfine = "reference-on-screen"\n',
            encoding="utf-8",
        )
        code, report, stderr = walkthrough(
            tmp_path,
            {"language": "fr", "notice_numbers": [notice["notice_number"]]},
            "--backend",
            sandbox.url,
            "--config",
            str(config),
        )
        paper = "\n".join(decode_job(job.data).text for job in printer.jobs)
    assert code == 0, stderr
    assert report["completed"]
    assert report["reference"]  # on screen either way, to get a copy later
    assert report["receipt_printed"] is printed
    assert report["kiosk_state"] == state
    assert [e["operation"] for e in sandbox.ledger()[before:]] == ["authorize", "pay", "capture"]
    assert (report["reference"] in paper) is printed  # nothing half-printed when out of paper
    if printed:
        assert "Reçu - Paiement d'amende" in paper
        assert "43,00 $" in paper
