"""``kiosk logs bundle``: a support archive with personal data and secrets taken out.

The archive (tar.gz) holds the kiosk's logs (journal of its units, log files in its data
folder), its config with secret values blanked, the diagnostics, the outbox's status and
the versions. Every text goes through ``redact`` first, which removes:

- the personal values the kiosk still holds (sealed in unfinished transactions: names,
  addresses, identifiers) and the secrets it knows (its keys and token files), in any case,
  with or without accents, spaces, dashes or dots inside;
- anything shaped like personal data: card numbers (any 13–19-digit window of a digit run
  that passes the Luhn check, whatever the separators), health card, driver's licence and
  Outdoors Card numbers (any case and separators), dates of birth, credentials in URLs,
  Canadian postal codes, e-mail addresses, telephone numbers.

Each rule finds spans of the original text; overlapping spans are joined and replaced once,
so one rule's placeholder never hides (or half-hides) what another rule would have found.
"""

from __future__ import annotations

import io
import re
import tarfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from transactions.address_change import IDENTIFIER_FORMATS
from transactions.services import SERVICES
from transactions.transport.identifiers import MAX_AGE, MIN_DRIVER_AGE

Span = tuple[int, int, str]
"""Where a rule found something in a text (start, end) and what replaces it."""

_SEP = r"[ \t.\-]"
"""What people and programs put inside a number: spaces, dots, dashes."""
DIGIT_RUN = re.compile(rf"\d(?:{_SEP}*\d)*")
HEALTH_CARD = re.compile(
    rf"(?<![\dA-Za-z])\d(?:{_SEP}*\d){{9}}{_SEP}*[A-Za-z]{{2}}(?![\dA-Za-z])|\b[A-Z]{{4}}\d{{8}}\b"
)
# The letter is glued to the digits (or by a dash or dot): "a 1000421587310" is prose.
LICENCE = re.compile(rf"(?<![\dA-Za-z])[A-Za-z][.\-]?(?:\d{_SEP}*){{11,13}}\d(?![\dA-Za-z])")
OUTDOORS_CARD = re.compile(  # 708158 and 9 digits (transactions.natural_resources.identifiers)
    rf"(?<!\d)7{_SEP}*0{_SEP}*8{_SEP}*1{_SEP}*5{_SEP}*8(?:{_SEP}*\d){{9}}(?!\d)"
)
POSTAL_CODE = re.compile(
    r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ -]?\d[ABCEGHJ-NPRSTV-Z]\d\b", re.IGNORECASE
)
# Not inside a URL's user part (after "//" or ":"), which URL_USER takes out whole.
EMAIL = re.compile(r"(?<![\w.+\-:/%])[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?<!\d)(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}(?!\d)")
URL_USER = re.compile(r"(?i)\b[a-z][a-z0-9+.\-]*://([^\s/?#@]+(?:@[^\s/?#@]+)*)@")
URL_SECRET = re.compile(
    r"(?i)[?&;][\w.\-]*(?:token|password|passwd|secret|apikey|api_key|signature)=([^&#\s\"']+)"
)
SECRET_KEYS = re.compile(r"(?im)^(\s*[\w.-]*(?:token|password|secret|pin|key)\s*=\s*).+$")

