"""A year of visits in one kiosk process: latency, memory, and what stays alive.

    python bench/soak.py [--visits 1000] [--warm-up W] [--json]

One kiosk process (the real UI on a virtual display, simulated payment terminal and printer,
the sandbox over HTTP) serves N citizens back to back: all six services in turn, French and
English in turn, and one citizen in seven walks away mid-way and is wiped by the inactivity
timer. The citizens are the walkthrough's samples (``kiosk_app/samples``), each given fresh
records in the sandbox (a fine is paid once), and are played by the walkthrough's driver,
every frame (a brisk citizen: the kiosk's own timings are unchanged). The inactivity timer
and the thank-you screen are shortened (3 s, 1 s and 1 s) so abandoned and finished visits
end quickly; the output says so.

Measured inside the kiosk process (``bench/soak_kiosk.py``), with goals:

- touch-to-feedback latency p50/p95/max, from a touch reaching the window to the end of the
  next frame's buffer swap: p95 ≤ 100 ms;
- RSS after the warm-up visits and after the last: growth < 5% over 1,000 visits; open file
  descriptors and threads: no growth; Kivy widgets and textures alive after each wipe back to
  the attract screen (after ``gc.collect()``): constant;
- cold start, from the process's start to the attract screen's first frame: ≤ 5 s.

Prints a table (``--json``: one JSON object); exit code 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from kiosk_app.ui.display import screen  # noqa: E402
from ministry_sandbox.testing import SandboxClient, serve_sandbox  # noqa: E402
from transactions.services import SERVICES  # noqa: E402

WALK_AWAY_EVERY = 7
"""One citizen in seven walks away (7 and the six services are coprime: every service)."""
TIMERS = {"inactivity_seconds": 3, "prompt_seconds": 1, "thank_you_seconds": 1}
"""Shortened from 45 s, 20 s and 15 s, so a soak spends its time on visits (the quiet time
stays longer than a brisk citizen's longest pause, or finished visits would be wiped)."""
GOALS = {"latency_p95_ms": 100.0, "rss_growth_pct": 5.0, "cold_start_seconds": 5.0}
WIDTH, HEIGHT = 1080, 1920
PLATE_LETTERS = "BDFHJKLMNPQSTVWXZ"
"""Letters for fresh plate texts: no vowel, R, G or C, so no refused word can form."""


def sample(service: str) -> dict[str, Any]:
    """Return the walkthrough's sample citizen for ``service`` (decoded JSON)."""
    path = resources.files("kiosk_app") / "samples" / f"{service}.json"
    answers: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return answers


def plate_text(index: int) -> str:
    """Return a fresh personalized plate text for the ``index``-th citizen (``LOON BDF``)."""
    base = len(PLATE_LETTERS)
    letters = "".join(PLATE_LETTERS[index // base**k % base] for k in (2, 1, 0))
    return f"LOON {letters}"


def fresh_answers(sandbox: SandboxClient, service: str, index: int) -> dict[str, Any]:
    """Return the sample citizen's answers for ``service`` with records nobody used yet."""
    answers = sample(service)
    answers["language"] = ("fr", "en")[index // len(SERVICES) % 2]
    if service == "fine":
        notice = sandbox.add_notice(amount_due_cents=2_000 + 25 * (index % 800))
        answers["notice_numbers"] = [notice["notice_number"]]
    elif service == "registration-renewal":
        answers["plate"] = sandbox.add_vehicle()["plate"].lower()
    elif service == "address-change":
        health = sandbox.add_health_card(holder_name="Éloïse Côté-Tremblay")
        licence = sandbox.add_licence(holder_name="Éloïse Côté-Tremblay")
        answers["programmes"] = {
            "health-card": health["health_card_number"],
            "drivers-licence": licence["licence_number"],
        }
        answers["address"]["street_number"] = str(1450 + index)
        answers["address"]["unit"] = f"app. {index % 40 + 1}"
    elif service == "driver-record":
        licence = sandbox.add_licence(holder_name="Éloïse Côté-Tremblay")
        answers["licence_number"] = licence["licence_number"]
        answers["date_of_birth"] = licence["date_of_birth"]
    elif service == "personalized-plate":
        answers["plate_text"] = plate_text(index)
        answers["licence_number"] = sandbox.add_licence()["licence_number"]
    elif service == "outdoor-card":
        answers["card_number"] = sandbox.add_outdoor_card(expiry="2027-01-31")["card_number"]
    return answers


def make_plan(sandbox: SandboxClient, visits: int) -> list[dict[str, Any]]:
    """Return ``visits`` citizens: every service in turn, both languages, some walking away."""
    plan = []
    for index in range(visits):
        service = SERVICES[index % len(SERVICES)]
        walks_away = index % WALK_AWAY_EVERY == 2  # the third citizen already: short runs too
        plan.append(
            {
                "service": service,
                "answers": fresh_answers(sandbox, service, index),
                # attract, language, service, then one to three keys or choices
                "walks_away_after": 4 + index // WALK_AWAY_EVERY % 3 if walks_away else None,
            }
        )
    return plan


def kiosk_config(work: Path, backend_url: str) -> Path:
    """Write the soaked kiosk's TOML (its own data folder, shortened timers); return its path."""
    path = work / "kiosk.toml"
    timers = "".join(f"{name} = {value}\n" for name, value in TIMERS.items())
    path.write_text(
        f'[kiosk]\nid = "soak-kiosk"\ndata_dir = "{work / "data"}"\n'
        f'status_file = "{work / "status.json"}"\n'
        f'[backend]\nurl = "{backend_url}"\n'
        f"[ui]\nfullscreen = false\nwidth = {WIDTH}\nheight = {HEIGHT}\n{timers}",
        encoding="utf-8",
    )
    return path


def soak(visits: int, warm_up: int) -> dict[str, Any]:
    """Serve ``visits`` citizens in one kiosk process; return its figures (see soak_kiosk)."""
    with (
        tempfile.TemporaryDirectory(prefix="kiosk-soak-") as scratch,
        screen(WIDTH, HEIGHT, virtual=True),
        serve_sandbox() as sandbox,
    ):
        work = Path(scratch)
        job = {
            "config": str(kiosk_config(work, sandbox.url)),
            "visits": make_plan(sandbox, visits),
            "warm_up": warm_up,
        }
        (work / "job.json").write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        began = time.monotonic()
        with (work / "kiosk.log").open("w+", encoding="utf-8") as log:
            done = subprocess.run(
                [sys.executable, str(HERE / "soak_kiosk.py"), str(work / "job.json")],
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                timeout=300 + 120 * visits,
                check=False,
            )
            log.seek(0)
            errors = log.read()[-3000:]
        lines = done.stdout.strip().splitlines()
        if not lines:
            raise SystemExit(f"the soaked kiosk printed nothing ({done.returncode}):\n{errors}")
        figures: dict[str, Any] = json.loads(lines[-1])
        figures["elapsed_seconds"] = round(time.monotonic() - began, 1)
        if figures["error"] or done.returncode:
            figures["stderr_tail"] = errors
        return figures


def steady(values: list[float], warm_up: int) -> dict[str, Any]:
    """Return a per-visit series after the warm-up: its first and last values, min and max."""
    after = values[warm_up - 1 :] or values[-1:]
    return {
        "after_warm_up": after[0],
        "after_visits": after[-1],
        "min": min(after),
        "max": max(after),
    }


def summary(figures: dict[str, Any]) -> dict[str, Any]:
    """Return the figures with the goals applied: what the bench prints."""
    series, warm_up = figures["series"], figures["warm_up"]
    if not series["rss_kb"]:
        return {**figures, "goals": {"all_visits_played": False}}
    rss = steady([kb / 1024 for kb in series["rss_kb"]], warm_up)
    rss["growth_pct"] = round(100 * (rss["after_visits"] / rss["after_warm_up"] - 1), 2)
    held = {name: steady(series[name], warm_up) for name in ("fds", "threads", "tasks")}
    alive = {name: steady(series[name], warm_up) for name in ("widgets", "textures")}
    latency = figures["latency_ms"]
    goals = {
        "all_visits_played": figures["error"] is None
        and figures["visits"] == figures["visits_planned"],
        "latency_p95": latency["p95"] is not None and latency["p95"] <= GOALS["latency_p95_ms"],
        "rss_growth": rss["growth_pct"] < GOALS["rss_growth_pct"],
        **{
            f"{name}_no_growth": h["after_visits"] <= h["after_warm_up"] for name, h in held.items()
        },
        **{f"{name}_constant": a["min"] == a["max"] for name, a in alive.items()},
        "cold_start": figures["cold_start_seconds"] is not None
        and figures["cold_start_seconds"] <= GOALS["cold_start_seconds"],
    }
    seconds = series["seconds"]
    return {
        "visits": figures["visits"],
        "outcomes": figures["outcomes"],
        "elapsed_seconds": figures["elapsed_seconds"],
        "seconds_per_visit": round(seconds[-1] / len(seconds), 2),
        "timers_seconds": TIMERS,
        "warm_up_visits": warm_up,
        "latency_ms": latency,
        "rss_mb": {name: round(value, 1) for name, value in rss.items()},
        **held,
        **alive,
        "cold_start_seconds": figures["cold_start_seconds"],
        "goals": goals,
        "grown_types": figures["grown_types"],
        "error": figures["error"],
        **({"stderr_tail": figures["stderr_tail"]} if "stderr_tail" in figures else {}),
    }


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


def print_table(result: dict[str, Any]) -> None:
    """Print the figures beside their goals."""
    goals, latency, rss = result["goals"], result["latency_ms"], result["rss_mb"]
    timers = ", ".join(f"{k.removesuffix('_seconds')} {v} s" for k, v in TIMERS.items())
    print(
        f"{result['visits']} visits in {result['elapsed_seconds']:.0f} s "
        f"({result['seconds_per_visit']} s each), outcomes {result['outcomes']}; "
        f"timers shortened: {timers}; baseline after {result['warm_up_visits']} visit(s)"
    )
    rows = [
        ("touch to frame p50 (ms)", f"{latency['p50']}", "", ""),
        ("touch to frame p95 (ms)", f"{latency['p95']}", "<= 100", _met(goals["latency_p95"])),
        ("touch to frame max (ms)", f"{latency['max']}", "", ""),
        ("touches timed", f"{latency['touches']}", "", ""),
        ("RSS after warm-up (MB)", f"{rss['after_warm_up']}", "", ""),
        ("RSS after the visits (MB)", f"{rss['after_visits']}", "", ""),
        ("RSS growth (%)", f"{rss['growth_pct']}", "< 5", _met(goals["rss_growth"])),
    ]
    for name in ("fds", "threads", "tasks"):
        held = result[name]
        value = f"{held['after_warm_up']:.0f} -> {held['after_visits']:.0f} (max {held['max']:.0f})"
        rows.append((f"{name} open", value, "no growth", _met(goals[f"{name}_no_growth"])))
    for name in ("widgets", "textures"):
        alive = result[name]
        value = f"{alive['min']:.0f}..{alive['max']:.0f}"
        rows.append(
            (f"{name} alive after a wipe", value, "constant", _met(goals[f"{name}_constant"]))
        )
    rows.append(
        ("cold start (s)", f"{result['cold_start_seconds']}", "<= 5", _met(goals["cold_start"]))
    )
    print(f"{'figure':<28}{'value':>22}  {'goal':<10} met")
    for name, value, goal, met in rows:
        print(f"{name:<28}{value:>22}  {goal:<10} {met}")
    if result["error"]:
        print(f"the soak stopped: {result['error']}")


def main() -> int:
    """Run the soak and print its figures against the goals."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=1000, help="citizens served (1000)")
    parser.add_argument(
        "--warm-up", type=int, help="visits before the baseline (default: 24, or half a short run)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--raw", type=Path, help="also write every visit's figures here (JSON)")
    args = parser.parse_args()
    if args.visits < 1:
        parser.error("--visits must be at least 1")
    warm_up = args.warm_up or (24 if args.visits >= 48 else max(1, args.visits // 2))
    figures = soak(args.visits, min(warm_up, args.visits))
    if args.raw is not None:
        args.raw.write_text(json.dumps(figures, ensure_ascii=False), encoding="utf-8")
    result = summary(figures)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_table(result)
    return 0 if all(result["goals"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
