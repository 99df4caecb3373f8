"""A semi-integrated (ECR) terminal's queued captures are made by the idle touchscreen.

The terminal hangs off the UI's serial port, so the agent cannot reach it: it delivers the
queued posting over HTTP, then leaves the capture queued (``terminal_at_kiosk``) instead of
settling at a gateway that never saw the sale. The touchscreen makes it once nobody is at
the screen. Real parts: the ECR emulator over a socat pty pair, the sandbox over HTTP, the
kiosk's SQLite file.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from fakes import FakeClock, FakeTexts
from outbox_support import kiosk_config
from serial_pty import pty_pair

from device_drivers.ecr.ecr_terminal import EcrSerialTerminal
from device_drivers.ecr.messages import SaleState
from device_drivers.sim.ecr_terminal_emulator import EcrTerminalEmulator
from device_drivers.sim.printer import SimulatedPrinter
from kiosk_app.agent import build_agent
from kiosk_app.config import DeviceConfig
from kiosk_app.idle_drain import IdleDrain
from ministry_sandbox.testing import SandboxClient
from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal
from transactions.fines.service import FinePayments, FineSteps
from transactions.ministries.fines_client import HttpMinistryGateway
from transactions.saga.runner import SagaRunner
from transactions.saga.states import SagaState


def test_an_ecr_capture_is_left_by_the_agent_and_made_by_the_idle_touchscreen(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    clock = FakeClock()
    database = KioskDatabase(tmp_path / "kiosk.db")
    ministry = HttpMinistryGateway(sandbox.url)
    with (
        pty_pair() as (kiosk_end, terminal_end),
        EcrTerminalEmulator(terminal_end, link_timeout=0.2) as emulator,
    ):
        terminal = EcrSerialTerminal(
            kiosk_end, response_timeout=1.0, query_timeout=1.0, link_timeout=0.2, cancel_grace=0.5
        )
        screen = SagaRunner(
            journal=SqliteJournal(database, clock=clock),
            terminal=terminal,
            printer=SimulatedPrinter(),
            steps=lambda _s: FineSteps(ministry, "kiosk-ecr", lambda _l: FakeTexts()),
            clock=clock,
        )
        notice = sandbox.add_notice(amount_due_cents=5000)
        fines = FinePayments(ministry)
        quote = fines.quote((fines.look_up(notice["notice_number"]),))
        record = screen.open("fine", "fr", quote.items(), quote.kiosk_fee_cents)
        sandbox.set_faults(outage=True, paths=["/fines/v1/payments"])
        try:
            paid = screen.pay(record)  # approved on the terminal; the ministry is away
        finally:
            sandbox.clear_faults()
        assert paid.record.state is SagaState.POST_QUEUED

        config = replace(
            kiosk_config(tmp_path, sandbox.url),
            payment_terminal=DeviceConfig("ecr-serial", {"port": kiosk_end}),
        )
        agent = build_agent(config, sandbox.url, database, clock=clock)
        clock.advance(3600)
        [posted] = agent.drain_once()
        assert posted.state is SagaState.CAPTURE_QUEUED  # the ministry has it; not captured
        assert posted.failure_code == "terminal_at_kiosk"
        assert emulator.operations("capture") == []
        assert emulator.state_of(record.transaction_id) is SaleState.AUTHORIZED

        someone_there = {"now": True}
        drain = IdleDrain(screen, lambda: not someone_there["now"])
        clock.advance(3600)
        assert drain.tick() == []  # a citizen is at the screen: the terminal is theirs
        someone_there["now"] = False
        [captured] = drain.tick()
        assert captured.state is SagaState.DONE
        assert len(emulator.operations("capture")) == 1
        assert emulator.state_of(record.transaction_id) is SaleState.CAPTURED
        clock.advance(3600)
        assert agent.drain_once() == []  # nothing is left for anyone
        assert drain.tick() == []
        terminal.close()
    database.close()
