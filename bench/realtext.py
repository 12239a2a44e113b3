"""Corpora of real English text of a given size, from what this machine already holds.

Sources: the text documentation of Debian packages under /usr/share/doc (READMEs, NEWS,
change logs, FAQs and other notes, gzipped or not; no licence or copyright file) and the
docstrings of Python's standard library. Files are taken in a fixed shuffled order and cut at
200 KB, so a 3 MB corpus and a 30 MB one hold the same mix of kinds of text.
"""

from __future__ import annotations

import ast
import gzip
import random
import sysconfig
from collections.abc import Iterator
from pathlib import Path

DOC = Path("/usr/share/doc")
MAX_FILE = 200_000
NAMES = ("readme", "news", "changelog", "changes", "faq", "todo", "notes", "history", "usage",
         "howto", "intro", "authors", "bugs", "thanks")


def _doc_files() -> list[Path]:
    found = []
    for path in sorted(DOC.rglob("*")):
        name = path.name.lower()
        if not path.is_file() or path.is_symlink() or "copyright" in name or "licen" in name \
                or "common-licenses" in path.parts:
            continue
        stem = name.removesuffix(".gz")
        if stem.endswith((".txt", ".md", ".rst")) or stem.startswith(NAMES):
            found.append(path)
    return found


def _read(path: Path) -> str | None:
    try:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile):
        return None
    if "\x00" in text or len(text.strip()) < 500:
        return None
    return text[:MAX_FILE]


def _docstrings() -> Iterator[tuple[str, str]]:
    root = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(root.rglob("*.py")):
        if {"site-packages", "test", "tests", "idlelib"} & set(path.parts):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        docs = [d for node in ast.walk(tree)
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                     ast.AsyncFunctionDef))
                and (d := ast.get_docstring(node))]
        text = "\n\n".join(docs)
        if len(text) >= 500:
            yield "python-" + "-".join(path.relative_to(root).with_suffix("").parts), text[:MAX_FILE]


def write(dest: Path, megabytes: float, seed: int = 0) -> int:
    """Write about `megabytes` MB of text files into `dest`; the bytes written."""
    sources: list[tuple[str, Path | str]] = [("doc-" + "-".join(p.relative_to(DOC).parts), p)
                                             for p in _doc_files()]
    sources += list(_docstrings())
    random.Random(seed).shuffle(sources)
    dest.mkdir(parents=True, exist_ok=True)
    target, total = int(megabytes * 1e6), 0
    for name, src in sources:
        text = _read(src) if isinstance(src, Path) else src
        if text is None:
            continue
        data = text.encode("utf-8")
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:120]
        (dest / f"{safe.removesuffix('.gz')}.txt").write_bytes(data)
        total += len(data)
        if total >= target:
            return total
    raise SystemExit(f"only {total / 1e6:.1f} MB of text found, {megabytes} MB asked for")


if __name__ == "__main__":
    import sys

    print(write(Path(sys.argv[1]), float(sys.argv[2])))
