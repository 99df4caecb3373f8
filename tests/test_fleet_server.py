"""The fleet monitor on its own server: install-fleet.sh, its unit, its database and nginx.

The install script is staged under a folder (as install-kiosk.sh's test does); the
PostgreSQL script runs on a private server; nginx runs the shipped example for real, with
a certificate made here, in front of a real `kiosk-fleet serve`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from fleet_server_support import free_port, self_signed, served_from_the_credential, wait_for
from fleet_support import OPS, at, sample
from postgres_support import PostgresServer, _bin, private_postgres

from admin_tools.fleet.api import MAX_BATCH
from admin_tools.fleet.store import FleetStore
from transactions.services import SERVICES
from transactions.survey import RATINGS, STATEMENTS

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "systemd" / "install-fleet.sh"
EXAMPLE = ROOT / "systemd" / "nginx-kiosk-fleet.conf"
BIN = ROOT / ".venv" / "bin"
LOCAL_URL = "postgresql:///kiosk-fleet?host=/run/postgresql"
KIOSK = "sherbrooke-carrefour-05"
SITE = "Carrefour de l'Estrie, local 1-0042"


def install(root: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """Stage the fleet monitor under ``root`` with this checkout's .venv."""
    return subprocess.run(
        [str(SCRIPT), "--root", str(root), "--bin", str(BIN), "--no-packages", "--no-enable",
         *options],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_install_stages_the_monitor_alone_with_its_unit_credential_and_proxy_example(
    tmp_path: Path,
) -> None:
    root = tmp_path / "root"
    done = install(root)
    assert done.returncode == 0, done.stderr
    units = sorted((root / "etc" / "systemd" / "system").iterdir())
    assert [u.name for u in units] == ["kiosk-fleet.service"]
    verify = subprocess.run(
        ["systemd-analyze", "verify", str(units[0])],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr
    credentials = root / "etc" / "kiosk-fleet" / "credentials"
    credential = credentials / "database-url"
    assert credentials.stat().st_mode & 0o777 == 0o700
    assert (credential.stat().st_mode & 0o777, credential.read_text()) == (0o600, "")
    unit = (root / "etc" / "systemd" / "system" / "kiosk-fleet.service").read_text()
    for name in ("notify", "notify-ministry"):  # who is called: empty until ops fill it in
        calls = credentials / name
        assert (calls.stat().st_mode & 0o777, calls.read_text()) == (0o600, "")
        assert f"LoadCredential=kiosk-fleet-{name}:/etc/kiosk-fleet/credentials/{name}" in unit
    proxy = root / "etc" / "nginx" / "sites-available" / "kiosk-fleet"
    assert proxy.read_text() == EXAMPLE.read_text()
    assert not (root / "etc" / "kiosk").exists()  # nothing of a kiosk's
    assert not (root / "etc" / "udev").exists()
    assert "SQLite" in done.stdout


def test_the_unit_listens_on_loopback_and_takes_its_database_from_the_credential(
    tmp_path: Path,
) -> None:
    install(tmp_path / "root")
    unit = (tmp_path / "root" / "etc" / "systemd" / "system" / "kiosk-fleet.service").read_text()
    lines = unit.splitlines()
    assert f"ExecStart={BIN}/kiosk-fleet serve --host 127.0.0.1 --port 8800" in lines
    assert (
        "LoadCredential=kiosk-fleet-database-url:/etc/kiosk-fleet/credentials/database-url" in lines
    )
    assert "StateDirectory=kiosk-fleet" in lines
    assert "0.0.0.0" not in unit
    assert "--db" not in unit


def test_installing_again_keeps_the_database_url_and_the_edited_proxy(tmp_path: Path) -> None:
    root = tmp_path / "root"
    install(root)
    credential = root / "etc" / "kiosk-fleet" / "credentials" / "database-url"
    url = "postgresql://kiosk_fleet:un-mot-de-passe@db.interne.example:5432/flotte"
    credential.write_text(url + "\n")
    proxy = root / "etc" / "nginx" / "sites-available" / "kiosk-fleet"
    edited = EXAMPLE.read_text().replace("fleet.example.org", "flotte.exemple.gouv")
    proxy.write_text(edited)
    again = install(root)
    assert again.returncode == 0, again.stderr
    assert credential.read_text() == url + "\n"
    assert proxy.read_text() == edited
    assert "un-mot-de-passe" not in again.stdout + again.stderr


def test_local_postgresql_writes_the_socket_url_and_never_replaces_another(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    done = install(first, "--local-postgresql")
    assert done.returncode == 0, done.stderr
    credential = first / "etc" / "kiosk-fleet" / "credentials" / "database-url"
    assert credential.read_text() == LOCAL_URL + "\n"
    assert credential.stat().st_mode & 0o777 == 0o600
    install(second)
    other = second / "etc" / "kiosk-fleet" / "credentials" / "database-url"
    other.write_text("postgresql://flotte@db.interne.example/flotte\n")
    kept = install(second, "--local-postgresql")
    assert kept.returncode == 0, kept.stderr
    assert other.read_text() == "postgresql://flotte@db.interne.example/flotte\n"
    assert "left as it is" in kept.stderr


def test_unknown_options_are_refused_and_help_says_how_to_stage() -> None:
    wrong = subprocess.run([str(SCRIPT), "--db", "x"], capture_output=True, text=True, check=False)
    assert wrong.returncode == 2
    assert "unknown option --db" in wrong.stderr
    helped = subprocess.run([str(SCRIPT), "--help"], capture_output=True, text=True, check=False)
    assert helped.returncode == 0
    assert "--local-postgresql" in helped.stdout
    assert "--root DIR --bin BIN --no-packages --no-enable" in helped.stdout


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    with private_postgres() as running:
        yield running


def psql_script(server: PostgresServer) -> subprocess.CompletedProcess[str]:
    """Run the role-and-database script as install-fleet.sh does (psql, script on stdin)."""
    return subprocess.run(
        [_bin("psql"), server.url, "-X", "-q", "-v", "ON_ERROR_STOP=1"],
        stdin=(ROOT / "systemd" / "kiosk-fleet-postgresql.sql").open(),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_the_local_database_script_runs_twice_and_only_its_owner_may_connect(
    server: PostgresServer,
) -> None:
    for _ in range(2):
        done = psql_script(server)
        assert done.returncode == 0, done.stderr
    # The credential's URL, pointed at the private server's socket; peer authentication
    # would name the user kiosk-fleet, the private server trusts whoever is named.
    url = f"{LOCAL_URL.replace('/run/postgresql', str(server.folder))}&port={server.port}"
    store = FleetStore(url + "&user=kiosk-fleet")  # its schema, made by its own role
    store.add_kiosk(KIOSK, SITE)
    assert store.kiosks() == [(KIOSK, SITE)]
    store.close()
    with psycopg.connect(server.url, autocommit=True) as admin:
        admin.execute("create role curieux login")
        owner = admin.execute(
            "select pg_get_userbyid(datdba) from pg_database where datname = 'kiosk-fleet'"
        ).fetchone()
        powers = admin.execute(
            "select rolsuper, rolcreatedb, rolcreaterole from pg_roles"
            " where rolname = 'kiosk-fleet'"
        ).fetchone()
    assert owner == ("kiosk-fleet",)
    assert powers == (False, False, False)
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(url + "&user=curieux")


def nginx_site(folder: Path, **replacements: str) -> Path:
    """Write the example with this test's certificate (and ``replacements``, each of
    which must be found) and an nginx.conf around it; return the nginx.conf."""
    cert, key = self_signed(folder)
    site = EXAMPLE.read_text()
    for old, new in {
        "/etc/ssl/kiosk-fleet/fullchain.pem": str(cert),
        "/etc/ssl/kiosk-fleet/privkey.pem": str(key),
        **replacements,
    }.items():
        assert old in site, old
        site = site.replace(old, new)
    (folder / "kiosk-fleet.conf").write_text(site)
    temp = "\n".join(
        f"  {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                             "uwsgi", "scgi")
    )  # fmt: skip
    main = folder / "nginx.conf"
    main.write_text(
        f"daemon off;\nmaster_process off;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'};\nevents {{}}\n"
        f"http {{\n  access_log {folder / 'access.log'};\n{temp}\n"
        f"  include {folder / 'kiosk-fleet.conf'};\n}}\n"
    )
    return main


def nginx() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    assert found, "nginx is in system-packages/fleet.txt: run make test (it installs it)"
    return found


def test_nginx_accepts_the_proxy_example(tmp_path: Path) -> None:
    conf = nginx_site(tmp_path)
    done = subprocess.run(
        [nginx(), "-t", "-c", str(conf), "-e", str(tmp_path / "error.log")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def largest_sample() -> dict[str, Any]:
    """Return the largest sample a kiosk's agent can send (kiosk_app/fleet_reporter.py)."""
    most = 99_999_999

    def month(name: str) -> dict[str, Any]:
        return {
            "month": name,
            "services": {
                s: {"transactions": most, "fees_cents": most, "amount_cents": most}
                for s in SERVICES
            },
            "survey": {
                s: {
                    "answers": most,
                    "ratings": dict.fromkeys(RATINGS, most),
                    "agreed": dict.fromkeys(STATEMENTS, most),
                }
                for s in SERVICES
            },
        }

    return {
        **sample(0, "maintenance"),
        "counters": [month("2026-11"), month("2026-12")],  # the 1st: last month's too
        "reason": "é" * 300,  # REASON_CHARS, escaped as \u00e9 by requests' json=
        "services": dict.fromkeys(SERVICES, False),
        "devices": dict.fromkeys(("card_reader", "payment_terminal", "printer", "scanner"),
                                 "paper_out"),
        "outbox_depth": most,
        "version": "v" * 64,
    }  # fmt: skip


def test_a_full_batch_of_the_largest_samples_fits_under_the_proxy_body_limit() -> None:
    limit = re.search(r"^\s*client_max_body_size (\d+)m;", EXAMPLE.read_text(), re.MULTILINE)
    assert limit, "the example sets client_max_body_size in megabytes"
    body = json.dumps({"kiosk_id": "x" * 100, "samples": [largest_sample()] * MAX_BATCH})
    assert len(body.encode()) <= int(limit.group(1)) * 1024 * 1024


@contextmanager
def nginx_running(conf: Path, url: str, verify: str) -> Iterator[None]:
    log = conf.parent / "error.log"
    process = subprocess.Popen(
        [nginx(), "-c", str(conf), "-e", str(log)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        log.touch()
        wait_for(url, log, process, verify=verify)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_kiosks_post_and_ops_read_through_nginx_over_tls(tmp_path: Path) -> None:
    database = str(tmp_path / "monitor" / "fleet.db")
    store = FleetStore(database)
    token = store.add_kiosk(KIOSK, SITE)
    store.add_user(OPS[0], "ops", OPS[1])
    store.close()
    (tmp_path / "monitor").mkdir(exist_ok=True)
    proxy = tmp_path / "proxy"
    proxy.mkdir()
    tls, plain = free_port(), free_port()
    with served_from_the_credential(database, tmp_path / "monitor") as monitor:
        conf = nginx_site(
            proxy,
            **{
                "listen 443 ssl http2;": f"listen 127.0.0.1:{tls} ssl http2;",
                "listen [::]:443 ssl http2;": "",
                "listen 80;": f"listen 127.0.0.1:{plain};",
                "listen [::]:80;": "",
                "proxy_pass http://127.0.0.1:8800;": f"proxy_pass {monitor};",
            },
        )
        url, verify = f"https://127.0.0.1:{tls}", str(proxy / "fullchain.pem")
        with nginx_running(conf, f"{url}/metrics", verify):
            posted = requests.post(
                f"{url}/api/v1/samples",
                json={"kiosk_id": KIOSK, "samples": [sample(0), sample(15)]},
                headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": "203.0.113.9"},
                verify=verify,
                timeout=30,
            )
            read = requests.get(
                f"{url}/api/v1/availability",
                params={"start": at(0), "end": at(30)},
                auth=OPS,
                verify=verify,
                timeout=30,
            )
            clear = requests.get(
                f"http://127.0.0.1:{plain}/api/v1/samples", allow_redirects=False, timeout=30
            )
    assert (posted.status_code, posted.json()) == (202, {"accepted": 2})
    assert read.status_code == 200, read.text
    assert clear.status_code == 301
    assert clear.headers["location"].startswith("https://")
    served = (tmp_path / "monitor" / "serve.log").read_text()
    assert '"POST /api/v1/samples HTTP/1.1" 202' in served
    assert "203.0.113.9" not in served  # the address nginx saw, not one the client wrote