_DAY = r"(?:3[01]|[12]\d|0?[1-9])"
_MONTH = r"(?:1[0-2]|0?[1-9])"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_MONTH_NAME = (
    r"(?:janv|févr|fevr|mars|avr|mai|juin|juil|août|aout|sept|oct|nov|déc|dec"
    r"|jan|feb|mar|apr|may|jun|jul|aug|sep)[a-zéû]*\.?"
)
_DATE = (
    rf"(?:{_YEAR}(?P<s1>[-/.]){_MONTH}(?P=s1){_DAY}"  # 1987-03-14, 1987/03/14
    rf"|{_DAY}(?P<s2>[-/.]){_DAY}(?P=s2){_YEAR}"  # 14/03/1987, 03.14.1987
    rf"|{_DAY}(?:er)?\s+{_MONTH_NAME}\s+{_YEAR}"  # 1er mars 1987, 14 March 1987
    rf"|{_MONTH_NAME}\s+{_DAY}(?:st|nd|rd|th)?,?\s+{_YEAR})"  # March 14, 1987
)
_TIME = r"[T ]\d{1,2}:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?"
# Dates of birth. A date with a time part is an event (a log line's timestamp, an outbox
# entry, a kiosk whose clock was reset to 1970), never a birth date, and support needs it.
# Without a time part, a date is taken out when it lies MIN_DRIVER_AGE to MAX_AGE years back:
# the kiosk asks for a date of birth only to check a driver's licence, so that is where
# every one it takes lies, while the recent dates support needs (due dates, expiries,
# "since") are kept. Next to a word for birth, any date is taken out, even with a time part
# or written 19870314.
BARE_DATE = re.compile(rf"(?<!\d)(?P<date>{_DATE})(?!\d)(?!{_TIME})", re.IGNORECASE)
BIRTH_WORDS = ("birth", "born", "dob", "d.o.b", "naissance", "né", "ddn")
BIRTH_DATE = re.compile(
    rf"(?:birth|born|\bdob\b|d\.o\.b\b|naissance|\bnée?\b|\bddn\b)[^\d\n]{{0,30}}?"
    rf"(?<!\d)(?P<date>(?:{_DATE}|{_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(?:{_TIME})?)"
    r"(?!\d)",
    re.IGNORECASE,
)
# Every date above holds a year: the rules run only around one, so that the long log
# lines without any cost little (a whole-text search took 3.7 s for 8.7 MB of logs).
_YEAR_HINT = re.compile(r"(?<!\d)(?:1[89]|20)\d\d")
_BEFORE_YEAR, _AFTER_YEAR = 64, 40
"""How far a date with its birth word and its time part reaches around its year."""

_FOLD_SEPARATORS = frozenset(".-‐‑–—_/'’")
"""Characters a held value may gain or lose in another form ("H2X 1Y4", "l’Érablière")."""
_ASCII_DROP = str.maketrans("", "", " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f.-_/'")
"""The same for ASCII text, with its whitespace (as ``str.isspace`` has it)."""
_WORD_BEFORE = re.compile(r"(?<!\w)(\w+)[\s,]*\Z")
_WORD_AFTER = re.compile(r"[\s,]*(\w+)(?!\w)")
NOT_PERSONAL = frozenset({*SERVICES, *IDENTIFIER_FORMATS})
"""Held values that are the catalogue's own names (item ids of a change of address)."""
MIN_HELD_LETTERS = 4
MIN_HELD_DIGITS = 6
"""A held number shorter than this (a street number, an amount) is not taken out alone: it
identifies nobody without the street, and would eat ports, durations and counts."""


