"""Someone is called: the fleet monitor's notifications through Apprise (issue 15, point 6).

Real receivers (an SMTP server, a webhook over HTTP), a real monitor over HTTP with its
SQLite store, and the monitor's settable clock; passes are woken by the test, deliveries
awaited with a generous bound.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from email.header import decode_header, make_header
from pathlib import Path

import requests
from fleet_support import OPS, ORIGIN, Fleet, sample, serve_fleet
from notify_receivers import WAIT, smtp_server, text_of, webhook

from admin_tools.fleet.api import create_app
from admin_tools.fleet.notifications import Audience, Event, events_of
from admin_tools.fleet.notifier import (
    Notifier,
    apprise_channel,
    attempts_of,
)
from admin_tools.fleet.store import FleetStore
from ministry_sandbox.server import RunningSandbox

KIOSKS = {
    "qc-cdn-04": "Bibliothèque Côté-des-Neiges, unité 4",
    "on-gat-07": "Les Promenades de l'Outaouais, local 12b",
}
PUBLIC = "https://flotte.example.ca"
DOWN_AT = 45.0


@contextmanager
def notifying(
    folder: Path,
    lists: Mapping[Audience, Sequence[str]],
    db: str | None = None,
    kiosks: Mapping[str, str] = KIOSKS,
) -> Iterator[tuple[Fleet, Notifier]]:
    """Serve a monitor and run its notifier on the monitor's clock (passes when woken)."""
    with serve_fleet(folder, dict(kiosks), db) as fleet:
        fleet.now(0)
        notifier = Notifier(
            fleet.store,
            {audience: [apprise_channel(u) for u in urls] for audience, urls in lists.items()},
            PUBLIC,
            clock=lambda: fleet.clock["now"],
            every=3600.0,
            backoff=(0.01, 0.05),
        )
        notifier.start()
        try:
            yield fleet, notifier
        finally:
            notifier.stop()


def printer_runs_out_of_paper(fleet: Fleet) -> None:
    """Kiosk qc-cdn-04 is up, then down with its printer out of paper (then silent)."""
    kiosk = "qc-cdn-04"
    assert fleet.post(kiosk, [sample(0), sample(15), sample(30)]).status_code == 202
    assert fleet.post(kiosk, [sample(DOWN_AT, "down")]).status_code == 202


def at_minute(fleet: Fleet, notifier: Notifier, seconds: float) -> None:
    fleet.now(seconds)
    notifier.wake()


def test_the_on_call_webhook_hears_of_an_incident_opening_nearing_breach_breached_and_resolved(
    tmp_path: Path,
) -> None:
    with webhook() as hook, notifying(tmp_path, {Audience.OPERATOR: [hook.url]}) as running:
        fleet, notifier = running
        printer_runs_out_of_paper(fleet)
        at_minute(fleet, notifier, DOWN_AT + 5)
        opened = hook.next()
        assert opened["title"].startswith("Panne détectée / Incident opened: qc-cdn-04")
        text = opened["message"]
        assert "Kiosque : qc-cdn-04 (Bibliothèque Côté-des-Neiges, unité 4)" in text
        assert "Kiosk: qc-cdn-04 (Bibliothèque Côté-des-Neiges, unité 4)" in text
        assert "Raison : printer: paper_out" in text
        assert "Reason: printer: paper_out" in text
        cause = fleet.availability(0, DOWN_AT + 5).json()["incidents"][0]["cause"]
        assert f"Cause: {cause} · " in text
        assert f"Cause : {cause} · " in text
        link = re.search(r"Incident page: (\S+)", text)
        assert link is not None
        assert link.group(1) == f"{PUBLIC}/incidents/qc-cdn-04/{int(ORIGIN.timestamp() + 45)}"

        at_minute(fleet, notifier, DOWN_AT + 90 * 60 + 1)
        warned = hook.next()
        assert warned["title"].startswith("Plus que 30 minutes pour réparer / 30 minutes left")

        at_minute(fleet, notifier, DOWN_AT + 2 * 3600 + 1)
        breached = hook.next()
        assert (
            "Délai de réparation de 2 h dépassé / Two-hour repair time breached"
            in (breached["title"])
        )

        repaired = DOWN_AT + 2 * 3600 + 600
        assert fleet.post("qc-cdn-04", [sample(repaired)]).status_code == 202
        at_minute(fleet, notifier, repaired + 10)
        resolved = hook.next()
        assert resolved["title"].startswith("Panne résolue / Incident resolved")
        assert "lasted: 2 h 10 min" in resolved["message"]
        assert "durée : 2 h 10 min" in resolved["message"]

        at_minute(fleet, notifier, repaired + 30)  # within the grace period: still up
        assert notifier.settled(WAIT)  # a later pass repeats nothing
        notifier.stop()
        incident = f"qc-cdn-04/{int(ORIGIN.timestamp() + 45)}"
        attempts = attempts_of(fleet.store, incident)
        assert [(a["event"], a["attempt"], a["ok"]) for a in attempts] == [
            ("opened", 1, True),
            ("30-minutes-left", 1, True),
            ("breached", 1, True),
            ("resolved", 1, True),
        ]
        assert hook.posts == 4  # one message per event, none repeated by later passes


