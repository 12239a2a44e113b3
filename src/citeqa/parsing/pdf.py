"""Text of a PDF with pdfminer.six, page by page, in paragraphs.

pdfminer's layout analysis groups lines into text boxes (paragraphs) in reading order and
reports each character's font and size: type larger than the body's makes a heading, a
monospaced font makes code. Within a paragraph the text joins its lines with spaces
(hyphenation at a line end removed), so a sentence wrapped over lines reads as one; code
keeps its lines. Pages are joined by a blank line and `Parsed.pages` holds each page's
start. Page numbers, running heads and feet (the same line in the top or bottom margin of
three or more pages; the first or last row of a page's text when it holds the page's number,
in step with the other pages' numbers, and the head beside it) and table-of-contents entries
(lines ending in dot leaders, with or without their page number, the text boxes made mostly
of them, and the bare page numbers of a contents page) are dropped."""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from .lines import BULLET
from .structure import REFERENCE, Block, Parsed, ParseError

if TYPE_CHECKING:
    from pdfminer.layout import LTTextBox

_SPACE = re.compile(r"\s+")
_CID = re.compile(r"\(cid:\d+\)")
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st",
                            "ﬆ": "st"})
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–—(\[]?\s*(?:\d{1,4}|[ivxlc]{1,6})\s*[-–—)\]]?"
                          r"(?:\s*(?:/|of)\s*\d{1,4})?$", re.I)
# A contents entry's dot leaders, and its page number unless that sits in a box of its own.
_LEADERS = re.compile(r"(?:(?:\.\s?){4,}\s*(?:\d{1,4}|[ivxlc]{1,6})|(?:\.\s?){6,})$", re.I)
_MONO = re.compile(r"mono|courier|typewriter|consol|code|menlo|cmtt|sfmt|lmtt|inconsolata|\btt",
                   re.I)
# Bold by name: "Bold", "Black", "Heavy", "Semibold", "Demi" in a font's name, or TeX's
# bold Computer Modern and its kin (CMBX12, CMB10, CMSSBX10, SFBX1200, ECBX1000, LMBX10).
_BOLD = re.compile(r"bold|black|heavy|demi|^(?:cm|sf|ec|lm)(?:ss)?bx?(?:ti|sl)?\d", re.I)
_MARGIN = 0.1             # top and bottom tenth of a page: where running heads and folios sit
# A page's first or last row of text this near its edge is a margin row too: a book's folio
# and running head sit wherever its type area begins (a seventh of the page down, or more).
_EDGE_BAND = 0.2
_RUNNING_PAGES = 3        # a margin line on this many pages is a running head or foot
_CONTENTS_ENTRIES = 3     # a page with this many dot-leader lines is a contents page
_HEADING_RATIO = 1.15     # type this much larger than the body's is a heading
_MAX_HEADING_CHARS = 150
_GLYPHS = {"•", "‣", "◦", "▪", "-", "–", "*", "·", "○", "■", "□", "►", "✓"}


@dataclass
class _Line:
    """One text line: its page, pdfminer box, type size, fonts and place on the page (its
    bottom and top as shares of the page's height from its foot; `edge`: 1 on the page's
    first row of text near its top, -1 on its last near its foot, else 0)."""

    page: int
    box: int
    text: str
    size: float
    bold: bool
    mono: bool
    y0: float
    y1: float
    edge: int = 0

    @property
    def margin(self) -> bool:
        """Whether the line sits in the page's top or bottom tenth."""
        return self.y1 > 1 - _MARGIN or self.y0 < _MARGIN


@dataclass
class _Box:
    """Consecutive lines of one pdfminer box set alike: a paragraph, heading or code."""

    page: int
    lines: list[str]
    size: float
    bold: bool
    mono: bool
    kind: str = "paragraph"
    level: int = 0


@dataclass
class _Unit:
    """A block to be: kind, level and the lines it joins."""

    page: int
    kind: str
    lines: list[str] = field(default_factory=list)
    level: int = 0


def parse_pdf(data: bytes) -> Parsed:
    """Paragraph blocks of a PDF's text, with page starts; ParseError for encrypted PDFs,
    PDFs without text, and damaged files."""
    lines, page_count = _read_lines(data)
    if not lines:
        raise ParseError("no extractable text (scanned images?)")
    boxes = _boxes(_drop_page_furniture(lines))
    _mark_headings(boxes)
    return _assemble(_units(boxes), page_count)


