"""The ops dashboard: server-rendered pages behind a login form.

``/login`` takes a user's name and password and sets a signed session cookie (8 hours);
``/`` shows the fleet now, its share over the last day (an SVG plot), the open incidents
with their two-hour repair clock, the capability view and the kiosks by site; each
incident has its own page. Every value is escaped; no script runs on the pages.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from html import escape
from urllib.parse import parse_qs, quote, unquote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from admin_tools.fleet.availability import Incident, incidents_of
from admin_tools.fleet.dashboard_data import DAY, Dashboard, dashboard, repair_clock
from admin_tools.fleet.notifications import attempts_html, incident_id
from admin_tools.fleet.notifier import attempts_of
from admin_tools.fleet.store import FleetStore
from admin_tools.fleet.timeline import timeline

COOKIE = "fleet_session"
SESSION_SECONDS = 8 * 3600
STYLE = """
body{font-family:sans-serif;margin:0;color:#1b1b1b;background:#f4f5f7}
header{background:#0b3d6e;color:#fff;padding:12px 24px;display:flex;justify-content:space-between}
header a{color:#fff}main{padding:16px 24px}section{background:#fff;border-radius:8px;
padding:16px;margin-bottom:16px}h1{font-size:1.4em;margin:0}h2{font-size:1.1em;margin-top:0}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:6px 8px;
border-bottom:1px solid #ddd}.big{font-size:2.4em;font-weight:bold}.ok{color:#0a6b2f}
.bad{color:#b00020}.state-up{color:#0a6b2f}.state-down{color:#b00020}
.state-degraded,.state-maintenance{color:#8a5a00}form.login{max-width:320px;margin:10vh auto;
background:#fff;padding:24px;border-radius:8px}label{display:block;margin:12px 0 4px}
input{width:100%;padding:8px;font-size:1em;box-sizing:border-box}button{margin-top:16px;
padding:10px 16px;font-size:1em}.error{color:#b00020}
"""


def when(seconds: float | None) -> str:
    """Return a time for people: UTC, to the minute."""
    if seconds is None:
        return "never"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


def span(seconds: float) -> str:
    """Return a duration as "1 h 05 min"."""
    minutes = int(abs(seconds) // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _page(title: str, body: str, user: str | None = None) -> HTMLResponse:
    bar = f'<span>{escape(user)} · <a href="/logout">log out</a></span>' if user else ""
    return HTMLResponse(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1><a href='/' style='text-decoration:none'>Kiosk fleet</a></h1>{bar}"
        f"</header><main>{body}</main></body></html>"
    )


class Sessions:
    """Signed session cookies: "name|role|expiry|signature"."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def make(self, name: str, role: str, now: float) -> str:
        payload = f"{quote(name)}|{role}|{int(now + SESSION_SECONDS)}"
        return f"{payload}|{self._sign(payload)}"

    def read(self, cookie: str | None, now: float) -> tuple[str, str] | None:
        if not cookie or cookie.count("|") != 3:
            return None
        payload, _, signature = cookie.rpartition("|")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        name, role, expiry = payload.split("|")
        if int(expiry) < now:
            return None
        return unquote(name), role

    def _sign(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()


def share_plot(board: Dashboard) -> str:
    """Return an SVG step plot of the fleet's share over the last day, with the target."""
    width, height, left, top = 720, 200, 40, 10
    inner_w, inner_h = width - left - 10, height - top - 30
    start = board.now - DAY

    def x(t: float) -> float:
        return left + inner_w * (t - start) / DAY

    def y(pct: float) -> float:
        low = 50.0
        return top + inner_h * (100 - max(pct, low)) / (100 - low)

    path = []
    for a, b, pct in board.share_day:
        path.append(f"M{x(max(a, start)):.1f},{y(pct):.1f}H{x(b):.1f}")
    target = y(board.target_pct)
    labels = "".join(
        f"<text x='{left - 4}' y='{y(p) + 4:.1f}' font-size='11' text-anchor='end'>{p}%</text>"
        for p in (100, 97, 75, 50)
    )
    return (
        f"<svg id='share-plot' role='img' aria-label='Operational share over the last 24 hours' "
        f"width='{width}' height='{height}' viewBox='0 0 {width} {height}'>"
        f"<rect x='{left}' y='{top}' width='{inner_w}' height='{inner_h}' fill='#fafafa' "
        "stroke='#ccc'/>"
        f"<line x1='{left}' x2='{left + inner_w}' y1='{target:.1f}' y2='{target:.1f}' "
        "stroke='#b00020' stroke-dasharray='4 3'/>"
        f"<path d='{''.join(path)}' stroke='#0b3d6e' stroke-width='2' fill='none'/>{labels}"
        f"<text x='{left}' y='{height - 8}' font-size='11'>24 h ago</text>"
        f"<text x='{left + inner_w}' y='{height - 8}' font-size='11' text-anchor='end'>now</text>"
        "</svg>"
    )


def incident_link(incident: Incident) -> str:
    return f"/incidents/{quote(incident.kiosk_id)}/{int(incident.detected_at)}"


def render_dashboard(board: Dashboard, user: str) -> HTMLResponse:
    """Return the dashboard page."""
    share = board.share_pct
    meets = share is not None and share >= board.target_pct
    now_text = "no kiosk yet" if share is None else f"{share:.1f}%"
    rows = []
    for incident in board.incidents:
        left, breached = repair_clock(incident, board.now)
        clock = f"over by {span(left)}" if breached else f"{span(left)} left"
        rows.append(
            f"<tr class='incident'><td><a href='{incident_link(incident)}'>"
            f"{escape(incident.kiosk_id)}</a></td><td>{when(incident.detected_at)}</td>"
            f"<td>{span(incident.duration(board.now))}</td>"
            f"<td class='{'bad' if breached else 'ok'}'>{clock}</td>"
            f"<td>{escape(incident.cause)}</td></tr>"
        )
    incidents = (
        "<table id='incidents'><tr><th>Kiosk</th><th>Detected</th><th>Down for</th>"
        f"<th>Repair clock (2 h)</th><th>Cause</th></tr>{''.join(rows)}</table>"
        if rows
        else "<p id='incidents'>No open incident.</p>"
    )
    capabilities = "".join(
        f"<li>{escape(c.service)} unavailable at {c.kiosks} kiosk{'s' if c.kiosks > 1 else ''}"
        f": {escape(', '.join(c.causes))}</li>"
        for c in board.capabilities
    )
    sites = []
    for site, kiosks in board.sites.items():
        lines = "".join(
            f"<tr><td>{escape(k.kiosk_id)}</td><td class='state-{escape(k.state)}'>"
            f"{escape(k.state)}</td><td>{when(k.last_seen)}</td>"
            f"<td>{escape(', '.join(k.problems))}</td></tr>"
            for k in kiosks
        )
        sites.append(
            f"<h3>{escape(site)}</h3><table class='site'><tr><th>Kiosk</th><th>State</th>"
            f"<th>Last seen</th><th>Devices</th></tr>{lines}</table>"
        )
    body = (
        "<section><h2>Fleet now</h2>"
        f"<p><span id='share-now' class='big {'ok' if meets else 'bad'}'>{now_text}</span> "
        f"operational · target {board.target_pct:g}%</p>{share_plot(board)}</section>"
        f"<section><h2>Open incidents</h2>{incidents}</section>"
        "<section><h2>What cannot be sold</h2>"
        f"<ul id='capabilities'>{capabilities or '<li>Every service, everywhere.</li>'}</ul>"
        f"</section><section><h2>Kiosks by site</h2>{''.join(sites)}</section>"
    )
    return _page("Kiosk fleet", body, user)


def render_incident(
    board: Dashboard, incident: Incident, user: str, notified: str = ""
) -> HTMLResponse:
    """Return one incident's page (``notified``: its notifications' section)."""
    left, breached = repair_clock(incident, board.now)
    line = next(
        (k for kiosks in board.sites.values() for k in kiosks if k.kiosk_id == incident.kiosk_id),
        None,
    )
    body = (
        f"<section id='incident'><h2>Incident at {escape(incident.kiosk_id)}</h2><table>"
        f"<tr><th>Site</th><td>{escape(line.site if line else '')}</td></tr>"
        f"<tr><th>Detected</th><td>{when(incident.detected_at)}</td></tr>"
        f"<tr><th>Resolved</th><td>{when(incident.resolved_at) if incident.resolved_at else 'open'}"
        f"</td></tr><tr><th>Duration</th><td>{span(incident.duration(board.now))}</td></tr>"
        f"<tr><th>Repair clock</th><td class='{'bad' if breached else 'ok'}'>"
        f"{'over the two hours by ' + span(left) if breached else span(left) + ' left'}</td></tr>"
        f"<tr><th>Cause</th><td>{escape(incident.cause)}</td></tr>"
        f"<tr><th>Devices now</th><td>{escape(', '.join(line.problems) if line else '')}</td></tr>"
        f"</table><p><a href='/'>Back to the fleet</a></p></section>{notified}"
    )
    return _page(f"Incident at {incident.kiosk_id}", body, user)


def login_page(error: str = "") -> HTMLResponse:
    message = f"<p class='error' role='alert'>{escape(error)}</p>" if error else ""
    return _page(
        "Log in",
        "<form class='login' method='post' action='/login'><h2>Log in</h2>"
        f"{message}<label for='name'>Name</label><input id='name' name='name' "
        "autocomplete='username' required><label for='password'>Password</label>"
        "<input id='password' name='password' type='password' autocomplete='current-password' "
        "required><button id='log-in' type='submit'>Log in</button></form>",
    )


def dashboard_routes(store: FleetStore, now: object) -> APIRouter:
    """Return the dashboard's routes over ``store`` (``now``: the app's clock)."""
    router = APIRouter()
    sessions = Sessions(store.session_secret())
    clock = now if callable(now) else time.time

    def user_of(request: Request) -> tuple[str, str] | None:
        return sessions.read(request.cookies.get(COOKIE), float(clock()))

    @router.get("/login", response_class=HTMLResponse)
    def login_form() -> HTMLResponse:
        return login_page()

    @router.post("/login", response_model=None)
    async def login(request: Request) -> Response:
        # A plain form (application/x-www-form-urlencoded), read without python-multipart.
        fields = parse_qs((await request.body()).decode("utf-8", "replace"))
        name = fields.get("name", [""])[0]
        password = fields.get("password", [""])[0]
        role = store.user_role(name, password)
        if role is None:
            page = login_page("Wrong name or password.")
            page.status_code = 401
            return page
        answer = RedirectResponse("/", status_code=303)
        answer.set_cookie(
            COOKIE,
            sessions.make(name, role, float(clock())),
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="strict",
        )
        return answer

    @router.get("/logout")
    def logout() -> RedirectResponse:
        answer = RedirectResponse("/login", status_code=303)
        answer.delete_cookie(COOKIE)
        return answer

    @router.get("/", response_model=None)
    def home(request: Request) -> Response:
        user = user_of(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        return render_dashboard(dashboard(store, float(clock())), user[0])

    @router.get("/incidents/{kiosk_id}/{detected}", response_model=None)
    def incident(request: Request, kiosk_id: str, detected: int) -> Response:
        user = user_of(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        board = dashboard(store, float(clock()))
        runs = store.histories(until=board.now).get(kiosk_id, [])
        found = [
            i
            for i in incidents_of(kiosk_id, timeline(runs, store.grace, board.now))
            if int(i.detected_at) == detected
        ]
        if not found:
            page = _page("Not found", "<p>No such incident.</p>", user[0])
            page.status_code = 404
            return page
        told = attempts_of(store, incident_id(kiosk_id, found[0].detected_at))
        return render_incident(board, found[0], user[0], attempts_html(told))

    return router
