"""Sentence boundaries (blingfire's trained splitter, run line by line) as character spans."""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\n]+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of `text`; a sentence never crosses a line break.

    blingfire knows abbreviations such as "Ltd." and "U.S.", which a regex splitter cuts.
    """
    import blingfire

    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        body = line.group()
        if not body.strip():
            continue
        _, offsets = blingfire.text_to_sentences_and_offsets(body)
        for start, end in offsets:
            piece = body[start:end]
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece.rstrip())
            if trail > lead:
                spans.append((line.start() + start + lead, line.start() + start + trail))
    return spans
