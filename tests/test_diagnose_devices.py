"""'kiosk diagnose devices' against real emulators: each verdict, each fix, each exit code."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kiosk_runs import KIOSK, kiosk_env

from device_drivers.sim.tcp_printer_emulator import TcpPrinterEmulator


@pytest.fixture
def printer() -> Iterator[TcpPrinterEmulator]:
    with TcpPrinterEmulator() as emulator:
        yield emulator


def diagnose(tmp_path: Path, config: str, *extra: str) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "kiosk.toml"
    path.write_text(config, encoding="utf-8")
    done = subprocess.run(
        [KIOSK, "diagnose", "devices", "--config", str(path), "--json", *extra],
        capture_output=True,
        text=True,
        timeout=60,
        env=kiosk_env(),
        check=False,
    )
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def network_printer(port: int) -> str:
    return (
        f'[devices.printer]\ndriver = "escpos-network"\nhost = "127.0.0.1"\n'
        f"port = {port}\ntimeout = 2\n"
    )


def by_name(report: dict[str, Any], name: str) -> dict[str, Any]:
    device: dict[str, Any] = next(d for d in report["devices"] if d["name"] == name)
    return device


def test_a_healthy_kiosk_is_ok_and_exits_0(tmp_path: Path, printer: TcpPrinterEmulator) -> None:
    code, report = diagnose(tmp_path, network_printer(printer.port))
    assert code == 0
    assert report["verdict"] == "ok"
    assert by_name(report, "printer")["status"] == "ok"


@pytest.mark.parametrize(
    ("mode", "status", "fix"),
    [
        ("paper_out", "down", "load paper"),
        ("cover_open", "down", "close the printer cover"),
        ("paper_near_end", "degraded", "replace the paper roll soon"),
        ("silent", "unknown", "check the printer's power and cable"),
    ],
)
def test_a_printer_problem_degrades_the_kiosk_with_the_fix_to_try(
    tmp_path: Path, printer: TcpPrinterEmulator, mode: str, status: str, fix: str
) -> None:
    printer.set_mode(mode)
    code, report = diagnose(tmp_path, network_printer(printer.port))
    assert code == 1
    assert report["verdict"] == "degraded"  # citizens can still pay and get a reference
    device = by_name(report, "printer")
    assert device["status"] == status
    assert fix in device["fix"]


def test_a_printer_nobody_answers_for_is_never_reported_ok(tmp_path: Path) -> None:
    code, report = diagnose(tmp_path, network_printer(9))
    assert code == 1
    assert by_name(report, "printer")["status"] in ("down", "unknown")


def test_a_simulated_card_reader_reports_the_card_it_holds(tmp_path: Path) -> None:
    code, report = diagnose(
        tmp_path,
        '[devices.card_reader]\ndriver = "simulated"\ncard_brand = "mastercard"\n'
        'card_last4 = "5454"\n[devices.payment_terminal]\ndriver = "gateway-card"\n',
    )
    assert code == 0
    assert by_name(report, "card_reader")["card"] == {
        "brand": "mastercard",
        "last4": "5454",
        "expiry": "2029-08",
    }


def test_a_bad_config_stops_diagnose_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('[devices.printer]\ndriver = "escpos-network"\n', encoding="utf-8")
    done = subprocess.run(
        [KIOSK, "diagnose", "devices", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=kiosk_env(),
        check=False,
    )
    assert done.returncode == 2
    assert "devices.printer.host" in done.stderr


def test_the_human_report_shows_each_fix(tmp_path: Path, printer: TcpPrinterEmulator) -> None:
    printer.set_mode("paper_out")
    path = tmp_path / "kiosk.toml"
    path.write_text(network_printer(printer.port), encoding="utf-8")
    done = subprocess.run(
        [KIOSK, "diagnose", "devices", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=kiosk_env(),
        check=False,
    )
    assert "[DOWN] printer (escpos-network)" in done.stdout
    assert "fix: load paper" in done.stdout
    assert "verdict: degraded" in done.stdout


@pytest.mark.parametrize(("silent", "code", "verdict"), [(False, 0, "ok"), (True, 2, "down")])
def test_a_silent_payment_terminal_means_the_kiosk_is_down(
    tmp_path: Path, printer: TcpPrinterEmulator, silent: bool, code: int, verdict: str
) -> None:
    from serial_pty import pty_pair

    from device_drivers.sim.ecr_terminal_emulator import EcrTerminalEmulator

    with pty_pair(tmp_path) as (kiosk_end, terminal_end), EcrTerminalEmulator(terminal_end) as ecr:
        if silent:
            ecr.silence()
        exit_code, report = diagnose(
            tmp_path,
            network_printer(printer.port)
            + f'[devices.payment_terminal]\ndriver = "ecr-serial"\nport = "{kiosk_end}"\n',
        )
    assert (exit_code, report["verdict"]) == (code, verdict)
    terminal = by_name(report, "payment_terminal")
    if silent:
        assert terminal["status"] == "down"
        assert "serial cable" in terminal["fix"]
    else:
        assert terminal["status"] == "ok"


def test_the_printer_test_page_is_printed_on_request_in_both_languages(
    tmp_path: Path, printer: TcpPrinterEmulator
) -> None:
    from device_drivers.escpos.decode import decode_job

    code, _ = diagnose(tmp_path, network_printer(printer.port))
    assert not any(decode_job(job.data).lines for job in printer.jobs)
    code, report = diagnose(tmp_path, network_printer(printer.port), "--test-page")
    assert code == 0
    assert report["verdict"] == "ok"
    pages = [decode_job(job.data).text for job in printer.jobs if decode_job(job.data).lines]
    assert len(pages) == 1
    assert "Page de test / Test\npage" in pages[0]  # double width: 21 columns a line
    assert "Imprimante prête. / Printer ready." in pages[0]
    assert "àâçéèêëîïôùûü" in pages[0]
