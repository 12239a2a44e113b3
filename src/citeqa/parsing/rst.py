"""Structure of a reStructuredText file (first version: the plain text rules, which know
underlined titles, bullets and indented blocks)."""

from __future__ import annotations

from .plaintext import parse_plain
from .structure import Parsed


def parse_rst(text: str) -> Parsed:
    """Blocks of an rst file; the text is the file's own."""
    parsed = parse_plain(text)
    return Parsed(parsed.text, parsed.blocks, format="rst")
