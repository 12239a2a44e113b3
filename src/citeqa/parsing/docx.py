"""Text of a Word .docx file with python-docx: headings (Title, Heading N), list items (List
styles or numbering), quotes, code, and one block per table row (cells joined by " | ").

The file is a zip archive; its members' sizes are checked, and its members read through a
size cap, before python-docx loads anything, so a zip bomb costs neither memory nor time."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

from .structure import Parsed, ParseError, join_blocks

MAX_RATIO = 100                   # uncompressed / compressed above this on a large member: a bomb
RATIO_FLOOR = 10 * 1024 * 1024    # members smaller than this are not judged by ratio
UNZIPPED_PER_BYTE = 5             # all members together may unpack to 5 times the file size limit
_HEADING = re.compile(r"heading\s*(\d)$", re.I)
_SPACE = re.compile(r"\s+")


def parse_docx(data: bytes, max_bytes: int) -> Parsed:
    """Blocks of a .docx document; ParseError for files that are not one, or unpack too big."""
    check_zip(data, UNZIPPED_PER_BYTE * max_bytes)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError) as err:
        raise ParseError(f"not a Word document ({err})") from None
    has_title = any(p.style is not None and p.style.name == "Title" for p in document.paragraphs)
    parts = list(_parts(document, 1 if has_title else 0))
    text, blocks = join_blocks(parts)
    title = _SPACE.sub(" ", document.core_properties.title or "").strip()
    return Parsed(text, blocks, format="docx", title=title)


def check_zip(data: bytes, max_unzipped: int) -> None:
    """ParseError unless `data` is a zip archive holding word/document.xml whose members
    unpack (as declared, and as actually read) to at most `max_unzipped` bytes, none with a
    bomb's compression ratio."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ParseError("not a DOCX file (not a zip archive)") from None
    with archive:
        infos = archive.infolist()
        if "word/document.xml" not in {i.filename for i in infos}:
            raise ParseError("not a DOCX file (no word/document.xml in the zip archive)")
        declared = sum(i.file_size for i in infos)
        if declared > max_unzipped:
            raise ParseError(f"unpacks to {declared / 1e6:.0f} MB, over the "
                             f"{max_unzipped / 1e6:.0f} MB limit (zip bomb?)")
        for info in infos:
            ratio = info.file_size // max(info.compress_size, 1)
            if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
                raise ParseError(f"{info.filename} is compressed {ratio} to 1 (zip bomb?)")
        total = 0
        try:
            for info in infos:
                with archive.open(info) as member:
                    while chunk := member.read(1 << 20):
                        total += len(chunk)
                        if total > max_unzipped:
                            raise ParseError(f"unpacks to over {max_unzipped / 1e6:.0f} MB (zip bomb?)")
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as err:
            raise ParseError(f"damaged DOCX file ({err})") from None


def _parts(document: object, shift: int) -> Iterator[tuple[str, str, int]]:
    """(kind, text, level) of the body's paragraphs and table rows, in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for item in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(item, Paragraph):
            kind, level = _paragraph_kind(item, shift)
            yield kind, _SPACE.sub(" ", item.text).strip(), level
        elif isinstance(item, Table):
            yield from _rows(item)


def _rows(table: object) -> Iterator[tuple[str, str, int]]:
    """Each row's distinct cells (merged cells repeat) joined by " | "."""
    for row in table.rows:  # type: ignore[attr-defined]
        seen: set[int] = set()
        cells = []
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            body = _SPACE.sub(" ", cell.text).strip()
            if body:
                cells.append(body)
        yield "table_row", " | ".join(cells), 0


def _paragraph_kind(paragraph: object, shift: int) -> tuple[str, int]:
    """Block kind and heading level of a paragraph from its style and numbering."""
    style = getattr(paragraph, "style", None)
    name = (style.name or "") if style is not None else ""
    heading = _HEADING.match(name)
    if name == "Title":
        return "heading", 1
    if heading and int(heading.group(1)) > 0:
        return "heading", int(heading.group(1)) + shift
    lowered = name.lower()
    p_pr = paragraph._p.pPr  # type: ignore[attr-defined]
    if lowered.startswith("list") or (p_pr is not None and p_pr.numPr is not None):
        return "list_item", 0
    if "quote" in lowered:
        return "quote", 0
    if "code" in lowered or "preformatted" in lowered:
        return "code", 0
    return "paragraph", 0
