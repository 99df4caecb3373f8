"""Answer 503 "try again shortly" while the monitor's database cannot be reached.

Without it, a request during a PostgreSQL restart ends in a 500 (a bug, by HTTP's book) and
a kiosk might give its batch up; a 503 with ``Retry-After`` says "same request, later",
which the kiosks' agent already does for every 5xx.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from admin_tools.fleet.sql import DatabaseUnavailable

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def answer_503_while_database_unavailable(app: FastAPI) -> None:
    """Make ``app`` answer 503 with ``Retry-After`` when its database is unavailable."""

    async def unavailable(_request: Request, err: Exception) -> JSONResponse:
        logger.warning("database unavailable: %s", err)
        return JSONResponse(
            {"detail": "the monitor's database is unavailable: try again shortly"},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    app.add_exception_handler(DatabaseUnavailable, unavailable)
