"""Spoken guidance: espeak-ng reads each screen's guidance aloud, for a headset or on request.

Three parts, none of them touching Kivy so the UI only calls them:
- ``Speaker`` runs espeak-ng in the background, one utterance at a time;
- ``HeadsetDetector`` reads the headphone jack switch from the Linux input devices;
- ``Guidance`` decides, per visit, whether a screen's guidance is spoken.
"""

from __future__ import annotations

import fcntl
import glob
import logging
import os
import struct
import subprocess
import threading
from pathlib import Path
from typing import Protocol

logger = logging.getLogger(__name__)

VOICES = {"fr": "fr", "en": "en-us"}
"""espeak-ng voice for each kiosk language (``espeak-ng --voices``)."""

RATE_WORDS_PER_MINUTE = 150
"""A little slower than espeak-ng's default of 175, for citizens who are not used to it."""

MODES = ("auto", "on", "off")
"""``auto``: speak while a headset is plugged in or after the citizen asked; ``on``: always;
``off``: never, even when asked."""


class Speaker:
    """Say one text at a time through espeak-ng without ever blocking or failing the caller.

    With ``wav_dir``, each utterance is written to a numbered WAV file there instead of being
    played, and ``spoken`` lists (language, text) in order: tests and headless demos check
    speech that way without a sound card. ``spoken`` is kept only then, so a kiosk that runs
    for weeks does not accumulate everything it said.
    """

    def __init__(self, *, command: str = "espeak-ng", wav_dir: Path | None = None) -> None:
        self.command = command
        self.wav_dir = wav_dir
        self.spoken: list[tuple[str, str]] = []
        self._process: subprocess.Popen[bytes] | None = None
        self._count = 0
        self._lock = threading.Lock()
        self._warned_missing = False
        self._warned_failed = False

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        """Return the espeak-ng process of the last utterance, if one was started."""
        return self._process

    def say(self, text: str, language: str) -> None:
        """Start saying ``text`` in ``language`` ("fr" or "en"), cutting off what was being said.

        Return at once: espeak-ng runs in the background. If it cannot be started, log a
        warning (once) and carry on silently.
        """
        voice = VOICES.get(language)
        if voice is None:
            raise ValueError(f"no voice for language {language!r}; expected one of {list(VOICES)}")
        with self._lock:
            self._stop_locked()
            arguments = [self.command, "-v", voice, "-s", str(RATE_WORDS_PER_MINUTE)]
            if self.wav_dir is not None:
                self._count += 1
                arguments += ["-w", str(self.wav_dir / f"{self._count:04d}-{language}.wav")]
                self.spoken.append((language, text))
            # "--" ends the options: a text such as "-5 °C" must be read, not parsed. The
            # text is one argument of its own, so no shell ever sees it; an argument cannot
            # hold a NUL, which no one hears anyway.
            arguments += ["--", text.replace("\0", "")]
            try:
                if self.wav_dir is not None:
                    self.wav_dir.mkdir(parents=True, exist_ok=True)
                self._process = subprocess.Popen(
                    arguments,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            except OSError as err:
                self._process = None
                if not self._warned_missing:
                    self._warned_missing = True
                    logger.warning("spoken guidance is off: cannot start %s: %s", self.command, err)

    def stop(self) -> None:
        """Stop saying whatever is being said (no-op when silent)."""
        with self._lock:
            self._stop_locked()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for the current utterance to end; return whether it did."""
        process = self._process
        if process is None:
            return True
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        self._note_failure(process)
        return True

    def _stop_locked(self) -> None:
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            # SIGTERM only, no wait: espeak-ng exits at once, and the next Popen reaps it
            # (subprocess keeps unfinished children and polls them when it starts another).
            process.terminate()
        else:
            self._note_failure(process)

    def _note_failure(self, process: subprocess.Popen[bytes]) -> None:
        # A positive status is espeak-ng's own failure (no sound card, bad voice data); a
        # negative one is the SIGTERM sent to cut an utterance short, which is normal.
        if process.returncode > 0 and not self._warned_failed:
            self._warned_failed = True
            logger.warning("%s exited with status %d", self.command, process.returncode)


# Linux ioctl numbers (include/uapi/asm-generic/ioctl.h): direction, type, number and size
# packed into one int.
_IOC_NRSHIFT = 0
_IOC_TYPESHIFT = 8
_IOC_SIZESHIFT = 16
_IOC_DIRSHIFT = 30
_IOC_READ = 2


def _ioc(direction: int, kind: str, number: int, size: int) -> int:
    return (
        (direction << _IOC_DIRSHIFT)
        | (ord(kind) << _IOC_TYPESHIFT)
        | (number << _IOC_NRSHIFT)
        | (size << _IOC_SIZESHIFT)
    )


def eviocgbit(event_type: int, length: int) -> int:
    """Return EVIOCGBIT(ev, len): read which codes of one event type a device reports."""
    return _ioc(_IOC_READ, "E", 0x20 + event_type, length)


def eviocgsw(length: int) -> int:
    """Return EVIOCGSW(len): read the current state of every switch of a device."""
    return _ioc(_IOC_READ, "E", 0x1B, length)


EV_SW = 0x05
SW_HEADPHONE_INSERT = 0x02
SW_MAX = 0x10
# The kernel's bitmaps are arrays of unsigned long (include/linux/bitops.h, BITS_TO_LONGS);
# asking for whole longs keeps the byte order right on big-endian machines too.
_LONG = struct.calcsize("@L")
SW_BITMAP_BYTES = _LONG * -(-(SW_MAX + 1) // (8 * _LONG))


def switch_is_set(bits: bytes, code: int) -> bool:
    """Return whether bit ``code`` is set in a kernel bitmap (an array of native longs).

    A bitmap shorter than a whole number of longs is read as if padded with zeros; a code
    beyond its end is not set.
    """
    if code < 0:
        return False
    padded = bytes(bits) + bytes(-len(bits) % _LONG)
    word, bit = divmod(code, 8 * _LONG)
    if (word + 1) * _LONG > len(padded):
        return False
    (value,) = struct.unpack_from("@L", padded, word * _LONG)
    return bool((value >> bit) & 1)


class HeadsetDetector:
    """Tell whether headphones are plugged in, from the jack switch of the input devices."""

    def __init__(self, devices_glob: str = "/dev/input/event*") -> None:
        self.devices_glob = devices_glob

    def plugged(self) -> bool:
        """Return True if a device with a headphone switch reports it inserted.

        False when no device has such a switch or none can be read (no permission: the
        kiosk user must be in the ``input`` group).
        """
        return any(_headphone_state(path) for path in sorted(glob.glob(self.devices_glob)))


def _headphone_state(path: str) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as err:
        logger.debug("cannot open %s: %s", path, err)
        return False
    try:
        capabilities = bytearray(SW_BITMAP_BYTES)
        fcntl.ioctl(fd, eviocgbit(EV_SW, len(capabilities)), capabilities, True)
        if not switch_is_set(bytes(capabilities), SW_HEADPHONE_INSERT):
            return False
        state = bytearray(SW_BITMAP_BYTES)
        fcntl.ioctl(fd, eviocgsw(len(state)), state, True)
        return switch_is_set(bytes(state), SW_HEADPHONE_INSERT)
    except OSError as err:  # not an evdev device (ENOTTY), or gone since the glob
        logger.debug("cannot read the switches of %s: %s", path, err)
        return False
    finally:
        os.close(fd)


class SpeechOutput(Protocol):
    """What ``Guidance`` needs of a speaker."""

    def say(self, text: str, language: str) -> None:
        """Start saying ``text``, cutting off what was being said."""
        ...

    def stop(self) -> None:
        """Stop saying anything."""
        ...


class HeadsetSensor(Protocol):
    """What ``Guidance`` needs of a headset detector."""

    def plugged(self) -> bool:
        """Return whether headphones are plugged in now."""
        ...


class Guidance:
    """Decide whether each screen's guidance is spoken during the current visit."""

    def __init__(self, speaker: SpeechOutput, detector: HeadsetSensor, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"speech mode {mode!r} is not one of {', '.join(MODES)}")
        self.speaker = speaker
        self.detector = detector
        self.mode = mode
        self._asked = False

    def asked(self) -> None:
        """Turn speech on for this visit: the citizen tapped "listen"."""
        if not self._asked:
            self._asked = True
            logger.info("spoken guidance asked for this visit (mode %s)", self.mode)

    def reset(self) -> None:
        """Start a new visit: forget the ask and stop speaking."""
        self._asked = False
        self.speaker.stop()

    def active(self) -> bool:
        """Return whether guidance is spoken now."""
        if self.mode == "off":
            return False
        if self.mode == "on" or self._asked:
            return True
        return self.detector.plugged()

    def announce(self, text: str, language: str) -> bool:
        """Speak ``text`` if guidance is active; return whether it is spoken.

        When it is not, whatever was still being said is stopped: it belonged to the
        previous screen.
        """
        if self.active():
            self.speaker.say(text, language)
            return True
        self.speaker.stop()
        return False
