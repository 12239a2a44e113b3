"""Text of a PDF with pdfminer.six, page by page, in paragraphs.

pdfminer's layout analysis groups lines into text boxes (paragraphs) in reading order and
reports each character's font size, which gives headings (larger than the body type).
Within a paragraph the text joins its lines with spaces (hyphenation at a line end removed),
so a sentence wrapped over lines reads as one; pages are joined by a blank line and
`Parsed.pages` holds each page's start. Page numbers and running headers or footers (the
same line at the top or bottom of most pages) are dropped."""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .lines import BULLET

if TYPE_CHECKING:
    from pdfminer.layout import LTTextBox
from .structure import Block, Parsed, ParseError

_SPACE = re.compile(r"\s+")
_CID = re.compile(r"\(cid:\d+\)")
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–—(\[]?\s*(?:\d{1,4}|[ivxlc]{1,6})\s*[-–—)\]]?"
                          r"(?:\s*(?:/|of)\s*\d{1,4})?$", re.I)
_MARGIN = 0.1             # top and bottom tenth of a page: where running heads and folios sit
_HEADING_RATIO = 1.15     # type this much larger than the body's is a heading
_MAX_HEADING_CHARS = 150
_GLYPHS = {"•", "‣", "◦", "▪", "-", "–", "*", "·", "○", "■", "□", "►", "✓"}


@dataclass
class _Box:
    """One text box of a page: its lines, mean type size, vertical place and boldness."""

    page: int
    lines: list[str]
    size: float
    top: float
    bottom: float
    bold: bool
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
    boxes, page_count = _read_boxes(data)
    if not any(box.lines for box in boxes):
        raise ParseError("no extractable text (scanned images?)")
    boxes = _drop_running_heads(boxes, page_count)
    _mark_headings(boxes)
    return _assemble(_units(boxes), page_count)


def _read_boxes(data: bytes) -> tuple[list[_Box], int]:
    """Every horizontal text box of every page, in pdfminer's reading order."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextBox
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.psexceptions import PSException

    boxes: list[_Box] = []
    pages = 0
    try:
        for pages, page in enumerate(extract_pages(io.BytesIO(data), laparams=LAParams()), 1):
            height = max(page.height, 1.0)
            for element in page:
                if isinstance(element, LTTextBox):
                    boxes.extend(_split_by_size(pages, element, page.y0, page.y1, height))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise ParseError("encrypted PDF") from None
    except (PSException, ValueError, KeyError, TypeError, AttributeError, IndexError,
            AssertionError, RecursionError, OverflowError, ZeroDivisionError) as err:
        raise ParseError(f"unreadable PDF ({type(err).__name__}: "
                         f"{str(err).splitlines()[0][:120] if str(err) else 'damaged file'})") from None
    if pages == 0:
        raise ParseError("unreadable PDF (no pages)")
    return boxes, pages


def _split_by_size(page_no: int, element: LTTextBox, page_y0: float, page_y1: float,
                   height: float) -> list[_Box]:
    """A pdfminer text box as boxes of lines set in one type size: a heading that pdfminer
    grouped with the paragraph under it comes apart from it."""
    from pdfminer.layout import LTChar, LTTextLine

    out: list[_Box] = []
    for line in element:
        if not isinstance(line, LTTextLine):
            continue
        text = _SPACE.sub(" ", _CID.sub("", line.get_text())).strip()
        chars = [ch for ch in line if isinstance(ch, LTChar) and not ch.get_text().isspace()]
        if not text or not chars:
            continue
        size = sum(ch.size for ch in chars) / len(chars)
        bold = all("bold" in ch.fontname.lower() for ch in chars)
        top, bottom = (page_y1 - line.y1) / height, (line.y0 - page_y0) / height
        last = out[-1] if out else None
        if last is not None and abs(last.size - size) <= 0.1 * size and last.bold == bold:
            last.lines.append(text)
            last.size = (last.size * (len(last.lines) - 1) + size) / len(last.lines)
            last.bottom = bottom
        elif last is not None and abs(last.size - size) <= 0.1 * size and not last.bold:
            last.lines.append(text)  # a bold phrase inside a paragraph
            last.bottom = bottom
        else:
            out.append(_Box(page_no, [text], size, top, bottom, bold))
    return out


def _drop_running_heads(boxes: list[_Box], page_count: int) -> list[_Box]:
    """Boxes less page numbers and less lines repeated at the top or bottom of most pages."""
    def in_margin(box: _Box) -> bool:
        return box.top < _MARGIN or box.bottom < _MARGIN

    def shape(box: _Box) -> str:
        return re.sub(r"\d+", "#", " ".join(box.lines).lower())

    pages_with: Counter[str] = Counter()
    for key in {(box.page, shape(box)) for box in boxes if in_margin(box)}:
        pages_with[key[1]] += 1
    repeated = {s for s, n in pages_with.items() if page_count >= 3 and n >= 0.6 * page_count}
    return [box for box in boxes
            if not (in_margin(box) and (shape(box) in repeated
                                        or len(box.lines) == 1 and _PAGE_NUMBER.match(box.lines[0])))]


def _mark_headings(boxes: list[_Box]) -> None:
    """Short boxes set larger than the body type are headings, levels by size (largest 1);
    short bold lines of body size are headings one level below those."""
    weight: Counter[float] = Counter()
    for box in boxes:
        weight[round(box.size * 2) / 2] += sum(len(line) for line in box.lines)
    if not weight:
        return
    body = weight.most_common(1)[0][0]
    def short(box: _Box) -> bool:
        text = " ".join(box.lines)
        return len(box.lines) <= 3 and len(text) <= _MAX_HEADING_CHARS and any(c.isalpha() for c in text)
    big = [box for box in boxes if box.size >= body * _HEADING_RATIO and short(box)]
    sizes = sorted({round(box.size * 2) / 2 for box in big}, reverse=True)
    for box in big:
        box.kind, box.level = "heading", sizes.index(round(box.size * 2) / 2) + 1
    for box in boxes:
        if box.kind != "heading" and box.bold and len(box.lines) == 1 and short(box) \
                and box.lines[0][-1] not in ".,;:":
            box.kind, box.level = "heading", len(sizes) + 1


def _units(boxes: list[_Box]) -> list[_Unit]:
    """Boxes cut into blocks: a heading box whole; other boxes into list items (a bullet line
    and the lines after it) and paragraphs. A box starting in lower case continues the
    paragraph or item before it on the page (pdfminer splits hanging indents)."""
    units: list[_Unit] = []
    glyph = ""  # a bullet set apart from its text, in a box of its own
    for box in boxes:
        if box.kind == "heading":
            units.append(_Unit(box.page, "heading", list(box.lines), box.level))
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
            elif n == 0 or units[-1].kind == "heading":
                units.append(_Unit(box.page, "paragraph", [line]))
            else:
                units[-1].lines.append(line)
    return units


def _continues(units: list[_Unit], page: int, line: str) -> bool:
    """Whether a box's first line carries on the unfinished block before it."""
    if not units or units[-1].page != page or units[-1].kind == "heading":
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
            body = _join(unit.lines)
            pieces.append(body)
            blocks.append(Block(unit.kind, pos, pos + len(body), unit.level))
            pos += len(body)
        if len(pages) < page:
            pages.append(pos + 2 if pieces else pos)
    return Parsed("".join(pieces), tuple(blocks), tuple(pages), format="pdf")
