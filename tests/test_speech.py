"""Spoken guidance with the real espeak-ng, written to WAV files instead of a sound card."""

from __future__ import annotations

import ast
import logging
import os
import signal
import struct
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kiosk_app.speech
from kiosk_app.speech import (
    SW_HEADPHONE_INSERT,
    Guidance,
    HeadsetDetector,
    Speaker,
    eviocgbit,
    eviocgsw,
    switch_is_set,
)

FRENCH = "Touchez l'écran pour commencer, Éloïse"
ENGLISH = "Touch the screen to start, Zoë"
# Long enough that espeak-ng is still writing it when the next utterance comes.
LONG = " ".join(["Insérez votre carte dans le lecteur, puce vers le haut."] * 150)
LONG_WORD = struct.calcsize("@L")


@pytest.fixture
def speaker(tmp_path: Path) -> Iterator[Speaker]:
    speaker = Speaker(wav_dir=tmp_path / "speech")
    yield speaker
    speaker.stop()
    speaker.wait(10)


def frames_of(path: Path) -> int:
    """Return how many frames a WAV file holds, after checking it is RIFF/WAVE."""
    header = path.read_bytes()[:12]
    assert header[:4] == b"RIFF"
    assert header[8:12] == b"WAVE"
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes()


def seconds_of(path: Path) -> float:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


class Headset:
    """A headset sensor whose jack the test plugs in and out."""

    def __init__(self, plugged: bool) -> None:
        self.is_plugged = plugged

    def plugged(self) -> bool:
        return self.is_plugged


# --- Speaker with the real espeak-ng ----------------------------------------------------


def test_french_and_english_guidance_are_written_as_real_wav_files(speaker: Speaker) -> None:
    speaker.say(FRENCH, "fr")
    assert speaker.wait(30)
    speaker.say(ENGLISH, "en")
    assert speaker.wait(30)

    assert speaker.wav_dir is not None
    files = sorted(speaker.wav_dir.glob("*.wav"))
    assert [f.name for f in files] == ["0001-fr.wav", "0002-en.wav"]
    assert all(frames_of(f) > 0 for f in files)
    assert seconds_of(files[0]) > 1.0, "a whole sentence, not a click"
    assert speaker.spoken == [("fr", FRENCH), ("en", ENGLISH)]
    assert speaker.process is not None
    assert speaker.process.returncode == 0


def test_say_returns_at_once_and_the_next_say_cuts_the_previous_one_off(speaker: Speaker) -> None:
    started = time.monotonic()
    speaker.say(LONG, "fr")
    first = speaker.process
    assert time.monotonic() - started < 1.0
    assert first is not None
    assert first.poll() is None, "still speaking in the background"

    speaker.say("Bonjour", "fr")

    assert first.wait(10) == -signal.SIGTERM
    assert speaker.wait(30)
    assert speaker.process is not first
    assert speaker.wav_dir is not None
    assert frames_of(speaker.wav_dir / "0002-fr.wav") > 0
    assert speaker.spoken == [("fr", LONG), ("fr", "Bonjour")]


def test_stop_silences_the_current_utterance(speaker: Speaker) -> None:
    speaker.say(LONG, "en")
    speaking = speaker.process
    speaker.stop()

    assert speaking is not None
    assert speaking.wait(10) == -signal.SIGTERM
    speaker.stop()  # again, with nothing left to stop


