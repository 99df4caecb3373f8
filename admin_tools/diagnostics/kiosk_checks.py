"""The kiosk's checks beyond its devices: backends, fleet monitor, clock, disk, database,
outbox, version. Each gives a status, what was found and the fix to try.

The caller (``kiosk diagnose``) passes what to check (URLs, paths, limits); nothing here
reads the config.
"""

from __future__ import annotations

import ipaddress
import shutil
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from offline_store.database import read_only_connection

SLOW_SECONDS = 2.0
SKEW_DEGRADED = 60.0
SKEW_DOWN = 300.0
OUTBOX_OLD_SECONDS = 3600.0


@dataclass(frozen=True)
class Check:
    """One check: ``ok``, ``degraded`` or ``down``, with the finding and the fix."""

    name: str
    status: str
    detail: str
    fix: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Return the check as ``kiosk diagnose --json`` reports it."""
        return {
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "fix": self.fix,
            **self.data,
        }


def backend_checks(base_url: str, probes: Mapping[str, str]) -> tuple[list[Check], float | None]:
    """Probe each backend (reachable, TLS, latency); return the checks and the clock skew
    against the first backend's ``Date`` header (seconds, local minus theirs)."""
    checks: list[Check] = []
    skew: float | None = None
    session = requests.Session()
    for name, path in probes.items():
        started = time.monotonic()
        try:
            answer = session.get(base_url + path, timeout=(3, 10))
        except requests.exceptions.SSLError as err:
            checks.append(
                Check(
                    f"backend {name}",
                    "down",
                    f"TLS certificate not valid: {err}",
                    "check the kiosk's clock and CA bundle (REQUESTS_CA_BUNDLE)",
                )
            )
            continue
        except requests.RequestException as err:
            checks.append(
                Check(
                    f"backend {name}",
                    "down",
                    f"unreachable: {err.__class__.__name__}",
                    "check the network cable or Wi-Fi, then backend.url",
                )
            )
            continue
        latency = time.monotonic() - started
        if skew is None and answer.headers.get("date"):
            theirs = parsedate_to_datetime(answer.headers["date"])
            skew = datetime.now(UTC).timestamp() - theirs.timestamp()
        checks.append(backend_verdict(name, base_url, answer.status_code, latency))
    return checks, skew


def backend_verdict(name: str, base_url: str, status_code: int, latency: float) -> Check:
    """Judge one backend's answer: its status, its latency (seconds) and its transport.

    Plain ``http://`` is degraded unless the backend is on this machine (a test lab or a
    local proxy): anyone on the network between could read or change what is sent.
    """
    data = {"latency_ms": round(latency * 1000)}
    if status_code >= 500:
        fix = "the ministry's service is down: wait, or call its help desk"
        return Check(f"backend {name}", "down", f"answers {status_code}", fix, data)
    found: list[str] = []
    fixes: list[str] = []
    if latency > SLOW_SECONDS:
        found.append(f"slow ({data['latency_ms']} ms)")
        fixes.append("check the network's load; citizens will wait")
    if base_url.startswith("https://"):
        transport = "TLS valid"
    elif is_loopback_url(base_url):
        transport = "no TLS (this machine)"
    else:
        transport = "no TLS: readable by anyone on the network"
        found.append(transport)
        fixes.append("use the backends' https:// address in backend.url")
    if found:
        return Check(f"backend {name}", "degraded", "; ".join(found), "; ".join(fixes), data)
    return Check(f"backend {name}", "ok", f"{data['latency_ms']} ms, {transport}", "", data)


def is_loopback_url(url: str) -> bool:
    """Tell whether ``url``'s host is this machine: localhost, 127.0.0.0/8 or ::1."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: only "localhost" is taken on trust, never resolved here
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def clock_check(skew: float | None) -> Check:
    """Judge the clock's skew against the backends."""
    if skew is None:
        return Check("clock", "degraded", "no backend answered with its time", "fix the network")
    data = {"skew_seconds": round(skew, 1)}
    if abs(skew) > SKEW_DOWN:
        return Check(
            "clock", "down", f"off by {skew:+.0f} s", "enable NTP: timedatectl set-ntp true", data
        )
    if abs(skew) > SKEW_DEGRADED:
        return Check(
            "clock",
            "degraded",
            f"off by {skew:+.0f} s",
            "enable NTP: timedatectl set-ntp true",
            data,
        )
    return Check("clock", "ok", f"within {abs(skew):.0f} s of the backends", "", data)


