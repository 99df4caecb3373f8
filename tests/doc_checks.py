"""Read the project's Markdown as GitHub shows it: headings and their anchors, relative
links, the shell commands in code, and the paths under /etc/kiosk they name.

Only what the documents' checks need: ATX headings (``## …``), inline links
(``[text](target)``), fenced code blocks; code is never a heading or a link.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
ETC_KIOSK = re.compile(r"/etc/kiosk(?:/[\w-]+(?:\.[\w-]+)*)*/?")
SHELL_OPERATORS = frozenset("();<>|&")


@dataclass(frozen=True)
class Line:
    """One line of a document: its number, its text, whether it is inside fenced code."""

    number: int
    text: str
    in_code: bool


def lines(path: Path) -> list[Line]:
    """Return the lines of ``path``, each marked in or out of a fenced code block."""
    found: list[Line] = []
    fence: str | None = None
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        opened = FENCE.match(text)
        if opened and (fence is None or opened.group(1) == fence):
            fence = opened.group(1) if fence is None else None
            found.append(Line(number, text, True))
            continue
        found.append(Line(number, text, fence is not None))
    return found


def anchor(heading: str) -> str:
    """Return the anchor GitHub gives a heading: its text lowercased, punctuation dropped
    (letters of any alphabet, digits, ``-`` and ``_`` stay), spaces made hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link shows its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").replace("*", "")
    kept = "".join(ch for ch in text.strip().lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Return every anchor of ``path``: its headings' (repeats get -1, -2…) and HTML ones."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for line in lines(path):
        if line.in_code:
            continue
        found.update(HTML_ANCHOR.findall(line.text))
        heading = HEADING.match(line.text)
        if heading is None:
            continue
        slug = anchor(heading.group(2))
        repeat = seen.get(slug, 0)
        seen[slug] = repeat + 1
        found.add(slug if repeat == 0 else f"{slug}-{repeat}")
    return found


def broken_links(path: Path) -> list[str]:
    """Return each relative link of ``path`` whose file, folder or heading is missing."""
    broken: list[str] = []
    for line in lines(path):
        if line.in_code:
            continue
        prose = CODE_SPAN.sub("code", line.text)
        for target in LINK.findall(prose):
            if SCHEME.match(target):
                continue  # https:, mailto:, file: … are not the repository's to check
            where, _, fragment = target.partition("#")
            linked = (path.parent / unquote(where)).resolve() if where else path
            if not linked.exists():
                broken.append(f"{path.name}:{line.number}: {target} (no such file)")
            elif fragment and linked.suffix == ".md" and unquote(fragment) not in anchors(linked):
                broken.append(f"{path.name}:{line.number}: {target} (no such heading)")
    return broken


def code_commands(path: Path) -> list[list[str]]:
    """Return the shell commands in ``path``'s code: each fenced line, and each inline code
    span, cut at pipes, ``&&``, ``;`` and redirections; comments dropped."""
    commands: list[list[str]] = []
    for line in lines(path):
        if line.in_code:
            if not FENCE.match(line.text):
                commands += _split(line.text.strip().removeprefix("$ "))
            continue
        for _ticks, span in CODE_SPAN.findall(line.text):
            commands += _split(span)
    return commands


def _split(text: str) -> list[list[str]]:
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError:  # an unclosed quote: prose, not a command
        return []
    commands: list[list[str]] = [[]]
    for token in tokens:
        if set(token) <= SHELL_OPERATORS:
            commands.append([])
        else:
            commands[-1].append(token)
    return [command for command in commands if command]


def without_sudo(command: list[str]) -> list[str]:
    """Return ``command`` without a leading ``sudo`` and its options (``-u kiosk``…)."""
    if not command or command[0] != "sudo":
        return command
    rest = command[1:]
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] in ("-u", "-g", "-C", "-D") else rest[1:]
    return rest


def etc_kiosk_paths(path: Path) -> set[str]:
    """Return every path under /etc/kiosk that ``path`` names, in prose or in code."""
    text = path.read_text(encoding="utf-8")
    return {found.rstrip("/") for found in ETC_KIOSK.findall(text)}