def test_a_text_that_looks_like_options_is_read_not_obeyed(
    speaker: Speaker, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "ailleurs.wav"
    speaker.say(f"-w {elsewhere} --help", "fr")

    assert speaker.wait(30)
    assert speaker.process is not None
    assert speaker.process.returncode == 0
    assert speaker.wav_dir is not None
    assert frames_of(speaker.wav_dir / "0001-fr.wav") > 0
    assert not elsewhere.exists()


def test_a_missing_espeak_ng_warns_once_and_never_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kiosk_app.speech")
    speaker = Speaker(command="no-such-espeak", wav_dir=tmp_path)

    speaker.say(FRENCH, "fr")
    speaker.say(ENGLISH, "en")
    speaker.stop()

    assert speaker.wait(1)
    assert speaker.process is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "no-such-espeak" in warnings[0]
    assert not any(tmp_path.glob("*.wav"))


def test_a_language_without_a_voice_is_a_programming_error(speaker: Speaker) -> None:
    with pytest.raises(ValueError, match="'de'"):
        speaker.say("Guten Tag", "de")


def test_played_speech_keeps_no_history(tmp_path: Path) -> None:
    speaker = Speaker(command="no-such-espeak")  # playing, not recording: nothing kept
    speaker.say(FRENCH, "fr")
    assert speaker.spoken == []


# --- Guidance ---------------------------------------------------------------------------


def no_headset(tmp_path: Path) -> HeadsetDetector:
    return HeadsetDetector(devices_glob=str(tmp_path / "input" / "event*"))


def test_auto_without_a_headset_stays_silent_until_the_citizen_asks(
    speaker: Speaker, tmp_path: Path
) -> None:
    guidance = Guidance(speaker, no_headset(tmp_path), "auto")

    assert not guidance.announce("Choisissez un service", "fr")
    assert not guidance.active()
    guidance.asked()
    assert guidance.active()
    assert guidance.announce("Choisissez un service", "fr")

    assert speaker.spoken == [("fr", "Choisissez un service")]


def test_auto_speaks_while_a_headset_is_plugged_in(speaker: Speaker) -> None:
    headset = Headset(plugged=True)
    guidance = Guidance(speaker, headset, "auto")

    assert guidance.announce("Choose a service", "en")
    headset.is_plugged = False
    assert not guidance.announce("Insert your card", "en")

    assert speaker.spoken == [("en", "Choose a service")]


def test_off_never_speaks_even_when_asked_with_a_headset(speaker: Speaker) -> None:
    guidance = Guidance(speaker, Headset(plugged=True), "off")
    guidance.asked()

    assert not guidance.active()
    assert not guidance.announce("Choisissez un service", "fr")
    assert speaker.spoken == []


def test_on_always_speaks_without_a_headset_or_an_ask(speaker: Speaker, tmp_path: Path) -> None:
    guidance = Guidance(speaker, no_headset(tmp_path), "on")

    assert guidance.announce("Choisissez un service", "fr")
    guidance.reset()
    assert guidance.announce("Choose a service", "en")
    assert speaker.spoken == [("fr", "Choisissez un service"), ("en", "Choose a service")]


def test_a_new_visit_forgets_the_ask_and_stops_speaking(speaker: Speaker, tmp_path: Path) -> None:
    guidance = Guidance(speaker, no_headset(tmp_path), "auto")
    guidance.asked()
    guidance.announce(LONG, "fr")
    speaking = speaker.process

    guidance.reset()

    assert speaking is not None
    assert speaking.wait(10) == -signal.SIGTERM
    assert not guidance.active()
    assert not guidance.announce("Touchez l'écran pour commencer", "fr")
    assert speaker.spoken == [("fr", LONG)]


def test_an_unknown_mode_is_refused_by_name(speaker: Speaker) -> None:
    with pytest.raises(ValueError, match=r"'sometimes'.*auto, on, off"):
        Guidance(speaker, Headset(plugged=False), "sometimes")


# --- HeadsetDetector --------------------------------------------------------------------


def test_ioctl_numbers_match_linux_input_h() -> None:
    # Printed by a C program including <linux/input.h> on x86-64 and aarch64 alike.
    assert eviocgsw(8) == 0x8008451B
    assert eviocgbit(5, 8) == 0x80084525  # EV_SW
    assert eviocgbit(0, 8) == 0x80084520


def bitmap(codes: set[int], longs: int) -> bytes:
    """Build a kernel bitmap (native unsigned longs) with ``codes`` set, independently."""
    value = sum(1 << code for code in codes)
    mask = (1 << (8 * LONG_WORD)) - 1
    return b"".join(struct.pack("@L", (value >> (8 * LONG_WORD * i)) & mask) for i in range(longs))


def test_the_headphone_switch_is_read_from_its_bit() -> None:
    assert switch_is_set(bitmap({SW_HEADPHONE_INSERT}, 1), SW_HEADPHONE_INSERT)
    assert not switch_is_set(bitmap({0, 1, 3, 4}, 1), SW_HEADPHONE_INSERT)  # lid, tablet…
    assert not switch_is_set(bitmap(set(), 1), SW_HEADPHONE_INSERT)
    assert not switch_is_set(b"", SW_HEADPHONE_INSERT)
    assert not switch_is_set(bitmap({SW_HEADPHONE_INSERT}, 1), -1)


@pytest.mark.skipif(sys.byteorder != "little", reason="a partial long is little-endian here")
def test_a_bitmap_shorter_than_a_long_is_read_as_padded() -> None:
    assert switch_is_set(b"\x04", SW_HEADPHONE_INSERT)
    assert switch_is_set(b"\x00\x01", 8)
    assert not switch_is_set(b"\x04", 64 * LONG_WORD)


@given(st.sets(st.integers(0, 127)), st.integers(-8, 200))
def test_a_bit_is_set_exactly_when_its_code_was(codes: set[int], code: int) -> None:
    longs = 128 // (8 * LONG_WORD)
    assert switch_is_set(bitmap(codes, longs), code) == (code in codes)


@given(st.binary(max_size=40), st.integers(-1000, 1000))
def test_any_bytes_are_parsed_without_error(bits: bytes, code: int) -> None:
    assert switch_is_set(bits, code) in (True, False)


def test_a_machine_without_input_devices_has_no_headset(tmp_path: Path) -> None:
    assert not no_headset(tmp_path).plugged()


def test_files_that_are_not_input_devices_are_skipped(tmp_path: Path) -> None:
    devices = tmp_path / "input"
    devices.mkdir()
    (devices / "event0").write_bytes(b"\x04" * 64)  # a plain file: ioctl says ENOTTY
    (devices / "event1").mkdir()  # a directory opens, but is no device either
    (devices / "event2").symlink_to(devices / "gone")  # unplugged since the glob
    (devices / "event3").symlink_to(os.devnull)  # a character device, but not evdev

    assert not no_headset(tmp_path).plugged()


def test_the_detector_reads_the_linux_input_devices_by_default() -> None:
    assert HeadsetDetector().devices_glob == "/dev/input/event*"


def test_the_speech_module_stays_free_of_kivy() -> None:
    tree = ast.parse(Path(kiosk_app.speech.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "kivy" not in imported