def luhn_ok(digits: str) -> bool:
    """Tell whether a digit string passes the Luhn check (as card numbers do)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_spans(text: str) -> Iterator[Span]:
    """Yield every 13–19-digit window of a digit run (any separators) that passes Luhn."""
    for run in DIGIT_RUN.finditer(text):
        if len(run.group()) < 13:
            continue  # too short even without separators: most runs stop here, and cheaply
        where = [run.start() + i for i, char in enumerate(run.group()) if char.isdigit()]
        digits = "".join(text[i] for i in where)
        for first in range(len(digits) - 12):
            # No card number starts with 0 (ISO/IEC 7812: major industry identifier 0 is
            # not issued), and zero padding would pass Luhn.
            if digits[first] == "0":
                continue
            for last in range(first + 12, min(first + 19, len(digits))):
                if luhn_ok(digits[first : last + 1]):
                    yield where[first], where[last] + 1, "[card number]"


def date_of_birth_spans(text: str, today: date) -> Iterator[Span]:
    """Yield dates next to a word for birth, and bare dates old enough to be one."""
    oldest, youngest = today.year - MAX_AGE, today.year - MIN_DRIVER_AGE
    for hint in _YEAR_HINT.finditer(text):
        low = max(0, hint.start() - _BEFORE_YEAR)
        high = min(len(text), hint.end() + _AFTER_YEAR)
        patterns = []
        if any(word in text[low:high].lower() for word in BIRTH_WORDS):
            patterns.append(BIRTH_DATE)
        if oldest <= int(hint.group()) <= youngest:
            patterns.append(BARE_DATE)
        for pattern in patterns:
            for match in pattern.finditer(text, low, high):
                start, end = match.span("date")
                if start <= hint.start() < end:
                    yield start, end, "[date of birth]"


def _pattern_spans(
    pattern: re.Pattern[str], label: str, group: int = 0
) -> Callable[[str], Iterator[Span]]:
    def spans(text: str) -> Iterator[Span]:
        for match in pattern.finditer(text):
            yield match.start(group), match.end(group), label

    return spans


SHAPES: tuple[Callable[[str], Iterator[Span]], ...] = (
    _pattern_spans(URL_USER, "[credentials]", 1),
    _pattern_spans(URL_SECRET, "[credentials]", 1),
    _pattern_spans(OUTDOORS_CARD, "[Outdoors Card]"),
    _pattern_spans(LICENCE, "[licence]"),
    _pattern_spans(HEALTH_CARD, "[health card]"),
    card_spans,
    _pattern_spans(POSTAL_CODE, "[postal code]"),
    _pattern_spans(EMAIL, "[e-mail]"),
    _pattern_spans(PHONE, "[telephone]"),
)
"""Personal data found by its shape, the most specific first (its label wins an overlap)."""


@lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    """Return ``char`` as held values are compared: no accent, no case, no separator."""
    if char.isspace() or char in _FOLD_SEPARATORS:
        return ""
    plain = unicodedata.normalize("NFKD", char)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def _folded(text: str) -> tuple[str, list[int]]:
    """Return ``text`` folded, and for each folded character the index it came from."""
    chars: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        for folded in _fold(char):
            chars.append(folded)
            where.append(index)
    return "".join(chars), where


class HeldValues:
    """The values the kiosk holds, matched in any case, accents, spacing or dashes."""

    def __init__(self, values: Iterable[str]) -> None:
        needles, companions = set(), set()
        # Texts are searched line by line: a secret file of several lines is held per line.
        for value in (line for held in values for line in held.splitlines()):
            if value.strip().lower() in NOT_PERSONAL:
                continue
            folded = _folded(value)[0]
            if len(folded) >= (MIN_HELD_DIGITS if folded.isdigit() else MIN_HELD_LETTERS):
                needles.add(folded)
            elif folded:
                companions.add(folded)
        self.needles = tuple(sorted(needles, key=len, reverse=True))
        self.companions = frozenset(companions)
        """Short values (a street number, a unit, a province), taken out only next to a
        longer one: "4521, rue du Canari-Zoë" goes whole, "port 4521" stays."""

    def spans(self, text: str) -> Iterator[Span]:
        """Yield each place a held value appears in ``text`` as a whole word or number."""
        if not self.needles:
            return
        offset = 0
        for line in text.splitlines(keepends=True):
            # Folding character by character is slow: most lines are ASCII and hold no
            # value, so they are folded with str methods and looked at no further.
            quick = line.lower().translate(_ASCII_DROP) if line.isascii() else _folded(line)[0]
            if any(needle in quick for needle in self.needles):
                for start, end in self._find(line):
                    yield offset + start, offset + end, "[redacted]"
            offset += len(line)

    def _find(self, text: str) -> Iterator[tuple[int, int]]:
        haystack, where = _folded(text)
        for needle in self.needles:
            found = haystack.find(needle)
            while found >= 0:
                end = found + len(needle)
                if _whole(text, where, found, end):
                    yield self._with_companions(text, where[found], _end_of(text, where[end - 1]))
                found = haystack.find(needle, found + 1)

    def _with_companions(self, text: str, start: int, end: int) -> tuple[int, int]:
        """Widen a held value's span over the short held values right next to it."""
        # 24 characters reach back over a street number or a unit and its comma
        while before := self._companion(_WORD_BEFORE.search(text, max(0, start - 24), start)):
            start = before.start(1)
        while after := self._companion(_WORD_AFTER.match(text, end)):
            end = after.end(1)
        return start, end

    def _companion(self, word: re.Match[str] | None) -> re.Match[str] | None:
        return word if word and _folded(word.group(1))[0] in self.companions else None


