"""The kiosk process the soak bench measures: many citizens in one process, probed from inside.

Usage: soak_kiosk.py JOB (a JSON file: ``config``, the kiosk's TOML; ``visits``, each
``{"service", "answers", "walks_away_after"}``; ``warm_up``, visits before the baseline).
It builds the kiosk from the config as ``kiosk run`` does, plays the citizens one after the
other through the walkthrough's driver (real touches through Kivy's input pipeline), and
prints one JSON line of figures at the end. Run by ``bench/soak.py``, which starts the
sandbox and the virtual display and writes the job.

What is measured, all inside this process:

- touch-to-feedback latency: from a touch reaching the window (``on_touch_down``) to the end
  of the buffer swap of the next frame drawn, which is the first frame that can show the
  touch's effect (the window's ``flip``, wrapped), in a fixed histogram of 0.1 ms bins so the
  probe itself does not grow;
- after each visit, once the kiosk is back on its attract screen and ``gc.collect()`` ran:
  RSS (``VmRSS``), open file descriptors, threads, and the Kivy widgets and textures alive;
- cold start: from this process's start (``/proc/self/stat``) to the first frame drawn with
  the attract screen showing.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import tempfile
import threading
import time
from array import array
from collections import Counter
from pathlib import Path
from typing import Any

BIN_MS = 0.1
"""The latency histogram's resolution."""
BINS = 100_000
"""0 to 10 s in 0.1 ms bins; a slower touch lands in the last bin (its exact time is the max)."""
SERIES = ("rss_kb", "fds", "threads", "tasks", "widgets", "textures", "seconds")
"""What is recorded after every visit."""


def process_started() -> float:
    """Return when this process started, in seconds since boot (proc(5), field 22)."""
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[19]) / os.sysconf("SC_CLK_TCK")


def rss_kb() -> int:
    """Return this process's resident set size in KiB (``VmRSS`` in /proc/self/status)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def resources() -> dict[str, int]:
    """Return RSS (KiB), open file descriptors, Python threads and kernel tasks."""
    return {
        "rss_kb": rss_kb(),
        "fds": len(os.listdir("/proc/self/fd")),
        "threads": threading.active_count(),
        "tasks": len(os.listdir("/proc/self/task")),
    }


def alive() -> tuple[int, int]:
    """Collect garbage, then count the Kivy widgets and textures alive."""
    from kivy.graphics.texture import Texture
    from kivy.uix.widget import Widget

    gc.collect()
    widgets = textures = 0
    for obj in gc.get_objects():
        if isinstance(obj, Widget):
            widgets += 1
        elif isinstance(obj, Texture):
            textures += 1
    return widgets, textures


def objects_by_type() -> Counter[str]:
    """Count the objects the garbage collector tracks, by type (to name what grew)."""
    types: Counter[str] = Counter()
    for obj in gc.get_objects():
        kind = type(obj)
        types[f"{kind.__module__}.{kind.__qualname__}"] += 1
    return types


class FrameProbe:
    """Time each touch to the end of the next frame's buffer swap; note the first frame."""

    def __init__(self, window: Any, app: Any) -> None:
        self.histogram = array("L", bytes(BINS * array("L").itemsize))
        self.count = 0
        self.max_ms = 0.0
        self.first_attract_frame: float | None = None
        """Seconds since boot at the end of the first frame showing the attract screen."""
        self._app = app
        self._touched_at: float | None = None
        window.bind(on_touch_down=self._touched)
        swap = window.flip

        def flip() -> None:
            swap()
            self._flipped()

        window.flip = flip  # WindowBase.on_flip calls self.flip(): the swap, then this

    def _touched(self, _window: Any, _touch: Any) -> None:
        if self._touched_at is None:  # a second touch before a frame: time from the first
            self._touched_at = time.perf_counter()

    def _flipped(self) -> None:
        if self._touched_at is not None:
            elapsed = (time.perf_counter() - self._touched_at) * 1000
            self._touched_at = None
            self.histogram[min(int(elapsed / BIN_MS), BINS - 1)] += 1
            self.count += 1
            self.max_ms = max(self.max_ms, elapsed)
        root = self._app.root
        if self.first_attract_frame is None and root is not None and root.current == "attract":
            self.first_attract_frame = time.clock_gettime(time.CLOCK_BOOTTIME)

    def percentile(self, share: float) -> float | None:
        """Return the latency (ms) under which ``share`` of the touches were answered."""
        if not self.count:
            return None
        wanted = share * self.count
        seen = 0
        for index, hits in enumerate(self.histogram):
            seen += hits
            if seen >= wanted:
                return round(min((index + 1) * BIN_MS, self.max_ms), 1)
        return self.max_ms


