"""Format parsers: any supported file to one document model (`Parsed`: text, blocks, pages).

`parse(name, data, max_bytes)` picks the parser by `detect_format` and turns every failure
into a `ParseError` with a one-line reason."""

from __future__ import annotations

import zlib

from .detect import (
    FORMATS,
    decode_text,
    detect_format,
    gunzip,
    is_rendered,
    looks_like_text,
    uncompressed_name,
)
from .markup import plain_text, rendered_text
from .structure import (
    Block,
    Locator,
    Parsed,
    ParseError,
    Structured,
    heading_title,
    page_at,
    section_at,
)

__all__ = ["FORMATS", "Block", "Locator", "ParseError", "Parsed", "decode_text", "detect_format",
           "heading_title", "is_rendered", "looks_like_text", "page_at", "parse", "plain_text",
           "rendered_text", "section_at", "Structured", "uncompressed_name"]


def parse(name: str, data: bytes, max_bytes: int) -> Parsed:
    """The document model of a file named `name` holding `data`; ParseError with a one-line
    reason when the file is not a supported format or cannot be read."""
    if len(data) > max_bytes:
        raise ParseError(f"{len(data) / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit")
    if (inner := uncompressed_name(name)) is not None:
        data, name = gunzip(data, max_bytes), inner
    fmt = detect_format(name, data)
    if fmt is None:
        raise ParseError("not a supported format")
    try:
        return _parse(fmt, data, max_bytes)
    except ParseError:
        raise
    except MemoryError:
        raise ParseError(f"too large to parse as {fmt}") from None
    except (RecursionError, zlib.error, ValueError, KeyError, TypeError, AttributeError,
            IndexError, OSError, LookupError, UnicodeError, AssertionError) as err:
        detail = str(err).splitlines()[0][:120] if str(err) else "damaged file"
        raise ParseError(f"unreadable {fmt} file ({type(err).__name__}: {detail})") from None


def _parse(fmt: str, data: bytes, max_bytes: int) -> Parsed:
    if fmt == "html":
        from .html import parse_html

        return parse_html(data)
    if fmt == "pdf":
        from .pdf import parse_pdf

        return parse_pdf(data)
    if fmt == "docx":
        from .docx import parse_docx

        return parse_docx(data, max_bytes)
    text, caveat = decode_text(data)
    if fmt == "markdown":
        from .markdown import parse_markdown

        parsed = parse_markdown(text)
    elif fmt == "rst":
        from .rst import parse_rst

        parsed = parse_rst(text)
    else:
        from .plaintext import parse_plain

        parsed = parse_plain(text)
    if caveat:
        parsed = Parsed(parsed.text, parsed.blocks, parsed.pages, parsed.format, parsed.title, (caveat,))
    return parsed
