"""``/metrics``: the fleet in Prometheus' text format, for existing Prometheus set-ups.

Gauges only, computed at each scrape from the stored runs: the operational share, kiosks
per state, each kiosk's state (one series per state, 1 for the current one), the time of
its newest sample, and the open incidents (and those past the two-hour repair time).
"""

from __future__ import annotations

from admin_tools.fleet.availability import open_incidents, states_now
from admin_tools.fleet.store import FleetStore
from admin_tools.fleet.timeline import STATES


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(store: FleetStore, now: float) -> str:
    """Return the exposition text for the fleet as of ``now``."""
    histories = store.histories(until=now)
    states = states_now(histories, now, store.grace)
    sites = dict(store.kiosks())
    latest = store.latest()
    incidents = open_incidents(histories, now, store.grace)
    lines: list[str] = []

    def gauge(name: str, help_text: str, samples: list[tuple[str, float]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} gauge")
        lines.extend(f"{name}{labels} {value:g}" for labels, value in samples)

    share = sum(1 for s in states.values() if s == "up") / len(states) if states else 0.0
    gauge(
        "kiosk_fleet_operational_ratio",
        "Share of counted kiosks that are up (the target is 0.97).",
        [("", share)],
    )
    gauge(
        "kiosk_fleet_kiosks",
        "Counted kiosks in each state.",
        [
            (f'{{state="{state}"}}', sum(1 for s in states.values() if s == state))
            for state in STATES
        ],
    )
    gauge(
        "kiosk_state",
        "1 for the state the kiosk is in now, 0 for the others.",
        [
            (
                f'{{kiosk_id="{_label(kiosk)}",site="{_label(sites.get(kiosk, ""))}",'
                f'state="{state}"}}',
                float(current == state),
            )
            for kiosk, current in sorted(states.items())
            for state in STATES
        ],
    )
    gauge(
        "kiosk_last_sample_timestamp_seconds",
        "When the kiosk's newest sample was taken (seconds since the epoch).",
        [
            (f'{{kiosk_id="{_label(kiosk)}"}}', float(info["at"]))
            for kiosk, info in sorted(latest.items())
            if info["at"] is not None
        ],
    )
    gauge("kiosk_fleet_open_incidents", "Incidents not yet repaired.", [("", len(incidents))])
    gauge(
        "kiosk_fleet_open_incidents_over_repair_time",
        "Open incidents that have lasted more than the two-hour repair time.",
        [("", sum(1 for i in incidents if i.breached(now)))],
    )
    return "\n".join(lines) + "\n"
