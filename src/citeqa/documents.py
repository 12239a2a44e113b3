"""Finding and reading corpus files into `Document`s, with a notice for every file passed over.

Each file is read by the parser of its format (citeqa.parsing): its text, its blocks
(headings, paragraphs, list items, code, table rows) and, for PDFs, its page starts."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import re
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePath

from .errors import CorpusError
from .parsing import FORMATS, Block, Parsed, ParseError, decode_text, detect_format, heading_title, parse
from .parsing.detect import GZIP, SNIFF_BYTES, needs_content_check, uncompressed_name
from .walk import is_index_folder, walk

SUFFIXES = tuple(FORMATS)
MAX_FILE_BYTES = 20 * 1024 * 1024
_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\b")


@dataclass(frozen=True)
class Document:
    """One corpus file: its path relative to the corpus root, its text (for text formats the
    decoded file itself; for HTML, PDF and DOCX the text citeqa extracts), title, date, the
    hash of the file's bytes, and the structure its parser found."""

    source: str
    text: str
    title: str
    date: str | None
    sha256: str
    blocks: tuple[Block, ...] = ()
    pages: tuple[int, ...] = ()
    format: str = "text"


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
        raise CorpusError(f"corpus folder {root} does not exist", path=root)
    if not root.is_dir():
        raise CorpusError(f"corpus {root} is not a folder; pass the folder that holds the files",
                          path=root)
    found: list[SourceFile] = []
    notices: list[Notice] = []

    def on_error(err: OSError) -> None:
        notices.append(Notice(_rel(Path(err.filename or root), root), f"skipped: {err.strerror}"))

    for dirpath, dirnames, filenames in walk(root, onerror=on_error):
        dirnames[:] = sorted(d for d in dirnames if not skipped_folder(dirpath, d))
        for name in dirnames:
            if os.path.islink(os.path.join(dirpath, name)):
                # os.walk does not follow folder links, which also keeps link loops out
                notices.append(Notice(_rel(Path(dirpath) / name, root),
                                      "skipped: link to a folder (folder links are not followed)"))
        # Per file only string work and one Path: a corpus may hold tens of thousands.
        base = Path(dirpath)
        prefix = _rel(base, root)
        prefix = "" if prefix == "." else prefix + "/"
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = base / name
            rel = prefix + os.fsencode(name).decode("utf-8", "backslashreplace")
            reason = unsupported(dirpath, name)
            if reason:
                notices.append(Notice(rel, f"skipped: {reason}"))
                continue
            found.append(SourceFile(rel, path))
    found.sort(key=lambda s: s.source)
    found, clashes = _without_clashes(found)
    return found, notices + clashes


def _without_clashes(found: list[SourceFile]) -> tuple[list[SourceFile], list[Notice]]:
    """One file per source name: names that differ on disk but read the same once bytes that
    are not UTF-8 are written as \\xNN keep the file with a UTF-8 name (else the first by its
    bytes); the others are skipped, so a source name always leads to one file."""
    groups: dict[str, list[SourceFile]] = {}
    for src in found:
        groups.setdefault(src.source, []).append(src)
    kept, notices = [], []
    for name, group in groups.items():
        group.sort(key=lambda s: (not _utf8_name(s.path), os.fsencode(s.path)))
        kept.append(group[0])
        notices += [Notice(name, "skipped: its file name is not UTF-8 and reads the same as "
                                 "another file's name; rename it") for _ in group[1:]]
    return kept, notices


def _utf8_name(path: Path) -> bool:
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def skipped_folder(parent: str, name: str) -> bool:
    """Whether a corpus walk leaves out folder `name` of `parent`: a hidden folder, or an
    index folder (one holding citeqa's marker)."""
    return name.startswith(".") or is_index_folder(os.path.join(parent, name))


def unsupported(folder: str, name: str) -> str | None:
    """Why citeqa does not read file `name` of `folder`, or None when it does. A supported
    suffix is string work alone (a corpus may hold tens of thousands of files); any other
    name goes through `_unsupported`."""
    dot = name.rfind(".")  # os.path.splitext's suffix for a name not starting with a dot
    if dot > 0 and name[dot:].lower() in FORMATS:
        return None
    return _unsupported(Path(folder, name))


def _unsupported(path: Path) -> str | None:
    """Why citeqa does not read `path`, or None when it does: by its suffix, and for a name
    without one (README, NEWS) by its first bytes. A gzip-compressed file (NEWS.gz) goes by
    the name and bytes it holds. Only regular files are opened here."""
    inner = uncompressed_name(path.name)
    gz, name = inner is not None, inner or path.name
    suffix = PurePath(name).suffix.lower()
    if suffix in FORMATS:
        return None
    if not needs_content_check(name):
        return f"not a supported format ({suffix}{GZIP if gz else ''})"
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None  # read_document says what it is
        with (gzip.open if gz else open)(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except (OSError, EOFError, zlib.error):
        return None  # read_document reports the error
    if detect_format(name, head) is None:
        return ("not a supported format (binary content)" if gz or suffix else
                "not a supported format (binary content, no file name extension)")
    return None


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
    return parse_document(src.source, data, max_bytes)


def parse_document(source: str, data: bytes, max_bytes: int = MAX_FILE_BYTES
                   ) -> tuple[Document | None, Notice | None]:
    """The document in the bytes of file `source` (None when unusable), and a notice when
    there is a caveat; what `read_document` does once the file is read."""
    try:
        parsed = parse(source, data, max_bytes)
    except ParseError as err:
        return None, Notice(source, f"skipped: {err.reason}")
    if not parsed.text.strip():
        what = "empty file" if parsed.format in ("text", "markdown", "rst") else \
            f"empty document (no text in the {parsed.format.upper()} file)"
        return None, Notice(source, f"skipped: {what}")
    notice = Notice(source, parsed.caveats[0]) if parsed.caveats else None
    doc = Document(source, parsed.text, _title(parsed, source), _date(parsed.text),
                   hashlib.sha256(data).hexdigest(), parsed.blocks, parsed.pages, parsed.format)
    return doc, notice


def decode(source: str, data: bytes) -> tuple[str | None, Notice | None]:
    """A file's text (UTF-8, UTF-16 with a byte-order mark, else Latin-1), or None for binary
    content, with a notice for any caveat."""
    try:
        text, caveat = decode_text(data)
    except ParseError as err:
        return None, Notice(source, f"skipped: {err.reason}")
    return text, Notice(source, caveat) if caveat else None


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


def _title(parsed: Parsed, source: str) -> str:
    """The first heading, else the title the file declares, else the first line."""
    text = parsed.text
    for block in parsed.blocks:
        if block.kind == "heading":
            title = heading_title(text[block.start:block.end])
            if title:
                return _undated(title)[:200]
            break
    if parsed.title:
        return parsed.title[:200]
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return _undated(line)[:200]
    return source


def _undated(line: str) -> str:
    """A title less a leading ISO date ("2024-05-01 Minutes" gives "Minutes")."""
    match = _DATE.match(line)
    return line[match.end():].strip() or line if match else line


def _date(text: str) -> str | None:
    first = text.split("\n", 1)[0]
    match = _DATE.match(first)
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1)).isoformat()
    except ValueError:
        return None
