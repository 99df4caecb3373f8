"""Scenario: the disk turns read-only as a citizen pays; later the disk fills up.

The kiosk must go out of service at once (nothing charged, nothing half-written), say so
in its published state, and come back by itself once its storage works again.
Run by tests/test_damaged_storage.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from harness import run_kiosk, show, watch

NOTICE = "100042158731"


def play(config: Any) -> dict[str, Any]:
    from kiosk_app.session_view import Step
    from kiosk_app.walkthrough.driver import Expect, Stop, Tap
    from kiosk_app.walkthrough.touch import tap
    from ministry_sandbox.testing import SandboxClient

    seen: dict[str, Any] = {}

    def script() -> Any:
        yield Tap("attract", "start")
        yield Tap("language", "lang_fr")
        yield Tap("menu", "service_fine")
        for digit in NOTICE:
            yield Tap("notice_entry", f"key_{digit}", key=True)
        yield Tap("notice_entry", "submit")
        yield Expect(lambda v: v.step is Step.NOTICE_DETAILS, "the notice")
        yield Stop("notice shown", completed=True)

    def published() -> dict[str, Any]:
        return dict(json.loads(config.status_path.read_text(encoding="utf-8")))

    def after(app: Any, _result: Any) -> None:
        database = app.kiosk.database
        sandbox = SandboxClient(app.kiosk.backend_url)
        phase = {"n": 0, "frames": 0}

        def check(_dt: float) -> None:
            screen = app.root.current
            phase["frames"] += 1
            if phase["frames"] > 400:
                seen["timed_out"] = phase["n"]
                app.stop()
                return
            if phase["n"] == 0:
                seen["before"] = published()["state"]
                seen["devices"] = published()["devices"]
                seen["ledger_before"] = len(sandbox.ledger())
                with database.reading() as db:  # the disk was remounted read-only
                    db.execute("PRAGMA query_only=ON")
                tap(app.root.get_screen("notice_details").ids.pay)
                phase["n"] = 1
            elif phase["n"] == 1 and screen == "out_of_service":
                out = app.root.get_screen("out_of_service")
                seen["read_only"] = {
                    "status": published(),
                    "reason": out.ids.reason.text,
                    "title_fr": out.ids.title_fr.text,
                    "title_en": out.ids.title_en.text,
                    "charged": len(sandbox.ledger()) - seen["ledger_before"],
                }
                tap(out.ids.title_fr)  # a passer-by touches the screen: nothing happens
                phase["n"] = 2
            elif phase["n"] == 2:
                seen["after_touch"] = screen
                with database.reading() as db:  # writable again
                    db.execute("PRAGMA query_only=OFF")
                app.storage_watch.probe()  # the watch's next round
                phase["n"] = 3
            elif phase["n"] == 3 and screen == "attract":
                seen["back"] = published()["state"]
                with database.reading() as db:  # the disk is full from here on
                    pages = db.execute("PRAGMA page_count").fetchone()[0]
                    db.execute(f"PRAGMA max_page_count={pages}")
                app.storage_watch.probe()
                phase["n"] = 4
            elif phase["n"] == 4 and screen == "out_of_service":
                seen["full"] = published()
                with database.reading() as db:  # room again
                    db.execute("PRAGMA max_page_count=1073741823")
                app.storage_watch.probe()
                phase["n"] = 5
            elif phase["n"] == 5 and screen == "attract":
                seen["back_again"] = published()["state"]
                app.stop()

        watch(app, check)

    run_kiosk(config, script(), after)
    return seen


if __name__ == "__main__":
    from kiosk_app.config import KioskConfig, UiConfig

    show(
        KioskConfig(
            data_dir=Path(sys.argv[1]), ui=UiConfig(default_language="fr"), probe_seconds=3600
        ),
        play,
    )