class Soak:
    """Play the job's citizens in the app and record the figures after each one."""

    def __init__(self, visits: int, warm_up: int) -> None:
        self.series = {name: array("d", bytes(visits * 8)) for name in SERIES}
        self.outcomes: Counter[str] = Counter()
        self.ended = 0
        self.warm_up = warm_up
        self.baseline_types: Counter[str] = Counter()
        self.final_types: Counter[str] = Counter()
        self.probe: FrameProbe | None = None
        self._began = time.monotonic()

    def after_each(self, app: Any, stop: Any) -> None:
        """Note how the visit ended and what the process holds, back on the attract screen."""
        index = self.ended
        self.ended += 1
        outcome = stop.outcome
        self.outcomes["refused" if outcome.startswith("refused") else outcome] += 1
        app.driver.new_log()
        widgets, textures = alive()
        figures: dict[str, float] = {**resources(), "widgets": widgets, "textures": textures}
        figures["seconds"] = time.monotonic() - self._began
        for name in SERIES:
            self.series[name][index] = figures[name]
        if self.ended == self.warm_up:
            self.baseline_types = objects_by_type()
        if self.ended == len(self.series["seconds"]):
            self.final_types = objects_by_type()


def growth_by_type(before: Counter[str], after: Counter[str], top: int = 15) -> dict[str, int]:
    """Return the object types that grew most between the two counts."""
    grown = {name: after[name] - before.get(name, 0) for name in after}
    ranked = sorted((item for item in grown.items() if item[1] > 0), key=lambda kv: -kv[1])
    return dict(ranked[:top])


def play(job: dict[str, Any], config_path: Path) -> dict[str, Any]:
    """Run the kiosk app on the job's citizens and return the figures."""
    from kiosk_app.config import load_config
    from kiosk_app.ui.kivy_setup import configure_kivy

    config = load_config(config_path)
    with tempfile.TemporaryDirectory(prefix="soak-kivy-") as kivy_home:
        configure_kivy(config.ui, Path(kivy_home))
        return _run(config, job)


def _run(config: Any, job: dict[str, Any]) -> dict[str, Any]:
    from kivy.core.window import Window

    from kiosk_app.bootstrap import build_kiosk
    from kiosk_app.ui.app import KioskApp
    from kiosk_app.walkthrough.answers import parse_answers
    from kiosk_app.walkthrough.citizens import one_after_another, queued_citizen
    from kiosk_app.walkthrough.driver import Driver, DriverResult

    plan = job["visits"]
    soak = Soak(len(plan), job["warm_up"])
    citizens = (
        queued_citizen(parse_answers(v["service"], v["answers"]), v["walks_away_after"])
        for v in plan
    )
    finished: dict[str, DriverResult] = {}
    kiosk = build_kiosk(config)

    def started(app: KioskApp) -> None:
        def done(result: DriverResult) -> None:
            finished["result"] = result
            app.stop()

        # Kivy's Clock holds bound methods weakly: the app keeps the driver alive.
        script = one_after_another(citizens, soak.after_each)
        app.driver = Driver(app, script, done, tick_seconds=0, settle_ticks=1)
        app.driver.start()

    app = KioskApp(kiosk, config.ui, on_started=started)
    soak.probe = FrameProbe(Window, app)
    try:
        app.run()
    finally:
        kiosk.close()
    result = finished.get("result") or DriverResult(error="the kiosk stopped before the end")
    return report(soak, result, job)


def report(soak: Soak, result: Any, job: dict[str, Any]) -> dict[str, Any]:
    """Return the figures as one JSON object."""
    probe = soak.probe
    assert probe is not None
    ended = soak.ended
    series = {name: list(values[:ended]) for name, values in soak.series.items()}
    first = probe.first_attract_frame
    return {
        "visits": ended,
        "visits_planned": len(job["visits"]),
        "outcomes": dict(soak.outcomes),
        "error": result.error,
        "cold_start_seconds": None if first is None else round(first - process_started(), 3),
        "latency_ms": {
            "touches": probe.count,
            "p50": probe.percentile(0.50),
            "p95": probe.percentile(0.95),
            "max": round(probe.max_ms, 1),
        },
        "warm_up": soak.warm_up,
        "series": series,
        "grown_types": growth_by_type(soak.baseline_types, soak.final_types),
    }


def main() -> int:
    """Read the job, play it, print the figures as one JSON line."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    job_path = Path(sys.argv[1])
    job = json.loads(job_path.read_text(encoding="utf-8"))
    figures = play(job, Path(job["config"]))
    sys.stdout.write(json.dumps(figures, ensure_ascii=False) + "\n")
    return 0 if figures["error"] is None and figures["visits"] == len(job["visits"]) else 1


if __name__ == "__main__":
    sys.exit(main())