def test_the_bilingual_email_reaches_a_real_smtp_server(tmp_path: Path) -> None:
    with smtp_server() as (port, mail):
        url = (
            f"mailto://moniteur@flotte.example.ca?smtp=127.0.0.1&port={port}"
            "&to=astreinte@flotte.example.ca&mode=insecure"
        )
        with notifying(tmp_path, {Audience.OPERATOR: [url]}) as (fleet, notifier):
            printer_runs_out_of_paper(fleet)
            at_minute(fleet, notifier, DOWN_AT + 5)
            received = mail.get(timeout=WAIT)
    subject = str(make_header(decode_header(received["Subject"])))
    assert subject.startswith("Panne détectée / Incident opened: qc-cdn-04")
    assert received["To"] == "astreinte@flotte.example.ca"
    body = text_of(received)
    assert body.index("FR — Panne détectée") < body.index("EN — Incident opened")
    assert "Kiosque : qc-cdn-04 (Bibliothèque Côté-des-Neiges, unité 4)" in body
    assert "Page de l'incident : https://flotte.example.ca/incidents/qc-cdn-04/" in body


def test_a_failing_receiver_is_tried_again_until_it_accepts_and_each_attempt_is_recorded(
    tmp_path: Path, fleet_db: str
) -> None:
    with (
        webhook() as hook,
        notifying(tmp_path, {Audience.OPERATOR: [hook.url]}, db=fleet_db) as running,
    ):
        hook.failures = 2
        fleet, notifier = running
        printer_runs_out_of_paper(fleet)
        at_minute(fleet, notifier, DOWN_AT + 5)
        assert hook.next()["title"].startswith("Panne détectée")
        notifier.stop()
        attempts = attempts_of(fleet.store, f"qc-cdn-04/{int(ORIGIN.timestamp() + 45)}")
    assert [(a["attempt"], a["ok"]) for a in attempts] == [(1, False), (2, False), (3, True)]
    assert "500" in attempts[0]["error"]
    assert attempts[2]["error"] == ""
    assert attempts[0]["channel"].startswith("json://127.0.0.1:")


def test_a_hanging_receiver_never_holds_up_the_kiosks_samples(tmp_path: Path) -> None:
    with webhook() as hook:
        hook.hang = True
        slow = hook.url + "?rto=120"  # Apprise would otherwise give up after 4 s
        with notifying(tmp_path, {Audience.OPERATOR: [slow]}) as (fleet, notifier):
            printer_runs_out_of_paper(fleet)
            at_minute(fleet, notifier, DOWN_AT + 5)
            assert hook.hanging.wait(WAIT)
            more = [sample(DOWN_AT + 15 * n, "down") for n in range(1, 40)]
            answer = fleet.post("qc-cdn-04", more)
            seen = fleet.availability(0, DOWN_AT + 5)
            assert answer.status_code == 202
            assert answer.json() == {"accepted": 39}
            assert seen.status_code == 200
            assert not hook.release.is_set()  # the notifier was still waiting meanwhile
            hook.release.set()
            assert hook.next()["title"].startswith("Panne détectée")  # the retry got through


