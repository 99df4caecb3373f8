"""`kiosk-fleet serve --notify`: whom to call, from the credential, environment or flags."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from notify_receivers import WAIT, webhook

from admin_tools.fleet.notifications import channels_from
from admin_tools.fleet.store import FleetStore

FLEET = str(Path(sys.executable).parent / "kiosk-fleet")


def test_serve_help_names_the_credential_to_prefer_over_urls_on_the_command_line() -> None:
    done = subprocess.run(
        [FLEET, "serve", "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    text = " ".join(done.stdout.split())
    assert "prefer the systemd credential kiosk-fleet-notify (one URL a line)" in text
    assert "$KIOSK_FLEET_NOTIFY" in text
    assert "--notify-ministry" in text
    assert "--public-url" in text


def test_the_lists_join_the_credential_the_environment_and_the_command_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "kiosk-fleet-notify").write_text(
        "# l'astreinte / on call\nmailto://astreinte:mot-de-passe@smtp.example.ca\n\n"
        "json://127.0.0.1:9/appel\n",
        encoding="utf-8",
    )
    env = {
        "CREDENTIALS_DIRECTORY": str(tmp_path),
        "KIOSK_FLEET_NOTIFY": "json://127.0.0.1:9/appel  msteams://équipe",
        "KIOSK_FLEET_NOTIFY_MINISTRY": "mailto://saaq@transport.example.ca",
    }
    lists = channels_from(["slack://a/b/c"], [], env)
    assert lists.operator == (
        "mailto://astreinte:mot-de-passe@smtp.example.ca",
        "json://127.0.0.1:9/appel",
        "msteams://équipe",
        "slack://a/b/c",
    )
    assert lists.ministry == ("mailto://saaq@transport.example.ca",)


def test_an_unusable_notify_url_stops_the_start_without_showing_its_password(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [
            FLEET,
            "serve",
            "--db",
            str(tmp_path / "fleet.db"),
            "--notify",
            "nimporte://éloïse:s3cret@x",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Apprise cannot use this nimporte:// URL" in done.stderr
    assert "s3cret" not in done.stderr + done.stdout
    assert not (tmp_path / "fleet.db").exists()  # stopped before opening the database


def _free_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_kiosk_fleet_serve_calls_the_list_from_the_environment_when_a_kiosk_goes_down(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "fleet.db")
    store = FleetStore(db)
    token = store.add_kiosk("qc-lvl-02", "Carrefour Laval, porte 3")
    store.close()
    port = _free_port()
    with webhook() as hook:
        env = {**os.environ, "KIOSK_FLEET_NOTIFY": hook.url}
        command = [FLEET, "serve", "--db", db, "--port", str(port)]
        command += ["--public-url", "https://flotte.example.ca/"]
        server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + WAIT
            while True:
                try:
                    requests.get(f"{url}/login", timeout=5)
                    break
                except requests.ConnectionError:
                    assert time.monotonic() < deadline, "kiosk-fleet serve did not listen"
                    assert server.poll() is None, "kiosk-fleet serve ended"
                    time.sleep(0.2)
            now = datetime.now(UTC)
            samples = [
                {"at": _rfc3339(now), "state": "up"},
                {"at": _rfc3339(now + timedelta(seconds=1)), "state": "down"},
            ]
            answer = requests.post(
                f"{url}/api/v1/samples",
                json={"kiosk_id": "qc-lvl-02", "samples": samples},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            assert answer.status_code == 202
            called = hook.next()  # at its next pass (every 15 s)
        finally:
            server.terminate()
            server.wait(timeout=60)
    assert called["title"].startswith("Panne détectée / Incident opened: qc-lvl-02")
    assert "Kiosk: qc-lvl-02 (Carrefour Laval, porte 3)" in called["message"]
    assert "Incident page: https://flotte.example.ca/incidents/qc-lvl-02/" in called["message"]
