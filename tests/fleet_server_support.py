"""`kiosk-fleet serve` as a real process, started as its unit starts it (no --db), and a
self-signed certificate for the TLS proxy in front of it."""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

FLEET = str(Path(sys.executable).parent / "kiosk-fleet")
SERVER_NAME = "fleet.example.org"


def free_port() -> int:
    """Return a loopback port nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, log: Path, process: subprocess.Popen[bytes], **options: object) -> None:
    """Wait until ``url`` answers at all (any status), or fail with the process's log."""
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            requests.get(url, timeout=5, **options)  # type: ignore[arg-type]
            return
        except requests.ConnectionError:
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)


@contextmanager
def served_from_the_credential(database_url: str, folder: Path) -> Iterator[str]:
    """Run ``kiosk-fleet serve`` as its unit does: the URL in a credential, not in argv;
    yield its URL. Its log is ``folder/serve.log``."""
    credentials = folder / "credentials"
    credentials.mkdir(mode=0o700)
    (credentials / "kiosk-fleet-database-url").write_text(database_url + "\n")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "STATE_DIRECTORY"}
    env["CREDENTIALS_DIRECTORY"] = str(credentials)
    log_path = folder / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [FLEET, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=log,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{url}/metrics", log_path, process)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for the monitor's name and 127.0.0.1 and its key;
    return (certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERVER_NAME)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(SERVER_NAME), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path
