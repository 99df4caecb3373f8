"""The command line: every command documents itself, and bad input gets a clear message."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from kiosk_runs import KIOSK, kiosk_env
from unusable_files import UNUSABLE_FILES

from kiosk_app.cli import build_parser
from ministry_sandbox.testing import SandboxClient


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KIOSK, *args], capture_output=True, text=True, timeout=60, env=kiosk_env(), check=False
    )


def _commands() -> list[str]:
    actions = build_parser()._subparsers._group_actions  # type: ignore[union-attr]
    return sorted(actions[0].choices)  # type: ignore[arg-type]


README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help_with_a_description_and_is_in_the_readme(command: str) -> None:
    assert f"`kiosk {command}" in README.read_text(encoding="utf-8")
    done = run(command, "--help")
    assert done.returncode == 0
    actions = build_parser()._subparsers._group_actions  # type: ignore[union-attr]
    description = actions[0].choices[command].description  # type: ignore[index]
    assert description
    assert len(description) > 40
    assert description.split()[0] in done.stdout


def test_the_top_level_help_lists_the_commands() -> None:
    done = run("--help")
    assert done.returncode == 0
    for command in ("run", "demo", "walkthrough"):
        assert command in done.stdout


def test_a_bad_config_file_stops_with_the_key_and_the_fix(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[ui]\ndefault_language = "es"\n', encoding="utf-8")
    done = run("walkthrough", "fine", "--config", str(config))
    assert done.returncode == 2
    assert "ui.default_language" in done.stderr
    assert "fr, en" in done.stderr


def test_a_bad_answers_file_names_the_field(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"language": "fr", "notice_numbers": []}), encoding="utf-8")
    done = run("walkthrough", "fine", "--answers", str(answers))
    assert done.returncode == 2
    assert "notice_numbers" in done.stderr


def test_run_without_a_display_points_to_the_demo() -> None:
    done = run("run")
    assert done.returncode == 2
    assert "kiosk demo" in done.stderr


@pytest.mark.ui
def test_the_kiosk_runs_on_a_display_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    import queue
    import signal
    import threading

    from kiosk_app.ui.display import screen

    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    with screen(1080, 1920, virtual=True) as display:
        kiosk = subprocess.Popen(
            [KIOSK, "run", "--config", str(config)],
            env={**kiosk_env(), "DISPLAY": display},
            stderr=subprocess.PIPE,
            text=True,
        )
        stderr = kiosk.stderr
        assert stderr is not None
        lines: queue.Queue[str] = queue.Queue()

        def read() -> None:
            for line in stderr:
                lines.put(line)

        threading.Thread(target=read, daemon=True).start()
        log = ""
        while "Start application main loop" not in log:
            log += lines.get(timeout=120)  # the screen is up and taking touches
        kiosk.send_signal(signal.SIGTERM)
        assert kiosk.wait(timeout=60) == 0
    while not lines.empty():
        log += lines.get()
    assert "Traceback" not in log


def test_kiosk_status_prints_the_published_state_with_its_exit_code(tmp_path: Path) -> None:
    from kiosk_app.kiosk_status import KioskStatus, publish

    status_file = tmp_path / "run" / "status.json"
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\nstatus_file = "{status_file}"\n', encoding="utf-8")

    never = run("status", "--config", str(config))
    assert never.returncode == 2
    assert "is the kiosk running?" in never.stdout

    publish(status_file, KioskStatus.of(None, frozenset({"fine", "driver-record"})))
    degraded = run("status", "--config", str(config))
    assert degraded.returncode == 1
    assert "degraded since" in degraded.stdout
    assert "unavailable: driver-record, fine" in degraded.stdout

    publish(status_file, KioskStatus.of("storage_full", frozenset()))
    down = run("status", "--json", "--config", str(config))
    assert down.returncode == 2
    assert json.loads(down.stdout)["reason"] == "storage_full"
    assert list(status_file.parent.iterdir()) == [status_file]  # no temporary file left

    publish(status_file, KioskStatus.of(None, frozenset()))
    assert run("status", "--config", str(config)).returncode == 0


COMMANDS_READING_THE_CONFIG = {
    "run": ["run"],
    "diagnose": ["diagnose"],
    "diagnose --json": ["diagnose", "--json"],
    "diagnose devices": ["diagnose", "devices"],
    "status": ["status"],
    "outbox status": ["outbox", "status"],
    "agent": ["agent", "--once"],
    "walkthrough": ["walkthrough", "fine"],
}


@pytest.mark.parametrize("kind", sorted(UNUSABLE_FILES))
@pytest.mark.parametrize("command", sorted(COMMANDS_READING_THE_CONFIG))
def test_a_config_file_that_cannot_be_read_stops_every_command_with_exit_2_naming_it(
    tmp_path: Path, command: str, kind: str
) -> None:
    config = UNUSABLE_FILES[kind][0](tmp_path)
    done = run(*COMMANDS_READING_THE_CONFIG[command], "--config", str(config))
    said = done.stdout + done.stderr
    assert done.returncode == 2, said
    assert str(config) in said
    assert "Traceback" not in said
    if command.startswith("diagnose") and command != "diagnose devices":
        assert "configuration" in said  # a `down` check, as for a TOML error
        assert "DOWN" in said or '"down"' in said


def test_logs_bundle_with_a_config_file_that_cannot_be_read_writes_nothing(tmp_path: Path) -> None:
    config = UNUSABLE_FILES["latin-1 bytes"][0](tmp_path)
    archive = tmp_path / "support-Côté.tar.gz"
    done = run("logs", "bundle", "--out", str(archive), "--config", str(config))
    assert (done.returncode, done.stdout) == (2, "")
    assert str(config) in done.stderr
    assert "Traceback" not in done.stderr
    assert not archive.exists()


def test_the_kiosk_keeps_its_folder_database_and_key_private_whatever_the_umask(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    state = tmp_path / "état du kiosque"
    data = state / "données"
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\ndata_dir = "{data}"\n[backend]\nurl = "{sandbox.url}"\n', encoding="utf-8"
    )
    before = os.umask(0o022)  # as a shell's default, outside systemd's UMask=0077
    try:
        done = run("agent", "--once", "--config", str(config))
    finally:
        os.umask(before)
    assert done.returncode == 0, done.stderr
    assert {p.name for p in data.iterdir()} >= {"kiosk.db", "kiosk.key"}
    modes = {
        str(path.relative_to(tmp_path)): stat.S_IMODE(path.stat().st_mode)
        for path in [state, *state.rglob("*")]
    }
    private = {name: 0o700 if (tmp_path / name).is_dir() else 0o600 for name in modes}
    assert modes == private, {name: oct(mode) for name, mode in modes.items()}
