"""Structure of a reStructuredText file, found line by line.

docutils is not used: its nodes carry line numbers only for some node types (often the last
line of a paragraph, none for inline text), directive bodies are numbered apart, and Sphinx
roles and directives it does not know turn into error nodes; offsets mapped back from it
would be unreliable. rst's block syntax is line-based and small, so this module reads it
directly: section titles (underlined, or over- and underlined; levels in order of first use,
as rst defines), bullet and enumerated lists, literal blocks after `::`, code directives,
doctest blocks, grid and simple tables (one block per row line), block quotes, definition
lists, field lists and footnotes. Comments, targets, substitutions, toctrees and images are
left out. The text is the file's own."""

from __future__ import annotations

import re

from .lines import BULLET, block_over, body_end, indent, line_spans
from .structure import Block, Parsed, check_blocks

_ADORNMENT = re.compile(r"([!-/:-@\[-`{-~])\1{2,}$")
_SIMPLE_BORDER = re.compile(r"=+(?: +=+)+$")
_GRID_BORDER = re.compile(r"\+[-=+]+\+$")
_DIRECTIVE = re.compile(r"\.\.\s+([\w:.-]+)::(?:\s+(.*))?$")
_FOOTNOTE = re.compile(r"\.\.\s+\[[^\]]+\]\s+\S")
_ENUMERATED = re.compile(r"\(?(?:\d+|[a-zA-Z]|#|[ivxlcdm]+|[IVXLCDM]+)[.)]\s+\S")
_FIELD = re.compile(r":[^:\s][^:]*:(?:\s|$)")
_CODE_DIRECTIVES = {"code", "code-block", "sourcecode", "parsed-literal", "math", "productionlist"}
_HIDDEN_DIRECTIVES = {"toctree", "image", "include", "raw", "meta", "contents", "index",
                      "highlight", "literalinclude", "tabularcolumns", "default-role", "role",
                      "sectnum", "header", "footer", "target-notes", "title", "class"}


def parse_rst(text: str) -> Parsed:
    """Blocks of an rst file; the text is the file's own."""
    spans = line_spans(text)
    reader = _Reader(text, spans, [text[a:b] for a, b in spans])
    reader.region(0, len(spans), "paragraph")
    return Parsed(text, check_blocks(text, reader.blocks), format="rst")


def _blank(line: str) -> bool:
    return not line.strip()


def _adornment(line: str) -> bool:
    return bool(_ADORNMENT.match(line.strip()))


