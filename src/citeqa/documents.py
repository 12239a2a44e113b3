"""Finding and reading corpus files into `Document`s, with a notice for every file passed over."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError

SUFFIXES = (".txt", ".md")
MAX_FILE_BYTES = 20 * 1024 * 1024
_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\b")
# Above this share of control characters a file is taken for binary data, not text.
MAX_CONTROL_SHARE = 0.05
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")   # Cc, less tab and line breaks


@dataclass(frozen=True)
class Document:
    """One corpus file: its path relative to the corpus root, decoded text, title and date."""

    source: str
    text: str
    title: str
    date: str | None
    sha256: str


@dataclass(frozen=True)
class Notice:
    """A file that was passed over or read with a caveat, and why."""

    source: str
    message: str

    def __str__(self) -> str:
        """One line, whatever characters the file name holds."""
        return f"{_printable(self.source)}: {self.message}"


@dataclass(frozen=True)
class SourceFile:
    """A supported file found under the corpus root, before it is read."""

    source: str
    path: Path


def find_sources(root: Path) -> tuple[list[SourceFile], list[Notice]]:
    """Supported files under `root` (recursively, hidden folders skipped), sorted by path."""
    if not root.exists():
        raise CorpusError(f"corpus folder {root} does not exist; pass an existing folder "
                          f"(e.g. `citeqa index seeds`)")
    if not root.is_dir():
        raise CorpusError(f"corpus {root} is not a folder; pass the folder that holds the files")
    found: list[SourceFile] = []
    notices: list[Notice] = []

    def on_error(err: OSError) -> None:
        notices.append(Notice(_rel(Path(err.filename or root), root), f"skipped: {err.strerror}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in dirnames:
            if os.path.islink(os.path.join(dirpath, name)):
                # os.walk does not follow folder links, which also keeps link loops out
                notices.append(Notice(_rel(Path(dirpath) / name, root),
                                      "skipped: link to a folder (folder links are not followed)"))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = _rel(path, root)
            if name.startswith("."):
                continue
            if path.suffix.lower() not in SUFFIXES:
                notices.append(Notice(rel, "skipped: not a .txt or .md file"))
                continue
            found.append(SourceFile(rel, path))
    found.sort(key=lambda s: s.source)
    return found, notices


def read_document(src: SourceFile, max_bytes: int = MAX_FILE_BYTES
                  ) -> tuple[Document | None, Notice | None]:
    """Read one file: the document (None when unusable) and a notice when there is a caveat."""
    try:
        if not src.path.is_file():
            return None, Notice(src.source, "skipped: not a regular file (broken link or loop?)")
        size = src.path.stat().st_size
        if size > max_bytes:
            return None, Notice(src.source, f"skipped: {size / 1e6:.1f} MB is over the "
                                            f"{max_bytes / 1e6:.0f} MB limit; split the file")
        data = src.path.read_bytes()
    except OSError as err:
        return None, Notice(src.source, f"skipped: cannot read ({err.strerror or err})")
    text, notice = decode(src.source, data)
    if text is None:
        return None, notice
    if not text.strip():
        return None, Notice(src.source, "skipped: empty file")
    doc = Document(src.source, text, _title(text, src.source), _date(text),
                   hashlib.sha256(data).hexdigest())
    return doc, notice


def decode(source: str, data: bytes) -> tuple[str | None, Notice | None]:
    """A file's text (UTF-8, UTF-16 with a byte-order mark, else Latin-1), or None for binary
    content, with a notice for any caveat."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            return None, Notice(source, "skipped: broken UTF-16 text")
    if b"\x00" in data:
        return None, Notice(source, "skipped: binary content (NUL bytes), not text")
    notice = None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _decode_8bit(data)
        notice = Notice(source, "not valid UTF-8: read as Latin-1 (Windows-1252)")
    if _control_share(text) > MAX_CONTROL_SHARE:
        return None, Notice(source, "skipped: binary content (control characters), not text")
    return text, notice


def _control_share(text: str) -> float:
    """Share of characters that are control codes other than tab, line breaks and form feed."""
    return len(_CONTROL.findall(text)) / len(text) if text else 0.0


def _decode_8bit(data: bytes) -> str:
    """Windows-1252 where it applies (curly quotes, dashes), else Latin-1, which never fails."""
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def load_documents(root: Path, max_bytes: int = MAX_FILE_BYTES
                   ) -> tuple[list[Document], list[Notice]]:
    """Every usable document under `root`, and notices for the files passed over."""
    sources, notices = find_sources(root)
    docs: list[Document] = []
    for src in sources:
        doc, notice = read_document(src, max_bytes)
        if notice is not None:
            notices.append(notice)
        if doc is not None:
            docs.append(doc)
    return docs, notices


def _rel(path: Path, root: Path) -> str:
    """The source name of `path`: relative to `root`, with bytes that are not UTF-8 written as
    `\\xNN` (the raw name could not be stored as JSON nor printed)."""
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        rel = path.as_posix()
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


def _printable(name: str) -> str:
    """`name` with control characters (a line break in a file name) escaped."""
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in name)


def _title(text: str, source: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            match = _DATE.match(line)
            if match:
                line = line[match.end():].strip() or line
            return line[:200]
    return source


def _date(text: str) -> str | None:
    first = text.split("\n", 1)[0]
    match = _DATE.match(first)
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1)).isoformat()
    except ValueError:
        return None
