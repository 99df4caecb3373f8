"""Who is called when a kiosk fails, when, and with what words (no I/O here).

An incident (a row of ``GET /api/v1/availability``'s ``incidents``) brings up to four
events: ``opened``, ``30-minutes-left`` (of its two-hour repair clock), ``breached`` and
``resolved``. Ministry incidents (``attributed_to`` ``ministry:<name>``) are not on the
operator's clock: they bring ``opened`` and ``resolved`` only, to the ministry's list. A
correlated incident (many kiosks silent at once, a ``kiosks`` list) is one message. Rows
without ``attributed_to``, ``reason`` or ``kiosks`` (older monitors) are the operator's,
with the kiosk's newest device problems as the reason. The worker that sends them is
``admin_tools.fleet.notifier``.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from admin_tools.fleet.availability import REPAIR_SECONDS

WARN_BEFORE_SECONDS = 30 * 60
NOTIFY_CREDENTIAL = "kiosk-fleet-notify"
NOTIFY_MINISTRY_CREDENTIAL = "kiosk-fleet-notify-ministry"
CORRELATED = "correlated"
"""The id prefix of the operator's incident of many kiosks silent together (a ministry's
is ``ministry:<name>/<second>``; one kiosk's ``<kiosk>/<second>``)."""
NOTIFY_ENV = "KIOSK_FLEET_NOTIFY"
NOTIFY_MINISTRY_ENV = "KIOSK_FLEET_NOTIFY_MINISTRY"


class Event(enum.Enum):
    """What happened to an incident that someone must hear of."""

    OPENED = "opened"
    THIRTY_MINUTES_LEFT = "30-minutes-left"
    BREACHED = "breached"
    RESOLVED = "resolved"


class Audience(enum.Enum):
    """Whose list a message goes to."""

    OPERATOR = "operator"
    MINISTRY = "ministry"


@dataclass(frozen=True)
class Due:
    """One event of one incident, ready to be told."""

    incident_id: str
    event: Event
    at: float
    """When it happened (the repair clock's marks are computed without pauses)."""
    audience: Audience
    kiosks: tuple[str, ...]
    cause: str
    reason: str
    attributed_to: str
    detected_at: float
    resolved_at: float | None
    duration_seconds: float


@dataclass(frozen=True)
class Channels:
    """The Apprise URLs of each list (they may hold passwords: never logged whole)."""

    operator: tuple[str, ...] = ()
    ministry: tuple[str, ...] = ()

    def of(self, audience: Audience) -> tuple[str, ...]:
        """Return the URLs of ``audience``'s list."""
        return self.operator if audience is Audience.OPERATOR else self.ministry


def incident_id(kiosk_id: str, detected_at: float) -> str:
    """Return an incident's id: its kiosk and detection second, as in its page's path."""
    return f"{kiosk_id}/{int(detected_at)}"


def incident_path(due: Due) -> str:
    """Return the dashboard's path of the incident's page (the fleet's for many kiosks)."""
    if not due.incident_id.startswith(due.kiosks[0] + "/"):
        return "/#incidents"
    return f"/incidents/{quote(due.kiosks[0], safe='')}/{int(due.detected_at)}"