def _read_lines(data: bytes) -> tuple[list[_Line], int]:
    """Every text line of every page, in pdfminer's reading order."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextBox
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.psexceptions import PSException

    lines: list[_Line] = []
    pages = 0
    boxes = 0
    try:
        for pages, page in enumerate(extract_pages(io.BytesIO(data), laparams=LAParams(boxes_flow=None)), 1):
            on_page = []
            for element in page:
                if isinstance(element, LTTextBox):
                    boxes += 1
                    on_page.extend(_box_lines(pages, boxes, element, page.y0, page.y1))
            _mark_edges(on_page)
            lines.extend(on_page)
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise ParseError("encrypted PDF") from None
    except (PSException, ValueError, KeyError, TypeError, AttributeError, IndexError,
            AssertionError, RecursionError, OverflowError, ZeroDivisionError) as err:
        detail = str(err).splitlines()[0][:120] if str(err) else "damaged file"
        raise ParseError(f"unreadable PDF ({type(err).__name__}: {detail})") from None
    if pages == 0:
        raise ParseError("unreadable PDF (no pages)")
    return lines, pages


def _box_lines(page_no: int, box: int, element: LTTextBox, page_y0: float, page_y1: float
               ) -> list[_Line]:
    """The non-blank lines of a pdfminer text box, with their type."""
    from pdfminer.layout import LTChar, LTTextLine

    height = max(page_y1 - page_y0, 1.0)
    out = []
    for line in element:
        if not isinstance(line, LTTextLine):
            continue
        text = _SPACE.sub(" ", _CID.sub("", line.get_text())).strip().translate(_LIGATURES)
        chars = [ch for ch in line if isinstance(ch, LTChar) and not ch.get_text().isspace()]
        if not text or not chars:
            continue
        out.append(_Line(page_no, box, text, sum(ch.size for ch in chars) / len(chars),
                         all(_is_bold(ch.fontname) for ch in chars),
                         all(_MONO.search(ch.fontname) for ch in chars),
                         (line.y0 - page_y0) / height, (line.y1 - page_y0) / height))
    return out


def _mark_edges(lines: list[_Line]) -> None:
    """Mark a page's first and last rows of text (the lines level with its top and bottom
    line) when they lie within _EDGE_BAND of the page's top and foot."""
    if not lines:
        return
    top = max(lines, key=lambda ln: ln.y1)
    foot = min(lines, key=lambda ln: ln.y0)
    for edge, line, near in ((1, top, top.y1 > 1 - _EDGE_BAND), (-1, foot, foot.y0 < _EDGE_BAND)):
        if near:
            for other in lines:
                if line.y0 <= (other.y0 + other.y1) / 2 <= line.y1:
                    other.edge = edge


@lru_cache(maxsize=256)   # asked once per character, of a document's handful of fonts
def _is_bold(fontname: str) -> bool:
    """Whether a font is bold by its name, less the subset tag ("LFQPPH+CMBX12")."""
    return bool(_BOLD.search(fontname.rpartition("+")[2]))


def _drop_page_furniture(lines: list[_Line]) -> list[_Line]:
    """Lines less page numbers, running heads and feet, and contents-page leader lines."""
    def shape(line: _Line) -> str:
        return re.sub(r"\d+", "#", line.text.lower())

    folio_rows = _folio_rows(lines)

    pages_with: Counter[str] = Counter(s for _, s in {(ln.page, shape(ln)) for ln in lines if ln.margin})
    in_box: Counter[int] = Counter(ln.box for ln in lines)
    entry = [bool(_LEADERS.search(ln.text)) for ln in lines]
    leaders: Counter[int] = Counter(ln.box for ln, e in zip(lines, entry, strict=True) if e)
    contents = {box for box, n in leaders.items() if n >= 0.3 * in_box[box]}
    # On a contents page a bare number is an entry's page number, set apart from its leaders.
    per_page = Counter(ln.page for ln, e in zip(lines, entry, strict=True) if e)
    contents_pages = {page for page, n in per_page.items() if n >= _CONTENTS_ENTRIES}
    return [ln for ln, e in zip(lines, entry, strict=True)
            if not ((ln.margin or ln.page in contents_pages) and _PAGE_NUMBER.match(ln.text))
            and not (ln.margin and pages_with[shape(ln)] >= _RUNNING_PAGES)
            and (ln.page, ln.edge) not in folio_rows
            and not e and ln.box not in contents]


def _folio_rows(lines: list[_Line]) -> set[tuple[int, int]]:
    """The (page, edge) rows that hold the page's number, with its running head beside it: a
    number on a first or last row that exceeds the page's index by what most such numbers do
    (on at least _RUNNING_PAGES pages), so that a table's cell or an equation's number that
    happens to open a page is kept."""
    numbered = [(ln.page, ln.edge, int(m.group())) for ln in lines
                if ln.edge and _PAGE_NUMBER.match(ln.text) and (m := re.search(r"\d+", ln.text))]
    offsets = Counter(number - page for page, _, number in numbered)
    offset, pages = offsets.most_common(1)[0] if offsets else (0, 0)
    if pages < _RUNNING_PAGES:
        return set()
    return {(page, edge) for page, edge, number in numbered if number - page == offset}