FLEET = "fleet monitor"


def fleet_check(fleet_url: str, kiosk_id: str, token: str | None, token_path: Path) -> Check:
    """Check that the fleet monitor accepts this kiosk's id and token (``/api/v1/whoami``).

    ``token`` is what the agent sends: ``""`` when none is set, None when this process may
    not read it (a shell without sudo), which checks only that the monitor answers.
    ``token_path`` is where a technician puts the token.
    """
    if not fleet_url:
        return Check(FLEET, "ok", "not configured (no fleet.url)", "")
    if token == "":
        return Check(FLEET, "down", f"no token in {token_path}", token_fix(kiosk_id, token_path))
    started = time.monotonic()
    try:
        answer = requests.get(
            f"{fleet_url}/api/v1/whoami",
            params={"kiosk_id": kiosk_id},
            headers={"Authorization": f"Bearer {token}"} if token is not None else {},
            timeout=(3, 10),
        )
    except requests.exceptions.SSLError as err:
        fix = "samples wait on the kiosk; check its clock and CA bundle (REQUESTS_CA_BUNDLE)"
        return Check(FLEET, "degraded", f"TLS certificate not valid: {err}", fix)
    except requests.RequestException as err:
        fix = "samples wait on the kiosk; check the network and fleet.url"
        return Check(FLEET, "degraded", f"unreachable: {err.__class__.__name__}", fix)
    latency = time.monotonic() - started
    site = ""
    if answer.status_code == 200:
        try:
            site = str(answer.json().get("site", ""))
        except (ValueError, AttributeError):
            site = ""
    return fleet_verdict(
        fleet_url,
        kiosk_id,
        answer.status_code,
        latency,
        site=site,
        token_path=token_path,
        token_read=token is not None,
    )


def token_fix(kiosk_id: str, token_path: Path) -> str:
    """Return how a technician gives the kiosk its fleet token."""
    return (
        f"[kiosk] id must be the id registered at the monitor; `kiosk-fleet kiosks add "
        f"{kiosk_id} --site NAME` prints the token; put it in {token_path}, then "
        "systemctl restart kiosk-agent"
    )


def fleet_verdict(
    fleet_url: str,
    kiosk_id: str,
    status_code: int,
    latency: float,
    *,
    site: str = "",
    token_path: Path,
    token_read: bool = True,
) -> Check:
    """Judge the monitor's answer to ``/api/v1/whoami``: its status, latency and transport.

    Plain ``http://`` off this machine is degraded as for the backends, and worse here: the
    kiosk's token crosses the network readable.
    """
    data = {"latency_ms": round(latency * 1000)}
    if fleet_url.startswith("https://"):
        transport, clear = "TLS valid", False
    elif is_loopback_url(fleet_url):
        transport, clear = "no TLS (this machine)", False
    else:
        transport, clear = "no TLS: the token is readable by anyone on the network", True
    https = "; use the monitor's https:// address in fleet.url" if clear else ""
    note = f"; {transport}" if clear else ""
    if status_code == 401 and not token_read:
        detail = f"answers; the token in {token_path} is not readable here: run diagnose with sudo"
        return Check(FLEET, "unknown", detail + note, https[2:], data)
    if status_code == 401:
        detail = f"refuses kiosk {kiosk_id}: not registered there, or the wrong token{note}"
        return Check(FLEET, "down", detail, token_fix(kiosk_id, token_path) + https, data)
    if status_code == 422:
        detail = f"refuses the kiosk id {kiosk_id!r} (it takes 1 to 100 characters)"
        return Check(FLEET, "down", detail, token_fix(kiosk_id, token_path), data)
    if status_code == 404:
        fix = "check fleet.url; if it is right, update the fleet monitor (kiosk-fleet)"
        return Check(FLEET, "degraded", "answers 404: no /api/v1/whoami there", fix, data)
    if status_code != 200:
        fix = "samples wait on the kiosk; check fleet.url, then the monitor's log"
        return Check(FLEET, "degraded", f"answers {status_code}", fix, data)
    where = f" ({site})" if site else ""
    detail = f"accepts kiosk {kiosk_id}{where}, {data['latency_ms']} ms, {transport}"
    return Check(FLEET, "degraded" if clear else "ok", detail, https[2:], data)