class _Reader:
    """Reads a run of lines into blocks, recursing into indented bodies."""

    def __init__(self, text: str, spans: list[tuple[int, int]], lines: list[str]) -> None:
        self.text, self.spans, self.lines = text, spans, lines
        self.blocks: list[Block] = []
        self.styles: list[tuple[str, bool]] = []  # title adornments in order of first use

    def add(self, kind: str, first: int, last: int, level: int = 0) -> None:
        block = block_over(self.text, self.spans, kind, first, last, level)
        if block is not None:
            self.blocks.append(block)

    def region(self, lo: int, hi: int, kind: str) -> None:
        """Blocks of lines lo..hi-1; `kind` is what a paragraph here is (paragraph, quote,
        list_item)."""
        i = lo
        while i < hi:
            line = self.lines[i]
            if _blank(line):
                i += 1
                continue
            i = self.construct(i, hi, kind)

    def construct(self, i: int, hi: int, kind: str) -> int:
        """Read the construct starting at line `i`; the index after it."""
        lines = self.lines
        line = lines[i]
        stripped = line.strip()
        ind = indent(line)
        nxt = lines[i + 1] if i + 1 < hi else ""
        if _adornment(line) and i + 2 < hi and not _blank(nxt) and not _adornment(nxt) \
                and lines[i + 2].strip()[:1] == stripped[0] and _adornment(lines[i + 2]):
            self.add("heading", i + 1, i + 1, self.level(stripped[0], True))
            return i + 3
        if not _adornment(line) and _adornment(nxt) and indent(nxt) == ind == 0 \
                and len(nxt.strip()) >= min(len(stripped), 4):
            self.add("heading", i, i, self.level(nxt.strip()[0], False))
            return i + 2
        if _SIMPLE_BORDER.match(stripped):
            return self.simple_table(i, hi)
        if _GRID_BORDER.match(stripped):
            return self.grid_table(i, hi)
        if _adornment(line):
            return i + 1  # a transition
        if stripped.startswith(".. ") or stripped == "..":
            return self.explicit(i, hi, ind, kind)
        if stripped.startswith(">>>"):
            end = self.run_end(i, hi)
            self.add("code", i, end - 1)
            return end
        bullet = BULLET.match(line)
        if bullet or _ENUMERATED.match(stripped):
            return self.item(i, hi, ind, bullet.end() if bullet else ind + 2)
        if stripped.startswith("| ") and not stripped.endswith("|"):
            end = self.run_end(i, hi)
            self.add(kind, i, end - 1)
            return end
        return self.paragraph(i, hi, ind, kind)

    def level(self, char: str, overline: bool) -> int:
        """Title level of an adornment style: rst numbers styles in order of first use."""
        style = (char, overline)
        if style not in self.styles:
            self.styles.append(style)
        return self.styles.index(style) + 1

    def run_end(self, i: int, hi: int) -> int:
        """Index of the first blank line from `i` (or `hi`)."""
        while i < hi and not _blank(self.lines[i]):
            i += 1
        return i

    def paragraph(self, i: int, hi: int, ind: int, kind: str) -> int:
        """A paragraph up to a blank line or a deeper indented line (a definition list's
        body); after `::`, the indented literal block that follows is code."""
        end = i + 1
        while end < hi and not _blank(self.lines[end]) and indent(self.lines[end]) <= ind:
            end += 1
        if end < hi and not _blank(self.lines[end]):  # definition body, no blank line before
            self.add("term" if end - i == 1 else kind, i, end - 1)
            body = min(body_end(self.lines, end, ind), hi)
            self.region(end, body, "paragraph")
            return body
        self.add(kind, i, end - 1)
        body = min(body_end(self.lines, end, ind), hi)
        if self.lines[end - 1].rstrip().endswith("::") and body > end:
            first = end
            while _blank(self.lines[first]):
                first += 1
            self.add("code", first, body - 1)
            return body
        if body > end:
            self.region(end, body, "quote" if kind == "paragraph" else kind)
        return body

    def item(self, i: int, hi: int, ind: int, column: int) -> int:
        """A list item: its first paragraph (lines indented past the marker) as one block,
        the rest of its body read as nested content."""
        end = i + 1
        while end < hi and not _blank(self.lines[end]) and indent(self.lines[end]) > ind \
                and not BULLET.match(self.lines[end]):
            end += 1
        self.add("list_item", i, end - 1)
        body = min(body_end(self.lines, end, ind), hi)
        if self.lines[end - 1].rstrip().endswith("::") and body > end:
            first = end
            while _blank(self.lines[first]):
                first += 1
            self.add("code", first, body - 1)
        elif body > end:
            self.region(end, body, "list_item")
        return body

    def explicit(self, i: int, hi: int, ind: int, kind: str) -> int:
        """An explicit markup block: a directive, footnote, comment, target or substitution."""
        stripped = self.lines[i].strip()
        body = min(body_end(self.lines, i + 1, ind), hi)
        directive = _DIRECTIVE.match(stripped)
        if _FOOTNOTE.match(stripped):
            end = self.run_end(i, body)
            self.add("paragraph", i, end - 1)
            self.region(end, body, "paragraph")
            return body
        if directive is None or directive.group(1) in _HIDDEN_DIRECTIVES \
                or directive.group(1).startswith("auto"):
            return body  # comment, target, substitution, or a directive without prose
        name = directive.group(1)
        start = i + 1
        while start < body and _FIELD.match(self.lines[start].strip()):
            start += 1  # the directive's options
        if name in _CODE_DIRECTIVES:
            while start < body and _blank(self.lines[start]):
                start += 1
            if start < body:
                self.add("code", start, body - 1)
            return body
        if directive.group(2):
            arg = self.spans[i][0] + self.lines[i].index(directive.group(2))
            self.blocks.append(Block(kind, arg, self.spans[i][1]))
        self.region(start, body, kind)
        return body

    def simple_table(self, i: int, hi: int) -> int:
        """A simple table: rows between `=====  =====` borders, ended by a border followed
        by a blank line."""
        j = i + 1
        while j < hi:
            stripped = self.lines[j].strip()
            if _SIMPLE_BORDER.match(stripped) and (j + 1 >= hi or _blank(self.lines[j + 1])):
                return j + 1
            if stripped and not _SIMPLE_BORDER.match(stripped) and not set(stripped) <= {"-", " "}:
                self.add("table_row", j, j)
            j += 1
        return j

    def grid_table(self, i: int, hi: int) -> int:
        """A grid table: each `| cell | cell |` line a row, `+---+` borders left out."""
        j = i
        while j < hi and self.lines[j].strip()[:1] in ("+", "|"):
            if self.lines[j].strip().startswith("|"):
                self.add("table_row", j, j)
            j += 1
        return j
