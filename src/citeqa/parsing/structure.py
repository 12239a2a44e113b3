"""The document model every format parser returns: the text, its blocks, and its page starts."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Protocol

from ..errors import CiteqaError

_SECTION_NUMBER = re.compile(r"(?:\d+|[A-Z])(?:\.\d+)*\.?\s+(?=\S)")
_MODE_LINE = re.compile(r"-\*-.*?-\*-")   # an Emacs mode line in a title: -*- outline -*-
_ATX_MARKS = re.compile(r"^(?:#{1,6}|\*{1,6})(?:\s+|$)|\s+#+$")
REFERENCE = re.compile(r"://|\bwww\.|\S@\S+\.\w")   # a URL or an e-mail address: no title
KINDS = ("heading", "paragraph", "list_item", "code", "table_row", "quote", "term")
# A "term" is a definition list's term (HTML <dt>, rst): the blocks after it describe it.


class ParseError(CiteqaError):
    """A file that cannot be read as its format; `reason` is one line naming the cause."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Block:
    """One structural unit of a document: [start, end) offsets into `Parsed.text`.

    `level` is the heading level (1 = top) for headings, 0 otherwise."""

    kind: str
    start: int
    end: int
    level: int = 0


@dataclass(frozen=True)
class Parsed:
    """A parsed document: its text, its blocks (sorted, non-overlapping) and, for paged
    formats, the start offset of each page in `text` (page n is `pages[n - 1]`).

    `title` is a title the file declares apart from its headings (HTML <title>, document
    properties), or ""; `caveats` are one-line remarks on how the file was read."""

    text: str
    blocks: tuple[Block, ...]
    pages: tuple[int, ...] = ()
    format: str = "text"
    title: str = ""
    caveats: tuple[str, ...] = ()

    def block_text(self, block: Block) -> str:
        """The text a block covers."""
        return self.text[block.start:block.end]


def heading_title(text: str) -> str:
    """A heading block's text as a section name: markup stripped, whitespace collapsed, a
    section number ("2.1.") kept."""
    from .markup import plain_text

    text = _ATX_MARKS.sub("", _MODE_LINE.sub("", text).strip())
    number = _SECTION_NUMBER.match(text)
    if number:
        rest = plain_text(text[number.end():])
        return f"{number.group(0).strip()} {rest}".strip()
    return plain_text(text)


class Structured(Protocol):
    """Anything with a text, its blocks and page starts: a `Parsed` or a `Document`."""

    @property
    def text(self) -> str: ...

    @property
    def blocks(self) -> tuple[Block, ...]: ...

    @property
    def pages(self) -> tuple[int, ...]: ...


class Locator:
    """Page and section of many offsets in one document, by bisection (build once, ask often).

    >>> where = Locator(document)          # a Parsed or a Document
    >>> where.locate(offset)               # (3, "Install > Linux")
    """

    def __init__(self, parsed: Structured) -> None:
        self._pages = list(parsed.pages)
        self._starts: list[int] = []
        self._paths: list[str] = []
        path: list[tuple[int, str]] = []
        for block in parsed.blocks:
            if block.kind != "heading":
                continue
            level = max(block.level, 1)
            while path and path[-1][0] >= level:
                path.pop()
            title = heading_title(parsed.text[block.start:block.end])
            if not title:
                continue
            path.append((level, title))
            self._starts.append(block.start)
            self._paths.append(" > ".join(name for _, name in path))

    def page(self, offset: int) -> int | None:
        """The 1-based page holding `offset`, or None for formats without pages."""
        if not self._pages:
            return None
        return max(bisect.bisect_right(self._pages, offset), 1)

    def section(self, offset: int) -> str | None:
        """The heading path ("Install > Linux") of the last heading starting at or before
        `offset`, or None before the first heading."""
        i = bisect.bisect_right(self._starts, offset)
        return self._paths[i - 1] if i else None

    def locate(self, offset: int) -> tuple[int | None, str | None]:
        """Page and section of `offset`."""
        return self.page(offset), self.section(offset)


def page_at(parsed: Structured, offset: int) -> int | None:
    """The 1-based page of `offset` (None when the format has no pages)."""
    return Locator(parsed).page(offset)


def section_at(parsed: Structured, offset: int) -> str | None:
    """The heading path in force at `offset`, e.g. "Install > Linux"."""
    return Locator(parsed).section(offset)


def check_blocks(text: str, blocks: list[Block]) -> tuple[Block, ...]:
    """`blocks` sorted, with empty ones and any overlap with an earlier block dropped."""
    out: list[Block] = []
    end = 0
    for block in sorted(blocks, key=lambda b: (b.start, b.end)):
        if block.start >= block.end or block.start < end or block.end > len(text):
            continue
        if not text[block.start:block.end].strip():
            continue
        out.append(block)
        end = block.end
    return tuple(out)


def trimmed(text: str, kind: str, start: int, end: int, level: int = 0) -> Block | None:
    """A block over text[start:end] with surrounding whitespace left out, or None if blank."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Block(kind, start, end, level) if start < end else None


def join_blocks(parts: list[tuple[str, str, int]], sep: str = "\n\n"
                ) -> tuple[str, tuple[Block, ...]]:
    """Text and blocks built from (kind, block text, level) parts, joined by `sep`: for
    formats whose text citeqa constructs (HTML, PDF, DOCX)."""
    pieces: list[str] = []
    blocks: list[Block] = []
    pos = 0
    for kind, body, level in parts:
        if not body.strip():
            continue
        if pieces:
            pieces.append(sep)
            pos += len(sep)
        pieces.append(body)
        blocks.append(Block(kind, pos, pos + len(body), level))
        pos += len(body)
    return "".join(pieces), tuple(blocks)
