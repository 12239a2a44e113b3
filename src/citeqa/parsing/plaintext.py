"""Structure of a plain text file, found line by line.

Paragraphs are runs of non-blank prose lines (a hard-wrapped paragraph is one block). Headings
are lines underlined with ===/---, `#` lines, `*`/`**` lines in Emacs outline files (GNU
NEWS), numbered titles ("1.2 Scope", "3. USAGE") and short unpunctuated lines standing alone
between blank lines (not a URL or e-mail address; any case at the top of a form-fed page).
Bullets and numbered items (with their wrapped lines) are list items; lines indented four
columns deeper than the body are code; lines with pipes or aligned column gaps are table
rows."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .lines import BULLET, block_over, column_gaps, indent, line_spans
from .structure import REFERENCE, Block, Parsed, check_blocks

_UNDERLINE = re.compile(r"[ \t]*([=\-~^*#+_`:.'\"])\1{2,}[ \t]*$")
_BORDER = re.compile(r"[ \t]*[-=+|: ]*[-=][-=+|: ]*$")
_ATX = re.compile(r"[ \t]{0,3}(#{1,6})[ \t]+\S")
_OUTLINE_MODE = re.compile(r"-\*-.*\b(?:mode:\s*)?outline\b.*-\*-", re.I)
_OUTLINE = re.compile(r"(\*+)[ \t]+\S")   # Emacs outline headings: "* Release 1.2", "** Bug fixes"
_NUMBERED = re.compile(r"[ \t]*(\d+(?:\.\d+)*)\.?[ \t]+[A-Z]")
_MAX_HEADING_CHARS = 72
_MAX_HEADING_WORDS = 10


@dataclass
class _Open:
    """A block being built: its kind, first and last line, heading level, text column."""

    kind: str
    first: int
    last: int
    level: int = 0
    column: int = 0


def parse_plain(text: str) -> Parsed:
    """Blocks of a plain text file; the text is the file's own."""
    spans = line_spans(text)
    lines = [text[a:b] for a, b in spans]
    found = _scan(lines)
    base = _body_indent(lines)
    blocks: list[Block] = []
    for i, blk in enumerate(found):
        kind, level = blk.kind, blk.level
        if kind == "paragraph" and blk.first == blk.last:
            level = _standalone_heading(lines, blk.first, base, i + 1 < len(found))
            kind = "heading" if level else kind
        block = block_over(text, spans, kind, blk.first, blk.last, level)
        if block is not None:
            blocks.append(block)
    return Parsed(text, check_blocks(text, blocks), format="text")


def _scan(lines: list[str]) -> list[_Open]:
    """Line runs by kind, headings marked by underlines and `#` already."""
    base = _body_indent(lines)
    outline = any(_OUTLINE_MODE.search(line) for line in lines[:5])
    out: list[_Open] = []
    cur: _Open | None = None
    blank_before = True
    for n, line in enumerate(lines):
        if not line.strip():
            if cur is not None and cur.kind != "code":
                cur = None
            blank_before = True
            continue
        width = indent(line)
        if cur is not None and cur.kind == "code" and width < base + 4:
            cur = None
        underline = _UNDERLINE.match(line)
        if underline and cur is not None and cur.kind == "paragraph" and cur.first == cur.last \
                and not blank_before:
            cur.kind, cur.level = "heading", {"=": 1, "-": 2}.get(underline.group(1), 3)
            cur = None
        elif underline or _BORDER.match(line) and "-" in line and ("+" in line or "|" in line):
            cur = None  # a rule, table border or underline of nothing: no text
        elif outline and (stars := _OUTLINE.match(line)) is not None:
            out.append(_Open("heading", n, n, len(stars.group(1))))
            cur = None
        elif (atx := _ATX.match(line)) is not None and blank_before \
                and (n + 1 == len(lines) or not lines[n + 1].strip()):  # else a # comment
            out.append(_Open("heading", n, n, len(atx.group(1))))
            cur = None
        elif (numbered := _NUMBERED.match(line)) is not None and _numbered_title(line, numbered):
            out.append(_Open("heading", n, n, numbered.group(1).count(".") + 1))
            cur = None
        elif (bullet := BULLET.match(line)) is not None:
            cur = _Open("list_item", n, n, column=indent(bullet.group(0).expandtabs(4)))
            out.append(cur)
        elif _is_table_row(lines, n):
            out.append(_Open("table_row", n, n))
            cur = None
        elif cur is not None and (cur.kind == "code" or cur.kind == "list_item" and not blank_before):
            cur.last = n
        elif width >= base + 4 and not _continues_item(out, width, blank_before) \
                and (blank_before or lines[n - 1].rstrip().endswith(":")):
            cur = _Open("code", n, n)
            out.append(cur)
        elif _continues_item(out, width, blank_before):
            cur = _Open("list_item", n, n, column=width)
            out.append(cur)
        elif cur is not None and cur.kind == "paragraph" and not blank_before:
            cur.last = n
        else:
            cur = _Open("paragraph", n, n)
            out.append(cur)
        blank_before = False
    return out


