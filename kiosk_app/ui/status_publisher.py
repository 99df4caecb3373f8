"""Publish the touchscreen's state for the agent and ``kiosk status``: when it changes, and
as a heartbeat. Apart from the app, it holds what the last published state derived from,
so that its ``since`` moves only when the state itself changes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kiosk_app.config import KioskConfig
from kiosk_app.kiosk_status import KioskStatus, device_health, publish

Situation = tuple[str | None, frozenset[str], bool, bool]
"""(out of service, backends down, under repair, network down): what the session knows."""


class StatusPublisher:
    """Turn the session's situation and the devices' health into the published state."""

    def __init__(self, config: KioskConfig, devices: Sequence[Any]) -> None:
        self._config = config
        self._devices = devices
        self._published: Situation | None = None
        self._key: tuple[Any, ...] | None = None
        self._since: str | None = None

    def publish(self, now: Situation, heartbeat: bool) -> KioskStatus | None:
        """Publish the state for ``now`` (and the devices' health, read then: cheap, it is
        their last known state); None when nothing changed and no heartbeat is due."""
        if now == self._published and not heartbeat:
            return None
        found = device_health(self._devices)
        devices = {name: health for name, (health, _detail) in found.items()}
        key = (now, tuple(sorted(devices.items())))  # what the published state derives from
        if key != self._key:
            self._since = None  # a new state: since now
        status = KioskStatus.of(
            now[0],
            now[1],
            since=self._since,
            devices=devices,
            repair=now[2],
            network=now[3],
            needs_printer=self._config.needs_printer,
            details={name: detail for name, (_health, detail) in found.items()},
        )
        self._published, self._key, self._since = now, key, status.since
        publish(self._config.status_path, status)
        return status
