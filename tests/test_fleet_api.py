"""The fleet monitor over HTTP: kiosks post samples, ops staff read availability.

Ground truth worked out by hand: grace period 60 s, samples every 15 s.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from fleet_support import OPS, TECHNICIAN, at, sample, serve_fleet

SITES = {
    "ottawa-rideau-01": "Centre Rideau",
    "quebec-gabrielle-roy-02": "Bibliothèque Gabrielle-Roy",
}


def every(first: int, last: int, state: str = "up") -> list[dict[str, Any]]:
    return [sample(t, state) for t in range(first, last + 1, 15)]


def test_samples_in_any_order_late_and_twice_give_the_availability_worked_out_by_hand(
    tmp_path: Path, fleet_db: str
) -> None:
    # Ottawa: up 0-195, down 210-300, up 315-3585; Québec: up from 1800, silent 2400-3000.
    ottawa = [*every(0, 195), *every(210, 300, "down"), *every(315, 3585)]
    quebec = [*every(1800, 2340), *every(3000, 3585)]
    rng = random.Random(11)
    with serve_fleet(tmp_path, SITES, fleet_db) as fleet:
        for kiosk_id, samples in (
            ("ottawa-rideau-01", ottawa),
            ("quebec-gabrielle-roy-02", quebec),
        ):
            arriving = samples + rng.sample(samples, 20)  # some sent twice
            rng.shuffle(arriving)  # and out of order: a backlog shipped after an outage
            for first in range(0, len(arriving), 25):
                answer = fleet.post(kiosk_id, arriving[first : first + 25])
                assert answer.status_code == 202, answer.text
                assert answer.json() == {"accepted": len(arriving[first : first + 25])}
        fleet.now(3600)
        answer = fleet.availability(0, 3600)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    by_kiosk = {k["kiosk_id"]: k for k in report["kiosks"]}
    # Ottawa counted 3600 s: down 210-315 (105 s). Québec counted 1800-3600: silent from
    # 2340 + 60 = 2400 until 3000 (600 s).
    assert by_kiosk["ottawa-rideau-01"]["availability_pct"] == pytest.approx(
        100 * 3495 / 3600, abs=0.01
    )
    assert by_kiosk["ottawa-rideau-01"]["downtime_seconds"] == pytest.approx(105)
    assert by_kiosk["quebec-gabrielle-roy-02"]["availability_pct"] == pytest.approx(
        100 * 1200 / 1800, abs=0.01
    )
    assert by_kiosk["quebec-gabrielle-roy-02"]["downtime_seconds"] == pytest.approx(600)
    fleet_figures = report["fleet"]
    assert fleet_figures["target_pct"] == 97.0
    assert fleet_figures["availability_pct"] == pytest.approx(100 * (3495 + 1200) / 5400, abs=0.01)
    # Fleet below 97%: 210-315 (1 of 1 counted kiosks down) and 2400-3000 (1 of 2 up).
    assert fleet_figures["time_meeting_target_pct"] == pytest.approx(
        100 * (3600 - 705) / 3600, abs=0.01
    )
    assert fleet_figures["min_operational_pct"] == pytest.approx(0.0)
    operator = {"attributed_to": "operator", "reason": ""}
    assert report["incidents"] == [
        {"kiosk_id": "ottawa-rideau-01", "detected_at": at(210), "resolved_at": at(315),
         "duration_seconds": 105, "sla_breached": False, "cause": "down",
         "kiosks": ["ottawa-rideau-01"], **operator},
        {"kiosk_id": "quebec-gabrielle-roy-02", "detected_at": at(2400), "resolved_at": at(3000),
         "duration_seconds": 600, "sla_breached": False, "cause": "silent",
         "kiosks": ["quebec-gabrielle-roy-02"], **operator},
    ]  # fmt: skip


def test_an_open_incident_breaches_the_sla_after_two_hours(tmp_path: Path) -> None:
    with serve_fleet(tmp_path, SITES) as fleet:
        fleet.post("ottawa-rideau-01", [*every(0, 60), sample(75, "down")])
        fleet.now(75 + 7200)
        within = fleet.availability(0, 75 + 7200).json()["incidents"]
        fleet.now(75 + 7201)
        past = fleet.availability(0, 75 + 7201).json()["incidents"]
    assert [(i["resolved_at"], i["sla_breached"]) for i in within] == [(None, False)]
    assert [(i["duration_seconds"], i["sla_breached"]) for i in past] == [(7201, True)]


@pytest.mark.parametrize(
    ("body", "token", "status", "says"),
    [
        ({"kiosk_id": "ottawa-rideau-01", "samples": [sample(0)]}, "wrong", 401, "wrong token"),
        ({"kiosk_id": "kiosk-nobody-knows", "samples": [sample(0)]}, "ottawa's", 401,
         "unknown kiosk"),
        ({"kiosk_id": "ottawa-rideau-01", "samples": [sample(0, "broken")]}, None, 422,
         "samples.0.state"),
        ({"kiosk_id": "ottawa-rideau-01", "samples": [{**sample(0), "at": "2026-11-02T08:00:00"}]},
         None, 422, "needs its zone"),
        ({"kiosk_id": "ottawa-rideau-01"}, None, 422, "samples: Field required"),
    ],
)  # fmt: skip
def test_a_refused_batch_says_why_and_stores_nothing(
    tmp_path: Path, body: dict[str, Any], token: str | None, status: int, says: str
) -> None:
    with serve_fleet(tmp_path, SITES) as fleet:
        if token == "ottawa's":
            token = fleet.tokens["ottawa-rideau-01"]  # a real token, of another kiosk
        answer = fleet.post(body["kiosk_id"], body.get("samples", []), token)
        if "samples" not in body:
            import requests

            answer = requests.post(
                f"{fleet.url}/api/v1/samples",
                json=body,
                headers={"Authorization": f"Bearer {fleet.tokens['ottawa-rideau-01']}"},
                timeout=30,
            )
        assert answer.status_code == status
        assert says in answer.json()["detail"]
        assert fleet.store.db.all("select * from runs") == []


def test_availability_is_for_ops_users_only(tmp_path: Path) -> None:
    with serve_fleet(tmp_path, SITES) as fleet:
        assert fleet.availability(0, 60, ("nobody", "nothing at all")).status_code == 401
        assert fleet.availability(0, 60, (OPS[0], "wrong horse battery")).status_code == 401
        assert fleet.availability(0, 60, TECHNICIAN).status_code == 403
        assert fleet.availability(0, 60, OPS).status_code == 200
        bad = fleet.availability(60, 0)
    assert bad.status_code == 422
    assert bad.json()["detail"] == "end must come after start"


AWKWARD = {**SITES, "lévis-côté-3b": "Galeries Chagnon, local 12-B"}


def whoami(url: str, kiosk_id: str, authorization: str | None) -> Any:
    """Ask the monitor who this kiosk is, as ``kiosk diagnose`` does."""
    import requests

    headers = {"Authorization": authorization} if authorization is not None else {}
    return requests.get(
        f"{url}/api/v1/whoami", params={"kiosk_id": kiosk_id}, headers=headers, timeout=30
    )


def test_a_kiosk_with_its_own_token_hears_its_id_and_site_and_nothing_is_stored(
    tmp_path: Path,
) -> None:
    with serve_fleet(tmp_path, AWKWARD) as fleet:
        answer = whoami(fleet.url, "lévis-côté-3b", f"Bearer {fleet.tokens['lévis-côté-3b']}")
        again = whoami(fleet.url, "lévis-côté-3b", f"bearer  {fleet.tokens['lévis-côté-3b']} ")
        runs = fleet.store.db.all("select * from runs")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"kiosk_id": "lévis-côté-3b", "site": "Galeries Chagnon, local 12-B"}
    assert again.status_code == 200, again.text
    assert runs == []


@pytest.mark.parametrize(
    ("kiosk_id", "authorization", "status", "says"),
    [
        ("ottawa-rideau-01", "Bearer not-the-token", 401,
         "unknown kiosk ottawa-rideau-01 or wrong token"),
        ("ottawa-rideau-01", "québec's", 401, "unknown kiosk ottawa-rideau-01 or wrong token"),
        ("kiosk-nobody-knows", "ottawa's", 401, "unknown kiosk kiosk-nobody-knows or wrong token"),
        ("ottawa-rideau-01", None, 401, "send the kiosk's token: Authorization: Bearer <token>"),
        ("ottawa-rideau-01", "Basic b3BzLcOpbG/Dr3NlOmNvcnJlY3QgaG9yc2UgYmF0dGVyeQ==", 401,
         "send the kiosk's token"),
        ("ottawa-rideau-01", "Bearer ", 401, "send the kiosk's token"),
        ("ottawa-rideau-01", "Bearer " + "x" * 10_000, 401, "wrong token"),
        ("o" * 101, "ottawa's", 422, "kiosk_id: String should have at most 100 characters"),
        ("", "ottawa's", 422, "kiosk_id: String should have at least 1 character"),
    ],
)  # fmt: skip
def test_a_kiosk_check_with_a_wrong_token_an_unknown_id_or_no_token_is_refused(
    tmp_path: Path, kiosk_id: str, authorization: str | None, status: int, says: str
) -> None:
    with serve_fleet(tmp_path, SITES) as fleet:
        tokens = {"ottawa's": "ottawa-rideau-01", "québec's": "quebec-gabrielle-roy-02"}
        if authorization in tokens:
            authorization = f"Bearer {fleet.tokens[tokens[authorization]]}"
        answer = whoami(fleet.url, kiosk_id, authorization)
    assert answer.status_code == status, answer.text
    assert says in answer.json()["detail"]
    if status == 401:
        assert answer.headers["www-authenticate"] == 'Bearer realm="fleet"'


def test_samples_with_an_overlong_token_are_refused_like_a_wrong_one(tmp_path: Path) -> None:
    with serve_fleet(tmp_path, SITES) as fleet:
        answer = fleet.post("ottawa-rideau-01", [sample(0)], token="x" * 10_000)
        runs = fleet.store.db.all("select * from runs")
    assert answer.status_code == 401
    assert answer.json()["detail"] == "unknown kiosk ottawa-rideau-01 or wrong token"
    assert runs == []
