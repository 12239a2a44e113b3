"""Which parser reads a file: by its suffix, or by its content for files without one."""

from __future__ import annotations

import codecs
import re
import zlib
from pathlib import PurePath

from .structure import ParseError

FORMATS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
           ".rst": "rst", ".html": "html", ".htm": "html", ".xhtml": "html",
           ".pdf": "pdf", ".docx": "docx"}
# Above this share of control characters a file is taken for binary data, not text.
MAX_CONTROL_SHARE = 0.05
SNIFF_BYTES = 8192
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")   # Cc, less tab and line breaks
_BINARY_MAGIC = (b"\x89PNG", b"%PDF", b"PK\x03\x04", b"GIF8", b"\xff\xd8\xff", b"\x7fELF",
                 b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!", b"II*\x00", b"MM\x00*",
                 b"RIFF", b"OggS", b"ID3", b"\x00\x00\x01\x00", b"wOFF", b"\xd0\xcf\x11\xe0")


# Names of documentation files that keep a suffix of their own: README.Debian, NEWS.Debian,
# changelog.Debian, README.source (as /usr/share/doc holds them); read as text by content.
DOC_NAMES = frozenset("readme news changes changelog history install authors thanks todo "
                      "copying copyright license licence notice contributing faq bugs hacking "
                      "credits overview upgrading".split())
# ... unless that suffix names a program or data format (install.sh, news.py, README.json).
_PROGRAM_SUFFIXES = frozenset("py pyc sh bash zsh fish js mjs ts c h cc cpp hpp java kt go rs rb pl "
                              "pm php lua r m swift scala cs vb ps1 bat cmd json yaml yml toml xml "
                              "csv tsv ini cfg conf lock sql css scss svg mk cmake desktop "
                              "service".split())
GZIP = ".gz"    # a gzip-compressed file is read as the file its name has without ".gz"


def detect_format(name: str, data: bytes) -> str | None:
    """The format of a file ("text", "markdown", "rst", "html", "pdf", "docx"), or None for a
    file citeqa does not read. Files without a suffix (README, NEWS, ChangeLog) or with a
    documentation name (README.Debian) are text when their first bytes decode as text."""
    suffix = PurePath(name).suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    if not needs_content_check(name):
        return None
    return "text" if looks_like_text(data[:SNIFF_BYTES]) else None


RENDERED = frozenset({"html", "pdf", "docx"})   # formats whose text is what a reader sees


def is_rendered(source: str) -> bool:
    """Whether the indexed text of `source` was extracted from a rendered format (HTML, PDF,
    DOCX; compressed or not): it holds no markup, so "__init__" or "<string>" in it are words."""
    name = uncompressed_name(source) or source
    return FORMATS.get(PurePath(name).suffix.lower()) in RENDERED


def needs_content_check(name: str) -> bool:
    """Whether a file's format can only be told from its content: a name without a file
    type suffix (README, ChangeLog, `Release 2.0`) or a documentation name with one that is
    no program or data format (README.Debian, changelog.Debian; not install.sh)."""
    suffix = PurePath(name).suffix.lower()
    return (not suffix or not _is_file_type(suffix)
            or PurePath(name).name.split(".", 1)[0].lower() in DOC_NAMES
            and suffix[1:] not in _PROGRAM_SUFFIXES)


def uncompressed_name(name: str) -> str | None:
    """The name a gzip-compressed file's content goes by ("NEWS.gz" gives "NEWS"), or None
    for a file that is not one."""
    if name.lower().endswith(GZIP) and len(PurePath(name).name) > len(GZIP):
        return name[:-len(GZIP)]
    return None


def gunzip(data: bytes, max_bytes: int) -> bytes:
    """The content of gzip data (every member), at most `max_bytes` of it: ParseError for
    damaged data or more content than that, which is found without inflating the rest."""
    out = bytearray()
    while data:
        inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
        try:
            out += inflate.decompress(data, max_bytes + 1 - len(out))
        except zlib.error as err:
            raise ParseError(f"damaged gzip data ({err})") from None
        if len(out) > max_bytes:
            raise ParseError(f"decompresses to over the {max_bytes / 1e6:.0f} MB limit")
        if not inflate.eof:
            raise ParseError("truncated gzip data")
        data = inflate.unused_data.lstrip(b"\0")   # members follow; trailing zeros pad tapes
    return bytes(out)


def _is_file_type(suffix: str) -> bool:
    """Whether a name's suffix names a file type: `.png` and `.old` do, the `.0` of
    `Release 2.0` and the `. draft` of `v1. draft` do not."""
    return suffix[1:].isalnum() and not suffix[1:].isdigit()


def looks_like_text(head: bytes) -> bool:
    """Whether a file's first bytes are text: no known binary signature, and they decode."""
    if head.startswith(_BINARY_MAGIC) and not head.startswith(codecs.BOM_UTF16_LE):
        return False
    try:
        decode_text(head, partial=True)
    except ParseError:
        return False
    return True


def decode_text(data: bytes, partial: bool = False) -> tuple[str, str | None]:
    """A text file's text (UTF-8 with its BOM dropped, UTF-16 with a BOM, else Windows-1252 or
    Latin-1) and a caveat when the fallback was used; ParseError for binary content.
    `partial` allows a multi-byte character cut at the end (a file's first bytes)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return (_decode_partial(data, "utf-16") if partial else data.decode("utf-16")), None
        except UnicodeDecodeError:
            raise ParseError("broken UTF-16 text") from None
    if b"\x00" in data:
        raise ParseError("binary content (NUL bytes), not text")
    caveat = None
    try:
        text = _decode_partial(data, "utf-8-sig") if partial else data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _decode_8bit(data)
        caveat = "not valid UTF-8: read as Latin-1 (Windows-1252)"
    if _control_share(text) > MAX_CONTROL_SHARE:
        raise ParseError("binary content (control characters), not text")
    return text, caveat


def _decode_partial(data: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)()
    return decoder.decode(data, final=False)


def _control_share(text: str) -> float:
    """Share of characters that are control codes other than tab, line breaks and form feed."""
    return len(_CONTROL.findall(text)) / len(text) if text else 0.0


def _decode_8bit(data: bytes) -> str:
    """Windows-1252 where it applies (curly quotes, dashes), else Latin-1, which never fails."""
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")