def _boxes(lines: list[_Line]) -> list[_Box]:
    """Lines grouped into boxes: consecutive lines of one pdfminer box in one type size and
    weight (a heading pdfminer grouped with its paragraph comes apart from it); a box is code
    when all its lines are monospaced."""
    out: list[_Box] = []
    prev: _Line | None = None
    for line in lines:
        last = out[-1] if out else None
        alike = last is not None and prev is not None and prev.box == line.box \
            and abs(last.size - line.size) <= 0.1 * line.size
        if alike and last is not None and (last.bold == line.bold or not last.bold):
            last.lines.append(line.text)  # bold or code words inside a paragraph stay in it
            last.mono = last.mono and line.mono
        else:
            out.append(_Box(line.page, [line.text], line.size, line.bold, line.mono))
        prev = line
    return out


def _mark_headings(boxes: list[_Box]) -> None:
    """Short boxes set larger than the body type are headings, levels by size (largest 1);
    short bold lines of body size are headings one level below those."""
    weight: Counter[float] = Counter()
    for box in boxes:
        weight[round(box.size * 2) / 2] += sum(len(line) for line in box.lines)
    body = weight.most_common(1)[0][0]

    def short(box: _Box) -> bool:
        text = " ".join(box.lines)
        return len(box.lines) <= 3 and len(text) <= _MAX_HEADING_CHARS and any(c.isalpha() for c in text) \
            and not REFERENCE.search(text)

    big = [box for box in boxes if box.size >= body * _HEADING_RATIO and short(box) and not box.mono]
    sizes = sorted({round(box.size * 2) / 2 for box in big}, reverse=True)
    for box in big:
        box.kind, box.level = "heading", sizes.index(round(box.size * 2) / 2) + 1
    for box in boxes:
        if box.kind != "heading" and box.bold and not box.mono and len(box.lines) == 1 and short(box) \
                and box.lines[0][-1] not in ".,;:":
            box.kind, box.level = "heading", len(sizes) + 1
        elif box.mono and box.kind != "heading":
            box.kind = "code"


def _units(boxes: list[_Box]) -> list[_Unit]:
    """Boxes cut into blocks: a heading or code box whole; other boxes into list items (a
    bullet line and the lines after it) and paragraphs. A box starting in lower case carries
    on the paragraph or item before it on the page (pdfminer splits hanging indents)."""
    units: list[_Unit] = []
    glyph = ""  # a bullet set apart from its text, in a box of its own
    for box in boxes:
        if box.kind == "code" and len(box.lines) == 1 and _continues(units, box.page, "x"):
            units[-1].lines.append(box.lines[0])  # code words set on a line of their own
            continue
        if box.kind in ("heading", "code"):
            units.append(_Unit(box.page, box.kind, list(box.lines), box.level))
            glyph = ""
            continue
        for n, line in enumerate(box.lines):
            if line in _GLYPHS:
                glyph = line
                continue
            if glyph:
                line, glyph = f"{glyph} {line}", ""
            if BULLET.match(line):
                units.append(_Unit(box.page, "list_item", [line]))
            elif n == 0 and _continues(units, box.page, line):
                units[-1].lines.append(line)
            elif n == 0 or units[-1].kind in ("heading", "code"):
                units.append(_Unit(box.page, "paragraph", [line]))
            else:
                units[-1].lines.append(line)
    return units


def _continues(units: list[_Unit], page: int, line: str) -> bool:
    """Whether a box's first line carries on the unfinished block before it."""
    if not units or units[-1].page != page or units[-1].kind in ("heading", "code"):
        return False
    end = units[-1].lines[-1][-1:]
    if end in ".!?:":
        return False
    return line[:1].islower() or units[-1].kind == "list_item" and (end.islower() or end in ",-")


def _join(lines: list[str]) -> str:
    """A block's lines as one run of text; a word hyphenated at a line end is rejoined."""
    out = lines[0]
    for line in lines[1:]:
        if re.search(r"[^\W\d_][-\u00ad]$", out) and line[:1].islower():
            out = out[:-1] + line
        else:
            out = out.rstrip("\u00ad") + " " + line
    return out


def _assemble(units: list[_Unit], page_count: int) -> Parsed:
    """The document text (blocks apart by a blank line), its blocks and page starts."""
    pieces: list[str] = []
    blocks: list[Block] = []
    pages: list[int] = []
    pos = 0
    by_page: dict[int, list[_Unit]] = {}
    for unit in units:
        by_page.setdefault(unit.page, []).append(unit)
    for page in range(1, page_count + 1):
        for n, unit in enumerate(by_page.get(page, [])):
            if pieces:
                pieces.append("\n\n")
                pos += 2
            if n == 0:
                pages.append(pos)
            body = "\n".join(unit.lines) if unit.kind == "code" else _join(unit.lines)
            pieces.append(body)
            blocks.append(Block(unit.kind, pos, pos + len(body), unit.level))
            pos += len(body)
        if len(pages) < page:
            pages.append(pos + 2 if pieces else pos)
    return Parsed("".join(pieces), tuple(blocks), tuple(pages), format="pdf")
