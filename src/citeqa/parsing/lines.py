"""Line spans of a text and the line patterns the text-like parsers share."""

from __future__ import annotations

import re

from .structure import Block, trimmed

_NEWLINE = re.compile(r"\r\n?|\n")
BULLET = re.compile(r"[ \t]*(?:[-*+•‣◦▪]|\(?(?:\d{1,3}|[a-zA-Z]|#)[.)])[ \t]+(?=\S)")
_GAP = re.compile(r"(?<=[^\s.!?:;,])(?: {2,}|\t+)(?=\S)")


def line_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of every line of `text`, line breaks (\\n, \\r\\n, \\r) left out."""
    spans = []
    pos = 0
    for match in _NEWLINE.finditer(text):
        spans.append((pos, match.start()))
        pos = match.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return spans


def indent(line: str) -> int:
    """Width of a line's leading white space, a tab counting as four columns."""
    stripped = line.lstrip(" \t")
    return len(line[:len(line) - len(stripped)].expandtabs(4))


def column_gaps(line: str) -> int:
    """Runs of two or more spaces (or tabs) between words that do not follow sentence
    punctuation: the column gaps of an aligned table or listing."""
    return len(_GAP.findall(line.strip()))


def block_over(text: str, spans: list[tuple[int, int]], kind: str, first: int, last: int,
               level: int = 0) -> Block | None:
    """A block over lines first..last (inclusive), surrounding white space left out."""
    return trimmed(text, kind, spans[first][0], spans[last][1], level)