def _continues_item(out: list[_Open], width: int, blank_before: bool) -> bool:
    """An indented paragraph after a blank line that belongs to the list item above it."""
    return blank_before and bool(out) and out[-1].kind == "list_item" and 0 < out[-1].column <= width


def _is_table_row(lines: list[str], n: int) -> bool:
    """A line of a table: two or more pipes, or aligned columns (column gaps on this line
    and a neighbouring one)."""
    line = lines[n]
    if line.count("|") >= 2:
        return True
    gaps = column_gaps(line)
    if gaps >= 2:
        return True
    if gaps == 1:
        return any(0 <= m < len(lines) and column_gaps(lines[m]) >= 1 for m in (n - 1, n + 1))
    return False


def _body_indent(lines: list[str]) -> int:
    """The most common indentation of non-blank lines: the body's left margin."""
    widths = Counter(indent(line) for line in lines if line.strip())
    return widths.most_common(1)[0][0] if widths else 0


def _short_title(line: str, scale: int = 1, ends: str = ".,;:!?") -> bool:
    """Short, not ending like a sentence or clause, and holding a letter."""
    words = line.split()
    stripped = line.strip()
    return (len(stripped) <= scale * _MAX_HEADING_CHARS and len(words) <= scale * _MAX_HEADING_WORDS
            and stripped[-1] not in ends and any(ch.isalpha() for ch in stripped))


def _numbered_title(line: str, numbered: re.Match[str]) -> bool:
    """A numbered section title: "2.1 Scope" or "3.2. What is sed?" (a question is a title
    here), or a one-number title in capitals ("2. BASIC SED")."""
    if "." in numbered.group(1):
        return _short_title(line, 2, ".,;:")
    title = line[numbered.end() - 1:]
    return title.isupper() and _short_title(title, 1, ".,;:")


def _standalone_heading(lines: list[str], n: int, base: int, more_follows: bool) -> int:
    """Heading level of a one-line paragraph that reads as a title, else 0: short, no closing
    punctuation, starting with a capital or a number (or first on a page, after a form feed,
    as GNU NEWS files start each release), blank lines around, text after it, and no URL or
    e-mail address in it ("See https://…" is a reference)."""
    line = lines[n]
    stripped = line.strip()
    if not more_follows or not _short_title(line) or indent(line) > base + 3 \
            or REFERENCE.search(line):
        return 0
    if n > 0 and lines[n - 1].strip(" \t") == "\f":
        return 1
    if not (stripped[0].isupper() or stripped[0].isdigit()):
        return 0
    if n + 1 < len(lines) and lines[n + 1].strip():
        return 0
    if stripped.isupper():
        return 1
    numbered = _NUMBERED.match(line)
    return numbered.group(1).count(".") + 1 if numbered else 2
