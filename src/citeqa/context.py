"""The words a chunk is indexed with besides its own text: the name of its file and the heading
path it sits under, so that a passage deep in "integrations/github_actions.md > Usage" can be
found by a question about the GitHub Action although the passage never names it.

The context line is never part of the chunk's text or offsets: BM25 counts its terms with the
chunk's, and the encoder reads it before the chunk when both fit in the model's window.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

_PARTS = re.compile(r"[\s_.\-]+")


def name_words(source: str) -> list[str]:
    """The words of a file's path that read as words: "integrations/github_actions.md" gives
    ["integrations", "github actions"]; parts of digits and letters mixed (hashes, ids) and
    parts of digits alone are dropped ("000_481b1a0d.txt" gives none)."""
    path = PurePosixPath(source)
    parts = [*path.parent.parts, path.stem if path.suffix[1:].isalpha() else path.name]
    words = []
    for part in parts:
        tokens = [t for t in _PARTS.split(part) if t]
        if not any(t.isalpha() for t in tokens):
            continue
        words.append(" ".join(t for t in tokens if t.isalpha() or t.isdigit()))
    return words


def context_line(source: str, section: str | None) -> str:
    """The file's words and the heading path, joined by " > ", or "" when neither says
    anything."""
    return " > ".join([*name_words(source), *([section] if section else [])])


def context_lines(places: Iterable[tuple[str, str | None]]) -> list[str]:
    """`context_line` of each (source, heading path) place, each distinct place worked out
    once: a file's chunks mostly share a few."""
    memo: dict[tuple[str, str | None], str] = {}
    out = []
    for place in places:
        if place not in memo:
            memo[place] = context_line(*place)
        out.append(memo[place])
    return out
