"""Structure of a plain text file, found line by line.

Paragraphs are runs of non-blank prose lines (a hard-wrapped paragraph is one block), also
when fully justified with runs of spaces. Headings are lines underlined with ===/---, `#`
lines, `*`/`**` lines in Emacs outline files (GNU NEWS), numbered or lettered titles ("1.2
Scope", "3. USAGE", "A. HISTORY"), a title in capitals on the first line of a paragraph
("TERMINATION" above its text, as licences set them) and short unpunctuated lines standing
alone between blank lines (not a URL or e-mail address; any case at the top of a form-fed
page). Bullets and numbered items ("1.", "b)", "iv)"; with their wrapped lines) are list
items; lines indented four columns deeper than the body are code, unless they read as prose
(a quoted notice: a quote); lines with pipes or column gaps that line up are table rows."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .lines import BULLET, block_over, column_edges, column_gaps, indent, line_spans, width
from .structure import REFERENCE, Block, Parsed, check_blocks

_UNDERLINE = re.compile(r"[ \t]*([=\-~^*#+_`:.'\"])\1{2,}[ \t]*$")
_BORDER = re.compile(r"[ \t]*[-=+|: ]*[-=][-=+|: ]*$")
_BOX_RULE = re.compile(r"[ \t]*[\u2500-\u257f][\u2500-\u257f \t]*$")  # ├────┼────┤
_ATX = re.compile(r"[ \t]{0,3}(#{1,6})[ \t]+\S")
_OUTLINE_MODE = re.compile(r"-\*-.*\b(?:mode:\s*)?outline\b.*-\*-", re.I)
_OUTLINE = re.compile(r"(\*+)[ \t]+\S")   # Emacs outline headings: "* Release 1.2", "** Bug fixes"
_NUMBERED = re.compile(r"[ \t]*(\d+(?:\.\d+)*|[A-Z](?=\.))\.?[ \t]+[A-Z]")
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
        parts = _indented_prose(lines, blk) if kind == "code" else [(kind, blk.first, blk.last)]
        for part_kind, first, last in parts:
            block = block_over(text, spans, part_kind, first, last, level)
            if block is not None:
                blocks.append(block)
    return Parsed(text, check_blocks(text, blocks), format="text")


_WORD = re.compile(r"[(\"'“‘]*[A-Za-z][A-Za-z'’-]*[.,;:!?)\"'”’]*")
_SENTENCE_END = re.compile(r"[A-Za-z][.!?][\"'”’)]*(?:\s|$)")
_PROSE_WORDS = 8        # an indented run of at least this many words ...
_PROSE_SHARE = 0.8      # ... this share of them plain words, with a sentence end, is prose


def _indented_prose(lines: list[str], blk: _Open) -> list[tuple[str, int, int]]:
    """An indented block cut at its blank lines into runs of code and of indented prose (a
    quoted notice or preamble: plain words ending a sentence), read as a quote; the whole
    block when no run is prose."""
    runs: list[tuple[int, int]] = []
    for n in range(blk.first, blk.last + 1):
        if not lines[n].strip():
            continue
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    kinds = ["quote" if _reads_as_prose(lines[a:b + 1]) else "code" for a, b in runs]
    if "quote" not in kinds:
        return [("code", blk.first, blk.last)]
    return [(k, a, b) for k, (a, b) in zip(kinds, runs, strict=True)]


def _reads_as_prose(run: list[str]) -> bool:
    """Whether indented lines are sentences rather than code: enough plain words, one
    ending a sentence."""
    words = " ".join(line.strip() for line in run).split()
    plain = sum(bool(_WORD.fullmatch(w)) for w in words)
    return len(words) >= _PROSE_WORDS and plain >= _PROSE_SHARE * len(words) \
        and _SENTENCE_END.search(" ".join(words)) is not None


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
        elif underline or _BORDER.match(line) and "-" in line and ("+" in line or "|" in line) \
                or _BOX_RULE.match(line):
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
        elif blank_before and _run_in_title(lines, n, base):
            out.append(_Open("heading", n, n, 1))
            cur = None
        else:
            cur = _Open("paragraph", n, n)
            out.append(cur)
        blank_before = False
    return out


_CAPS_TITLE = re.compile(r"[A-Z][A-Z0-9 &,'’/()-]*")   # words in capitals, not an IDENTIFIER_NAME


def _run_in_title(lines: list[str], n: int, base: int) -> bool:
    """A title in capitals on the first line of a paragraph of two or more lines, its
    text starting on the next line ("TERMINATION" above "This license becomes null and
    void if any of the above conditions are" and "not met.")."""
    line = lines[n].strip()
    after = [lines[m].strip() for m in (n + 1, n + 2) if m < len(lines)]
    return _CAPS_TITLE.fullmatch(line) is not None and _short_title(lines[n]) \
        and indent(lines[n]) <= base + 3 \
        and not REFERENCE.search(line) and len(after) == 2 and all(after) \
        and not after[0].isupper() and (after[0][0].isupper() or after[0][0].isdigit()
                                        or after[0][0] in "\"“'‘(")


def _continues_item(out: list[_Open], width: int, blank_before: bool) -> bool:
    """An indented paragraph after a blank line that belongs to the list item above it."""
    return blank_before and bool(out) and out[-1].kind == "list_item" and 0 < out[-1].column <= width


def _is_table_row(lines: list[str], n: int) -> bool:
    """A line of a table: two or more pipes (or box-drawing bars), column gaps that line up
    with those of a neighbouring line, or else, unless the line is justified prose
    (`_justified`), two or more gaps or one beside another line with gaps."""
    line = lines[n]
    if line.count("|") + line.count("│") >= 2:
        return True
    mine = column_edges(line)
    if not mine[0]:
        return False
    near = [edges for m in (n - 1, n + 1) if 0 <= m < len(lines)
            if (edges := column_edges(lines[m]))[0]]
    if any(_aligned(mine, edges) for edges in near):
        return True
    return not _justified(lines, n) and (len(mine[0]) >= 2 or bool(near))


def _aligned(mine: tuple[frozenset[int], frozenset[int]],
             theirs: tuple[frozenset[int], frozenset[int]]) -> bool:
    """Whether at least half of one line's cell starts, or of its cell ends, are at the
    other line's."""
    return any(2 * len(a & b) >= min(len(a), len(b)) > 0 for a, b in zip(mine, theirs, strict=True))


_JUSTIFIED_WIDTH = 60   # a justified line is filled to about the right margin


def _justified(lines: list[str], n: int) -> bool:
    """A line of fully justified prose, widened with runs of spaces ("Screen  always
    interprets"): long and ending at the same column as the line above or below it, or
    running on, mid-sentence, into a next line that has no gaps and starts in lower case."""
    end = width(lines[n])
    if end >= _JUSTIFIED_WIDTH and any(0 <= m < len(lines) and width(lines[m]) == end
                                       for m in (n - 1, n + 1)):
        return True
    after = lines[n + 1].lstrip() if n + 1 < len(lines) else ""
    return after[:1].islower() and not column_gaps(after) \
        and lines[n].rstrip()[-1:] not in ".!?:;"


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
    here), or a one-number or one-letter title in capitals ("2. BASIC SED", "A. HISTORY OF
    THE SOFTWARE")."""
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
