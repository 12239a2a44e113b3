"""Line spans of a text and the line patterns the text-like parsers share."""

from __future__ import annotations

import re

from .structure import Block, trimmed

_NEWLINE = re.compile(r"\r\n?|\n")
# A bullet, or an item number: 1. 1) (a) b. ii) iv. and, not to be taken for a section
# number ("III. Reading"), IV) in capitals only with a parenthesis.
BULLET = re.compile(r"[ \t]*(?:[-*+•‣◦▪]|\(?(?:\d{1,3}|[ivx]{1,4}|[a-zA-Z]|#)[.)]|\(?[IVX]{1,4}\))"
                    r"[ \t]+(?=\S)")
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


def body_end(lines: list[str], i: int, ind: int) -> int:
    """End (exclusive) of the lines from `i` indented deeper than `ind` columns, blank lines
    inside included, trailing blank lines not: the body under an rst construct or a MkDocs
    admonition."""
    end = j = i
    while j < len(lines) and (not lines[j].strip() or indent(lines[j]) > ind):
        j += 1
        if lines[j - 1].strip():
            end = j
    return end


def column_gaps(line: str) -> int:
    """Runs of two or more spaces (or tabs) between words that do not follow sentence
    punctuation: the column gaps of an aligned table or listing."""
    return len(_GAP.findall(line.strip()))


def column_edges(line: str) -> tuple[frozenset[int], frozenset[int]]:
    """The columns (tabs set every eight) where the text after each column gap starts and
    where the text before it ends: a table's cells start or end in line with the row
    above; the gaps of fully justified prose fall anywhere."""
    gaps = list(_GAP.finditer(line))
    return (frozenset(len(line[:g.end()].expandtabs(8)) for g in gaps),
            frozenset(len(line[:g.start()].expandtabs(8)) for g in gaps))


def width(line: str) -> int:
    """The column a line's text ends at, tabs set every eight, trailing white space left out."""
    return len(line.rstrip().expandtabs(8))


def block_over(text: str, spans: list[tuple[int, int]], kind: str, first: int, last: int,
               level: int = 0) -> Block | None:
    """A block over lines first..last (inclusive), surrounding white space left out."""
    return trimmed(text, kind, spans[first][0], spans[last][1], level)
