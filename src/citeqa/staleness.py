"""Comparing a corpus folder on disk with the files an index was built from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .documents import find_sources
from .fileio import sha256_file


@dataclass(frozen=True)
class Changes:
    """Corpus files added, changed or removed since the index was built."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    missing_corpus: bool = False

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.missing_corpus)

    def summary(self) -> str:
        """One line: what changed."""
        if self.missing_corpus:
            return "its corpus folder is gone"
        parts = []
        for what, names in (("added", self.added), ("changed", self.changed),
                            ("removed", self.removed)):
            if names:
                shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3
                                                else "")
                parts.append(f"{len(names)} {what} ({shown})")
        return "; ".join(parts)


def _stat(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return -1, -1
    return stat.st_size, stat.st_mtime_ns


def _sha256(path: Path) -> str | None:
    """Hex sha256 of a file, read in blocks (corpus files may be large), or None if unreadable."""
    try:
        if not path.is_file():  # a FIFO or device named *.txt would block or never end
            return None
        return sha256_file(path)
    except OSError:
        return None


def fingerprint(path: Path) -> dict[str, Any]:
    """Size, modification time and sha256 of a file (-1, -1 and None where unreadable)."""
    size, mtime = _stat(path)
    return {"size": size, "mtime_ns": mtime, "sha256": _sha256(path)}


def compare(corpus: Path, seen: dict[str, dict[str, Any]]) -> Changes:
    """What differs between `corpus` now and the fingerprints `seen` at build time.

    A file whose size and mtime are unchanged is taken as unchanged; otherwise its sha256
    decides, so touching a file does not make the index stale.
    """
    if not corpus.is_dir():
        return Changes(missing_corpus=True)
    sources, _ = find_sources(corpus)
    now = {s.source: s.path for s in sources}
    added = sorted(set(now) - set(seen))
    removed = sorted(set(seen) - set(now))
    changed = []
    for name in sorted(set(now) & set(seen)):
        old = seen[name]
        if _stat(now[name]) == (old["size"], old["mtime_ns"]):
            continue
        if _sha256(now[name]) != old["sha256"]:
            changed.append(name)
    return Changes(added, changed, removed)
