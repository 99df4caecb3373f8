"""The ESC/POS printer adapter over real TCP (the port-9100 emulator) and pyserial URLs."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest
from escpos.printer import Dummy
from hypothesis import given, settings
from hypothesis import strategies as st

from device_drivers.escpos.decode import decode_job
from device_drivers.escpos.escpos_printer import (
    EscposPrinter,
    NetworkConnection,
    SerialConnection,
    UsbConnection,
)
from device_drivers.escpos.render import CODE_PAGE, PROFILE, logo_image, render_receipt
from device_drivers.sim.tcp_printer_emulator import EmulatorMode, TcpPrinterEmulator
from transactions.devices import HealthStatus
from transactions.errors import DeviceError
from transactions.receipt import Divider, Heading, QrCode, Receipt, Row, Text

REFERENCE = "K-7Q4M-2XPD"
QUERY_TIMEOUT = 0.2
LOGO_SIZE = (512, 104)  # 384-dot logo centred on the TM-T88V's 512-dot line


def french_receipt() -> Receipt:
    return Receipt(
        language="fr",
        reference=REFERENCE,
        blocks=(
            Heading("Reçu"),
            Text("Paiement d'amende à la borne de l'hôtel de ville"),
            Row("Montant versé au ministère", "125,00 $"),
            Row("Total", "126,00 $", emphasis=True),
            Divider(),
            QrCode(REFERENCE),
            Text("Conservez ce reçu. Ça prouve le paiement."),
        ),
    )


@pytest.fixture
def emulator() -> Iterator[TcpPrinterEmulator]:
    with TcpPrinterEmulator() as emulator:
        yield emulator


@pytest.fixture
def printer(emulator: TcpPrinterEmulator) -> Iterator[EscposPrinter]:
    printer = EscposPrinter(
        NetworkConnection("127.0.0.1", emulator.port, timeout=2), query_timeout=QUERY_TIMEOUT
    )
    yield printer
    printer.close()


def test_a_french_receipt_goes_over_tcp_and_reads_back_with_accents_qr_logo_and_cut(
    emulator: TcpPrinterEmulator, printer: EscposPrinter
) -> None:
    printer.print_receipt(french_receipt())

    [job] = emulator.jobs
    printed = decode_job(job.data)
    assert job.printed
    assert "Reçu" in printed.lines
    assert "Paiement d'amende à la borne de l'hôtel de" in printed.lines
    assert "Conservez ce reçu. Ça prouve le paiement." in printed.lines
    assert "\ufffd" not in printed.text
    assert printed.qr_codes == [REFERENCE]
    assert printed.images == [LOGO_SIZE]
    assert job.data.index(b"\x1dv0") < job.data.index(b"Re"), "logo on top"
    assert printed.cut
    assert printer.health().status is HealthStatus.OK


def test_paper_near_end_still_prints_and_reports_degraded(
    emulator: TcpPrinterEmulator, printer: EscposPrinter
) -> None:
    emulator.set_mode(EmulatorMode.PAPER_NEAR_END)

    printer.print_receipt(french_receipt())

    assert decode_job(emulator.jobs[0].data).qr_codes == [REFERENCE]
    health = printer.health()
    assert health.status is HealthStatus.DEGRADED
    assert health.fix == "replace the paper roll soon"
    assert health.usable


@pytest.mark.parametrize(
    ("mode", "code", "fix"),
    [
        (EmulatorMode.PAPER_OUT, "printer_paper_out", "load paper"),
        (EmulatorMode.COVER_OPEN, "printer_cover_open", "close the printer cover"),
        (EmulatorMode.CUTTER_ERROR, "printer_error", "clear the cutter jam"),
    ],
)
def test_a_printer_that_cannot_print_is_refused_the_job_and_nothing_is_sent(
    emulator: TcpPrinterEmulator, printer: EscposPrinter, mode: EmulatorMode, code: str, fix: str
) -> None:
    emulator.set_mode(mode)

    with pytest.raises(DeviceError) as raised:
        printer.print_receipt(french_receipt())

    assert raised.value.code == code
    assert emulator.jobs == []
    assert printer.health().status is HealthStatus.DOWN
    assert printer.health().fix == fix


def test_a_silent_printer_is_refused_and_its_health_is_unknown_never_ok(
    emulator: TcpPrinterEmulator, printer: EscposPrinter
) -> None:
    emulator.set_mode(EmulatorMode.SILENT)

    with pytest.raises(DeviceError) as raised:
        printer.print_receipt(french_receipt())

    assert raised.value.code == "printer_no_answer"
    assert emulator.jobs == []
    health = printer.health()
    assert health.status is HealthStatus.UNKNOWN
    assert health.fix == "check the printer's power and cable"
    assert printer.self_test().status is HealthStatus.UNKNOWN


def test_health_is_unknown_until_the_status_was_read(printer: EscposPrinter) -> None:
    assert printer.health().status is HealthStatus.UNKNOWN

    assert printer.self_test().status is HealthStatus.OK
    assert printer.health().status is HealthStatus.OK


def test_a_connection_dropped_mid_job_fails_the_job_and_the_next_job_reconnects(
    emulator: TcpPrinterEmulator, printer: EscposPrinter
) -> None:
    emulator.set_mode(EmulatorMode.DISCONNECT_MID_JOB, after_bytes=300)

    with pytest.raises(DeviceError) as raised:
        printer.print_receipt(french_receipt())

    assert raised.value.code == "printer_disconnected"
    assert [(len(job.data), job.printed) for job in emulator.jobs] == [(300, False)]
    assert printer.health().status is HealthStatus.UNKNOWN

    emulator.set_mode(EmulatorMode.NORMAL)
    printer.print_receipt(french_receipt())

    assert emulator.jobs[-1].printed
    assert decode_job(emulator.jobs[-1].data).qr_codes == [REFERENCE]
    assert printer.health().status is HealthStatus.OK


def test_a_printer_unplugged_and_plugged_back_prints_without_a_new_adapter() -> None:
    first = TcpPrinterEmulator()
    first.start()
    port = first.port
    printer = EscposPrinter(NetworkConnection("127.0.0.1", port, 1), query_timeout=QUERY_TIMEOUT)
    printer.print_receipt(french_receipt())
    first.stop()

    with pytest.raises(DeviceError) as raised:
        printer.print_receipt(french_receipt())
    assert raised.value.code == "printer_no_answer"

    with TcpPrinterEmulator(port=port) as second:
        printer.print_receipt(french_receipt())
        assert [decode_job(job.data).qr_codes for job in second.jobs] == [[REFERENCE]]
    printer.close()


def test_paper_running_out_mid_job_fails_the_job(
    emulator: TcpPrinterEmulator, printer: EscposPrinter
) -> None:
    emulator.set_mode(EmulatorMode.PAPER_OUT_MID_JOB, after_bytes=500)

    with pytest.raises(DeviceError) as raised:
        printer.print_receipt(french_receipt())

    assert raised.value.code == "printer_paper_out"
    assert not emulator.jobs[-1].printed
    assert emulator.mode is EmulatorMode.PAPER_OUT
    assert printer.health().status is HealthStatus.DOWN


def test_the_self_test_prints_a_bilingual_test_page(
    emulator: TcpPrinterEmulator, printer: EscposPrinter
) -> None:
    health = printer.self_test(test_page=True)

    assert health.status is HealthStatus.OK
    assert health.data["test_page"] == "printed"
    page = decode_job(emulator.jobs[0].data)
    assert "Imprimante prête. / Printer ready." in page.lines
    assert "àâçéèêëîïôùûü ÀÂÇÉÈÊËÎÏÔÙÛÜ" in page.lines
    assert page.cut


def test_the_self_test_page_is_not_sent_to_a_printer_out_of_paper(
    emulator: TcpPrinterEmulator, printer: EscposPrinter
) -> None:
    emulator.set_mode(EmulatorMode.PAPER_OUT)

    health = printer.self_test(test_page=True)

    assert health.status is HealthStatus.DOWN
    assert health.data["test_page"] == "not printed: printer_paper_out"
    assert emulator.jobs == []


def test_the_emulator_answers_a_query_split_across_tcp_segments(
    emulator: TcpPrinterEmulator,
) -> None:
    emulator.set_mode(EmulatorMode.PAPER_OUT)
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=2) as sock:
        sock.sendall(b"\x10")
        sock.sendall(b"\x04\x04")

        assert sock.recv(1) == b"\x7e"  # both paper sensors: near end and end


@pytest.mark.parametrize("impl", ["bitImageRaster", "graphics", "bitImageColumn"])
def test_each_image_command_python_escpos_emits_is_skipped_by_the_decoder(impl: str) -> None:
    dummy = Dummy(profile=PROFILE)
    dummy.charcode(CODE_PAGE)
    dummy.textln("Reçu")
    dummy.image(logo_image(), impl=impl)
    dummy.textln("fin")

    printed = decode_job(dummy.output)

    assert printed.lines == ["Reçu", "fin"]
    assert printed.images
    assert {width for width, _ in printed.images} == {384}


IMAGE_FRAGMENTS = st.sampled_from(
    [b"\x1b*", b"\x1b*!", b"\x1b*!\xff\xff", b"\x1b*\x00\x02\x00\n\n", b"\x1d(L\x0b\x000p0",
     b"\x1dv0\x00\x01\x00\x02\x00", b"\n", b"text"]
)  # fmt: skip


@settings(max_examples=100)
@given(st.lists(IMAGE_FRAGMENTS, max_size=12).map(b"".join))
def test_decoding_truncated_image_commands_never_raises(data: bytes) -> None:
    printed = decode_job(data)

    assert all(width >= 0 and height >= 0 for width, height in printed.images)


def test_the_logo_holds_no_status_query_a_printer_would_answer_mid_image() -> None:
    data = render_receipt(french_receipt(), logo=True)

    assert not re.search(rb"\x10\x04[\x01-\x04]", data)


# --- serial ------------------------------------------------------------------------------


def test_the_serial_status_query_writes_and_reads_the_line() -> None:
    connection = SerialConnection("loop://", timeout=1)

    assert connection.query(b"\x10\x04\x01", QUERY_TIMEOUT) == b"\x10"  # the loop echoes

    assert connection.query(b"\x12", QUERY_TIMEOUT) == b"\x12", "stale echo dropped first"
    connection.close()


def test_an_echoing_serial_line_is_not_taken_for_a_ready_printer() -> None:
    printer = EscposPrinter(SerialConnection("loop://", timeout=1), query_timeout=QUERY_TIMEOUT)

    with pytest.raises(DeviceError) as raised:
        printer.print_receipt(french_receipt())

    assert raised.value.code == "printer_no_answer"
    assert printer.health().status is HealthStatus.UNKNOWN
    assert "malformed answer 10 to DLE EOT 1" in printer.health().detail


def test_a_serial_printer_prints_and_reports_its_status(emulator: TcpPrinterEmulator) -> None:
    emulator.set_mode(EmulatorMode.PAPER_NEAR_END)
    connection = SerialConnection(f"socket://127.0.0.1:{emulator.port}", timeout=2)
    printer = EscposPrinter(connection, query_timeout=QUERY_TIMEOUT)

    printer.print_receipt(french_receipt())

    assert decode_job(emulator.jobs[0].data).qr_codes == [REFERENCE]
    assert printer.health().status is HealthStatus.DEGRADED
    printer.close()


def test_a_missing_serial_port_is_no_answer_not_a_crash() -> None:
    printer = EscposPrinter(SerialConnection("/dev/nonexistent-printer"), query_timeout=0.1)

    with pytest.raises(DeviceError) as raised:
        printer.print_receipt(french_receipt())

    assert raised.value.code == "printer_no_answer"
    assert printer.health().status is HealthStatus.UNKNOWN


def test_a_usb_printer_unplugged_at_start_lets_the_kiosk_start_and_reports_itself() -> None:
    printer = EscposPrinter(UsbConnection(0x04B8, 0x0202), query_timeout=0.1)  # no raise

    with pytest.raises(DeviceError) as raised:
        printer.print_receipt(french_receipt())

    assert raised.value.code == "printer_no_answer"
    assert "04b8:0202" in str(raised.value)
    health = printer.self_test()
    assert health.status is HealthStatus.UNKNOWN
    assert "cable" in health.fix