def _end_of(text: str, index: int) -> int:
    """Return where the character at ``index`` ends, with the accents combined into it."""
    index += 1
    while index < len(text) and unicodedata.combining(text[index]):
        index += 1
    return index


def _whole(text: str, where: list[int], found: int, end: int) -> bool:
    """Tell whether a folded match starts and ends on word (or number) boundaries."""
    if (found > 0 and where[found - 1] == where[found]) or (
        end < len(where) and where[end] == where[end - 1]
    ):
        return False  # it starts or ends in the middle of one character ("ß" → "ss")
    start, stop = where[found], _end_of(text, where[end - 1])
    before = text[start - 1] if start > 0 else " "
    after = text[stop] if stop < len(text) else " "
    return not (_joins(text[start], before) or _joins(text[where[end - 1]], after))


def _joins(edge: str, neighbour: str) -> bool:
    """Tell whether ``neighbour`` continues the word or number that ``edge`` ends."""
    if edge.isdigit():
        return neighbour.isdigit()
    return neighbour.isalnum() or unicodedata.combining(neighbour) > 0


def _replace(text: str, spans: Iterable[tuple[int, int, int, str]]) -> str:
    """Replace the spans (start, end, rank, label), joining overlaps; the lowest rank labels."""
    merged: list[tuple[int, int, int, str]] = []
    for start, end, rank, label in sorted(spans):
        if merged and start < merged[-1][1]:
            first, last, best, best_label = merged[-1]
            merged[-1] = (first, max(last, end), *min((best, best_label), (rank, label)))
        else:
            merged.append((start, end, rank, label))
    pieces, done = [], 0
    for start, end, _rank, label in merged:
        pieces += [text[done:start], label]
        done = end
    return "".join(pieces) + text[done:]


def redact(text: str, known: Iterable[str] = (), today: date | None = None) -> str:
    """Return ``text`` without the ``known`` values and anything shaped like personal data.

    ``today`` places dates of birth (see ``BARE_DATE``); by default, today's UTC date.
    """
    return Redactor(known, today).redact(text)


class Redactor:
    """Take held values and personal data out of texts, with the held values folded once."""

    def __init__(self, known: Iterable[str] = (), today: date | None = None) -> None:
        held = HeldValues(known)
        day = today or datetime.now(UTC).date()
        self.rules: tuple[Callable[[str], Iterator[Span]], ...] = (
            held.spans,
            *SHAPES[:2],
            lambda text: date_of_birth_spans(text, day),
            *SHAPES[2:],
        )
        """Each rule, by rank: held values first, then credentials, dates, the shapes."""

    def redact(self, text: str) -> str:
        """Return ``text`` without held values and anything shaped like personal data."""
        spans = [
            (start, end, rank, label)
            for rank, rule in enumerate(self.rules)
            for start, end, label in rule(text)
        ]
        return _replace(text, spans)


def redact_config(text: str) -> str:
    """Blank the values of keys that name a secret (tokens, passwords, keys, PINs)."""
    return SECRET_KEYS.sub(lambda m: m.group(1) + '"[redacted]"', text)


def write_bundle(
    out: Path, files: Mapping[str, str], known: Iterable[str], today: date | None = None
) -> Path:
    """Write ``files`` (archive name → text), each redacted, into the tar.gz at ``out``."""
    redactor = Redactor(known, today)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out, "w:gz") as archive:
        for name, text in files.items():
            body = redactor.redact(text).encode()
            info = tarfile.TarInfo(f"kiosk-support/{name}")
            info.size = len(body)
            info.mtime = int(time.time())
            info.mode = 0o600
            archive.addfile(info, io.BytesIO(body))
    out.chmod(0o600)
    return out
