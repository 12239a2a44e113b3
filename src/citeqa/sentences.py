"""Sentence boundaries as character spans, found over a document's structure.

A paragraph, list item or quote is one unit for blingfire's trained splitter (which keeps
"U.S." and "Ltd." inside sentences), with its line breaks read as spaces, so a sentence of a
hard-wrapped paragraph spans lines. A heading, a table row and each line of a code block are a
unit of their own and never glued to prose. Spans are offsets into the document's text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .parsing import Block

PROSE = frozenset({"paragraph", "list_item", "quote"})
_LINE = re.compile(r"[^\n\r]+")
WRAP_WIDTH = 100     # hard-wrapped text keeps its lines this short
SHORT_LINE = 0.6     # of the longest line: shorter and unpunctuated, a line stands alone
_CLOSED = re.compile(r"[.!?:;,)\]\"'”’»-]$")
_COLON_BREAK = re.compile(r":(?=[ \t]*(?:\r\n?|\n)[ \t]*\S)")
_PARAGRAPH = re.compile(r"(?:[^\n]*\S[^\n]*(?:\n|\Z))+")   # a run of non-blank lines
_BREAKS = str.maketrans({"\n": " ", "\r": " ", "\u2028": " ", "\u2029": " ", "\x0c": " "})


def _split(body: str, offset: int) -> list[tuple[int, int]]:
    """blingfire's sentences of `body` (whose line breaks it reads as spaces), also cut after
    a colon that ends a line (an introduction to what follows), trimmed."""
    import blingfire

    _, offsets = blingfire.text_to_sentences_and_offsets(body.translate(_BREAKS))
    spans = []
    for start, end in offsets:
        cuts = [m.end() for m in _COLON_BREAK.finditer(body, start, end)]
        for lo, hi in zip([start, *cuts], [*cuts, end], strict=True):
            piece = body[lo:hi]
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece.rstrip())
            if trail > lead:
                spans.append((offset + lo + lead, offset + lo + trail))
    return spans


def _units(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A prose block cut at its hard line breaks: every break when the block is not
    hard-wrapped (a line over WRAP_WIDTH characters: one paragraph or caption per line), else
    after a line much shorter than the block's longest that ends without punctuation and is
    not followed by a lower-case word (a title or a caption above the text)."""
    lines = [(m.start(), m.end()) for m in _LINE.finditer(text, start, end)]
    if len(lines) < 2:
        return [(start, end)]
    width = max(e - s for s, e in lines)
    cuts = []
    for (s, e), (nxt, _) in zip(lines, lines[1:], strict=False):  # every line but the last
        line = text[s:e].rstrip()
        follower = text[nxt:end].lstrip()[:1]
        short = (len(line) < SHORT_LINE * width and not _CLOSED.search(line)
                 and not follower.islower())
        if width > WRAP_WIDTH or short:
            cuts.append(e)
    bounds = [start, *cuts, end]
    return list(zip(bounds, bounds[1:], strict=False))


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The non-blank lines of text[start:end], trimmed."""
    spans = []
    for line in _LINE.finditer(text, start, end):
        body = line.group()
        lead, trail = len(body) - len(body.lstrip()), len(body.rstrip())
        if trail > lead:
            spans.append((line.start() + lead, line.start() + trail))
    return spans


def sentence_spans(text: str, blocks: Sequence[Block] = ()) -> list[tuple[int, int]]:
    """Sorted spans of the sentences of `text`, unit by unit of `blocks`.

    Without blocks, each stretch between blank lines is a paragraph.
    """
    if not blocks:
        blocks = [Block("paragraph", m.start(), m.end()) for m in _PARAGRAPH.finditer(text)]
    spans: list[tuple[int, int]] = []
    for block in blocks:
        if block.kind in PROSE:
            for start, end in _units(text, block.start, block.end):
                spans += _split(text[start:end], start)
        elif block.kind == "code":
            spans += _lines(text, block.start, block.end)
        else:  # a heading or a table row: one unit, its lines joined
            spans += _trimmed(text, block.start, block.end)
    return spans


def _trimmed(text: str, start: int, end: int) -> list[tuple[int, int]]:
    body = text[start:end]
    lead, trail = len(body) - len(body.lstrip()), len(body.rstrip())
    return [(start + lead, start + trail)] if trail > lead else []