def disk_check(folder: Path, min_free_bytes: int) -> Check:
    """Judge the free space where the kiosk keeps its database."""
    try:
        free = shutil.disk_usage(folder if folder.exists() else folder.parent).free
    except OSError as err:
        return Check("disk", "down", f"cannot read: {err}", "check the disk; replace it")
    data = {"free_mb": free // (1024 * 1024)}
    if free < min_free_bytes:
        return Check(
            "disk",
            "down",
            f"full: {data['free_mb']} MB free",
            "free space (old logs: journalctl --vacuum-size=100M)",
            data,
        )
    if free < 4 * min_free_bytes:
        return Check(
            "disk",
            "degraded",
            f"nearly full: {data['free_mb']} MB free",
            "free space soon (journalctl --vacuum-size=100M)",
            data,
        )
    return Check("disk", "ok", f"{data['free_mb']} MB free", "", data)


def _unreadable(err: sqlite3.Error) -> Check:
    return Check(
        "database",
        "down",
        f"cannot be read: {err}",
        "restart the kiosk: it moves a damaged file aside and starts afresh",
    )


def _refused_samples(db: sqlite3.Connection) -> Check | None:
    """Judge the status samples the fleet monitor refused for good (kept a week)."""
    try:
        count, last = db.execute(
            "select count(*), (select refused from status_samples where refused is not null"
            " order by id desc limit 1) from status_samples where refused is not null"
        ).fetchone()
    except sqlite3.OperationalError:  # a file from before migration 7: nothing refused yet
        return None
    if not count:
        return Check("fleet samples", "ok", "none refused by the fleet monitor", "")
    return Check(
        "fleet samples",
        "degraded",
        f"{count} status sample(s) refused for good by the fleet monitor; last: {last}",
        "compare the kiosk's version with the monitor's; journalctl -u kiosk-agent",
        {"refused": int(count)},
    )


def database_checks(path: Path, now: float) -> list[Check]:
    """Check the database's integrity (read-only) and the outbox's depth and oldest call."""
    if not path.exists():
        return [Check("database", "degraded", "not created yet", "start the kiosk once")]
    try:
        db = read_only_connection(path, busy_seconds=5)
        try:
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
            rows = db.execute(
                "select count(*), min(created_at) from outbox where status = 'waiting'"
            ).fetchone()
            refused = _refused_samples(db)
        finally:
            db.close()
    except sqlite3.OperationalError as err:
        if "locked" not in str(err) and "busy" not in str(err):
            return [_unreadable(err)]
        return [
            Check(
                "database",
                "down",
                f"busy: another process has held it for more than 5 s ({err})",
                "find who holds it (fuser -v kiosk.db); the kiosk waits and starts once free",
            )
        ]
    except sqlite3.DatabaseError as err:
        return [_unreadable(err)]
    checks = [
        Check("database", "ok", "integrity ok", "")
        if verdict == "ok"
        else Check(
            "database",
            "down",
            f"damaged: {verdict}",
            "restart the kiosk: it moves a damaged file aside and starts afresh",
        )
    ]
    if refused is not None:
        checks.append(refused)
    depth, oldest = int(rows[0]), rows[1]
    data: dict[str, Any] = {"depth": depth}
    if depth and oldest:
        age = (
            now - datetime.strptime(oldest, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
        )
        data["oldest_seconds"] = round(age)
        if age > OUTBOX_OLD_SECONDS:
            checks.append(
                Check(
                    "outbox",
                    "degraded",
                    f"{depth} call(s) waiting, the oldest for {age / 3600:.1f} h",
                    "kiosk outbox list; check the backends; kiosk outbox retry",
                    data,
                )
            )
            return checks
    checks.append(Check("outbox", "ok", f"{depth} call(s) waiting", "", data))
    return checks


def worst(statuses: list[str]) -> str:
    """Return the worst status: down, then degraded, else ok."""
    for status in ("down", "degraded"):
        if status in statuses:
            return status
    return "ok"
