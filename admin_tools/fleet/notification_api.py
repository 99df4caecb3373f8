"""``GET /api/v1/incidents/{kiosk_id}/{detected}/notifications``: who was told, and how it went.

Each delivery attempt of the incident's messages (``admin_tools.fleet.notifier``), oldest
first, for ops and technician users (HTTP Basic). Channels are shown with their passwords
hidden, as stored.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from admin_tools.fleet.api import KIOSK_ID_CHARS, basic_user, rfc3339
from admin_tools.fleet.notifications import incident_id
from admin_tools.fleet.notifier import attempts_of
from admin_tools.fleet.store import FleetStore


def notification_routes(store: FleetStore) -> APIRouter:
    """Return the route that lists an incident's delivery attempts."""
    router = APIRouter()

    @router.get("/api/v1/incidents/{kiosk_id}/{detected}/notifications")
    def notifications(kiosk_id: str, detected: str, request: Request) -> dict[str, Any]:
        """List the delivery attempts of the incident's messages."""
        if basic_user(request, store) is None:
            raise HTTPException(
                401, "log in as an ops user", headers={"WWW-Authenticate": 'Basic realm="fleet"'}
            )
        # Who asks first, then what: both checked before anything is looked up.
        if not 1 <= len(kiosk_id) <= KIOSK_ID_CHARS:
            raise HTTPException(422, f"kiosk_id: at most {KIOSK_ID_CHARS} characters")
        if not (detected.isascii() and detected.isdigit() and len(detected) <= 12):
            raise HTTPException(422, "detected: the incident's start, in whole seconds")
        key = incident_id(kiosk_id, int(detected))
        attempts = [{**a, "at": rfc3339(a["at"])} for a in attempts_of(store, key)]
        return {"incident": key, "attempts": attempts}

    return router