def events_of(row: Mapping[str, Any], problems: Mapping[str, str]) -> list[Due]:
    """Return the events an incident row has brought so far, in order.

    ``problems``: each kiosk's newest device problems ("printer: paper_out"), the reason
    when the row has none.
    """
    attributed = str(row.get("attributed_to") or "operator")
    audience = Audience.MINISTRY if attributed.startswith("ministry:") else Audience.OPERATOR
    kiosks = tuple(row.get("kiosks") or ()) or (str(row["kiosk_id"]),)
    detected, resolved = float(row["detected_at"]), row.get("resolved_at")
    kiosk = row.get("kiosk_id")
    if kiosk:  # one kiosk's incident: as its page's path has it
        key = incident_id(str(kiosk), detected)
    else:  # many kiosks: a ministry's outage, or kiosks silent together
        key = incident_id(attributed if audience is Audience.MINISTRY else CORRELATED, detected)
    duration = float(row.get("duration_seconds") or 0.0)
    opened = Due(
        incident_id=key,
        event=Event.OPENED,
        at=detected,
        audience=audience,
        kiosks=kiosks,
        cause=str(row.get("cause") or ""),
        reason=str(row.get("reason") or problems.get(kiosks[0], "")),
        attributed_to=attributed,
        detected_at=detected,
        resolved_at=None if resolved is None else float(resolved),
        duration_seconds=duration,
    )
    found = [opened]
    if audience is Audience.OPERATOR:
        if duration >= REPAIR_SECONDS - WARN_BEFORE_SECONDS:
            mark = detected + REPAIR_SECONDS - WARN_BEFORE_SECONDS
            found.append(replace(opened, event=Event.THIRTY_MINUTES_LEFT, at=mark))
        if bool(row.get("sla_breached")) or duration > REPAIR_SECONDS:
            found.append(replace(opened, event=Event.BREACHED, at=detected + REPAIR_SECONDS))
    if resolved is not None:
        found.append(replace(opened, event=Event.RESOLVED, at=float(resolved)))
    return found


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _span(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


HEADLINES = {
    Event.OPENED: ("Panne détectée", "Incident opened"),
    Event.THIRTY_MINUTES_LEFT: (
        "Plus que 30 minutes pour réparer",
        "30 minutes left to repair",
    ),
    Event.BREACHED: ("Délai de réparation de 2 h dépassé", "Two-hour repair time breached"),
    Event.RESOLVED: ("Panne résolue", "Incident resolved"),
}


def message(due: Due, sites: Mapping[str, str], public_url: str) -> tuple[str, str]:
    """Return (title, body) of the event's message, in French then English."""
    french, english = HEADLINES[due.event]
    kiosks = ", ".join(f"{k} ({sites.get(k, '?')})" for k in due.kiosks)
    owner = "" if due.audience is Audience.OPERATOR else f" [{due.attributed_to}]"
    link = public_url.rstrip("/") + incident_path(due)
    reason = due.reason or "—"
    lasted = _span(due.duration_seconds)
    named = ", ".join(due.kiosks[:3]) + (f" +{len(due.kiosks) - 3}" if len(due.kiosks) > 3 else "")
    title = f"{french} / {english}: {named}{owner}"
    body = "\n".join(
        [
            f"FR — {french}{owner}",
            f"Kiosque : {kiosks}",
            f"Détectée le {_when(due.detected_at)}; durée : {lasted}",
            f"Cause : {due.cause or '—'} · Raison : {reason}",
            f"Page de l'incident : {link}",
            "",
            f"EN — {english}{owner}",
            f"Kiosk: {kiosks}",
            f"Detected {_when(due.detected_at)}; lasted: {lasted}",
            f"Cause: {due.cause or '—'} · Reason: {reason}",
            f"Incident page: {link}",
        ]
    )
    return title, body


def urls_from(
    given: Sequence[str], environment: str, credential: str, env: Mapping[str, str]
) -> tuple[str, ...]:
    """Return the URLs of a list: the systemd credential (one a line, ``#`` comments),
    the environment variable (space-separated), then the command line; no repeats."""
    found: list[str] = []
    folder = env.get("CREDENTIALS_DIRECTORY")
    if folder and (Path(folder) / credential).is_file():
        for line in (Path(folder) / credential).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                found.append(line.strip())
    found.extend(env.get(environment, "").split())
    found.extend(given)
    return tuple(dict.fromkeys(found))


def channels_from(
    notify: Sequence[str], notify_ministry: Sequence[str], env: Mapping[str, str] | None = None
) -> Channels:
    """Return both lists from the credentials, the environment and the command line."""
    env = os.environ if env is None else env
    return Channels(
        operator=urls_from(notify, NOTIFY_ENV, NOTIFY_CREDENTIAL, env),
        ministry=urls_from(notify_ministry, NOTIFY_MINISTRY_ENV, NOTIFY_MINISTRY_CREDENTIAL, env),
    )


def attempts_html(attempts: Sequence[Mapping[str, Any]]) -> str:
    """Return the incident page's section listing its delivery attempts (escaped)."""
    rows = "".join(
        f"<tr><td>{escape(str(a['event']))}</td><td>{escape(str(a['channel']))}</td>"
        f"<td>{int(a['attempt'])}</td><td class='{'ok' if a['ok'] else 'bad'}'>"
        f"{'delivered' if a['ok'] else 'failed'}</td><td>{_when(float(a['at']))}</td>"
        f"<td>{escape(str(a['error']))}</td></tr>"
        for a in attempts
    )
    if not rows:
        return "<section id='notifications'><h2>Notifications</h2><p>Nobody told yet.</p></section>"
    return (
        "<section id='notifications'><h2>Notifications</h2><table><tr><th>Event</th>"
        "<th>Channel</th><th>Attempt</th><th>Result</th><th>At</th><th>Error</th></tr>"
        f"{rows}</table></section>"
    )
