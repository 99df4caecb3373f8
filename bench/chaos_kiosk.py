"""The kiosk process the crash harness kills: citizens from a plan, through the real saga.

Usage: chaos_kiosk.py CONFIG PLAN PROGRESS. It builds the kiosk from CONFIG exactly as
`kiosk run` does (no screen: the same flows and saga the screens drive), finishes what a
previous kill interrupted, then serves the plan's citizens from where PROGRESS says it
stopped. Each citizen's index goes to PROGRESS before the visit starts (a citizen who saw the
kiosk die walks away; the journal finishes their transaction); what the citizen is told goes
to stdout as one JSON line, the moment it is shown.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from device_drivers.sim.payment_terminal import SimulatedCard, SimulatedPaymentTerminal
from kiosk_app.bootstrap import Kiosk, build_kiosk
from kiosk_app.config import load_config
from kiosk_app.walkthrough.answers import FineAnswers, parse_answers
from transactions.errors import KioskError
from transactions.fees import Quote


def told(**what: Any) -> None:
    """Write what the citizen was told, flushed at once (the harness reads it after a kill)."""
    sys.stdout.write(json.dumps(what, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def serve(kiosk: Kiosk, index: int, citizen: dict[str, Any]) -> None:
    """Serve one citizen of the plan and report what the screen would say."""
    service = citizen["service"]
    answers = parse_answers(service, citizen["answers"])
    terminal = kiosk.terminal
    assert isinstance(terminal, SimulatedPaymentTerminal)
    try:
        if isinstance(answers, FineAnswers):
            notices: tuple[Any, ...] = ()
            for number in answers.notice_numbers:
                notices = (*notices, kiosk.fines.look_up(number, notices))
            quote: Quote | None = kiosk.fines.quote(notices)
            card: SimulatedCard | None = answers.card
        else:
            flow = kiosk.flows[service]
            values = dict(answers.values)
            if not flow.paid:
                result = flow.submit(values, answers.language)  # type: ignore[attr-defined]
                for outcome in result.outcomes:
                    told(
                        index=index,
                        service=service,
                        reference=outcome.reference,
                        status=outcome.status.value,
                    )
                return
            review = flow.review(values)
            quote = review.quote_for(
                answers.option or (review.options[0].value if review.options else None)
            )
            card = answers.card
        if quote is None or card is None:
            raise KioskError("nothing to pay", code="nothing_to_pay")
        record = kiosk.runner.open_quote(service, answers.language, quote)
        terminal.hold_card(card)
        terminal.tap()
        result = kiosk.runner.pay(record).record
        told(
            index=index,
            service=service,
            reference=record.reference,
            transaction_id=record.transaction_id,
            status=result.state.value,
        )
    except KioskError as err:  # refused before paying, or the backend did not answer
        told(index=index, service=service, status="refused", code=err.code)


def main() -> int:
    config_path, plan_path, progress_path = (Path(arg) for arg in sys.argv[1:4])
    config = load_config(config_path)
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    kiosk = build_kiosk(config)
    started = datetime.now(UTC).isoformat()
    kiosk.runner.resume_unfinished(started)  # as the touchscreen does at start
    with progress_path.open("a+", encoding="utf-8") as progress:
        progress.seek(0)
        begun = len(progress.read().split())
        for index in range(begun, len(plan)):
            progress.write(f"{index}\n")
            progress.flush()
            os.fsync(progress.fileno())
            serve(kiosk, index, plan[index])
    kiosk.close()
    told(finished=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