def test_a_ministry_outage_goes_to_the_ministry_list_and_a_site_falling_silent_is_one_message(
    tmp_path: Path,
) -> None:
    site = "Centre Rideau, niveau 2"
    backend = {"registration-renewal": {"available": False, "cause": "backend"}, "fine": True}
    with webhook() as ops, webhook() as ministry:
        lists = {Audience.OPERATOR: [ops.url], Audience.MINISTRY: [ministry.url]}
        kiosks = {"on-rid-01": site, "on-rid-02": site}
        with notifying(tmp_path, lists, kiosks=kiosks) as (fleet, notifier):
            out = [
                sample(15, "degraded", services=backend, reason="SAAQ : 503 Service Unavailable")
            ]
            assert fleet.post("on-rid-01", [sample(0), *out, sample(45), sample(60)]).ok
            assert fleet.post("on-rid-02", [sample(0), sample(15), sample(30)]).ok
            at_minute(fleet, notifier, 3 * 3600)  # both silent since 08:01: the site is dark
            assert notifier.settled(WAIT)
            told = [ministry.next(), ministry.next()]
            dark = ops.next()
    assert told[0]["title"] == "Panne détectée / Incident opened: on-rid-01 [ministry:transport]"
    assert "Raison : SAAQ : 503 Service Unavailable" in told[0]["message"]
    assert told[1]["title"].startswith("Panne résolue / Incident resolved: on-rid-01")
    assert ministry.posts == 2  # not on the operator's clock: no breach
    assert dark["title"] == "Panne détectée / Incident opened: on-rid-01, on-rid-02"
    assert f"on-rid-02 ({site})" in dark["message"]
    assert "Cause: network or monitor" in dark["message"]
    assert ops.posts == 3  # the site's one incident: opened, 30 minutes left, breached


def test_a_restarted_notifier_repeats_nothing_and_never_reports_history_from_before_it_began(
    tmp_path: Path, fleet_db: str
) -> None:
    with webhook() as hook, serve_fleet(tmp_path, KIOSKS, fleet_db) as fleet:
        assert fleet.post("on-gat-07", [sample(0), sample(15, "down"), sample(30)]).ok
        fleet.now(3600)

        def run() -> Notifier:
            return Notifier(
                fleet.store,
                {Audience.OPERATOR: [apprise_channel(hook.url)]},
                PUBLIC,
                clock=lambda: fleet.clock["now"],
                every=3600.0,
                backoff=(0.01, 0.05),
            )

        first = run()
        first.start()
        assert fleet.post("qc-cdn-04", [sample(3600), sample(3615, "down")]).ok
        fleet.now(3620)
        first.wake()
        opened = hook.next()
        first.stop()
        assert opened["title"].startswith("Panne détectée / Incident opened: qc-cdn-04")

        second = run()
        second.start()
        assert fleet.post("qc-cdn-04", [sample(3630)]).ok
        fleet.now(3640)
        second.wake()
        resolved = hook.next()
        assert second.settled(WAIT)
        second.stop()
    assert resolved["title"].startswith("Panne résolue / Incident resolved: qc-cdn-04")
    assert hook.posts == 2  # on-gat-07's incident came before notifications began


def test_a_ministry_incident_is_not_on_the_operators_clock_and_an_older_row_is_the_operators() -> (
    None
):
    start = ORIGIN.timestamp()
    ministry = {
        "kiosk_id": "qc-cdn-04",
        "detected_at": start,
        "resolved_at": start + 4 * 3600,
        "duration_seconds": 4 * 3600.0,
        "sla_breached": True,
        "cause": "backend",
        "attributed_to": "ministry:revenu",
        "reason": "",
    }
    older = {"kiosk_id": "on-gat-07", "detected_at": start, "resolved_at": None}
    older |= {"duration_seconds": 2 * 3600.0 + 1, "sla_breached": True, "cause": "down"}
    told = events_of(ministry, {})
    assert [(d.event, d.audience) for d in told] == [
        (Event.OPENED, Audience.MINISTRY),
        (Event.RESOLVED, Audience.MINISTRY),
    ]
    operator = events_of(older, {"on-gat-07": "printer: offline"})
    assert [d.event for d in operator] == [
        Event.OPENED,
        Event.THIRTY_MINUTES_LEFT,
        Event.BREACHED,
    ]
    assert {d.audience for d in operator} == {Audience.OPERATOR}
    assert operator[0].reason == "printer: offline"
    assert operator[1].at == start + 90 * 60


def test_the_incident_page_and_the_api_show_each_delivery_attempt(tmp_path: Path) -> None:
    with webhook() as hook, notifying(tmp_path, {Audience.OPERATOR: [hook.url]}) as running:
        hook.failures = 1
        fleet, notifier = running
        printer_runs_out_of_paper(fleet)
        at_minute(fleet, notifier, DOWN_AT + 5)
        hook.next()
        notifier.stop()
        detected = int(ORIGIN.timestamp() + DOWN_AT)
        browser = requests.Session()
        logged_in = browser.post(
            f"{fleet.url}/login",
            data={"name": OPS[0], "password": OPS[1]},
            timeout=30,
        )
        assert logged_in.status_code == 200
        page = browser.get(f"{fleet.url}/incidents/qc-cdn-04/{detected}", timeout=30).text
        api = RunningSandbox.start(app=create_app(fleet.store, now=lambda: fleet.clock["now"]))
        try:
            path = f"{api.url}/api/v1/incidents/qc-cdn-04/{detected}/notifications"
            listed = requests.get(path, auth=OPS, timeout=30)
            anonymous = requests.get(path, timeout=30)
        finally:
            api.stop()
    notifications = page[page.index("id='notifications'") :]
    assert notifications.index("failed") < notifications.index("delivered")
    assert "json://127.0.0.1:" in notifications
    assert "500" in notifications
    assert listed.status_code == 200
    assert anonymous.status_code == 401
    body = listed.json()
    assert body["incident"] == f"qc-cdn-04/{detected}"
    assert [(a["event"], a["attempt"], a["ok"]) for a in body["attempts"]] == [
        ("opened", 1, False),
        ("opened", 2, True),
    ]
    assert body["attempts"][0]["at"] == "2026-11-02T08:00:50Z"


def test_two_replicas_of_the_monitor_on_one_database_send_each_message_once(
    tmp_path: Path, fleet_db: str
) -> None:
    with (
        webhook() as hook,
        notifying(tmp_path, {Audience.OPERATOR: [hook.url]}, db=fleet_db) as (
            fleet,
            first,
        ),
    ):
        other = FleetStore(fleet_db)  # the second replica's own connection
        second = Notifier(
            other,
            {Audience.OPERATOR: [apprise_channel(hook.url)]},
            PUBLIC,
            clock=lambda: fleet.clock["now"],
            every=3600.0,
        )
        second.start()
        try:
            printer_runs_out_of_paper(fleet)
            fleet.now(DOWN_AT + 5)
            first.wake()
            second.wake()
            assert first.settled(WAIT)
            assert second.settled(WAIT)
        finally:
            second.stop()
            other.close()
        assert hook.next()["title"].startswith("Panne détectée / Incident opened: qc-cdn-04")
        attempts = attempts_of(fleet.store, f"qc-cdn-04/{int(ORIGIN.timestamp() + DOWN_AT)}")
    assert hook.posts == 1
    assert [(a["event"], a["attempt"], a["ok"]) for a in attempts] == [("opened", 1, True)]
