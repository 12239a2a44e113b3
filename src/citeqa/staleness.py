"""Comparing a corpus folder on disk with the files an index was built from.

The rule: a corpus file is unchanged when its size, modification time (mtime), status-change
time (ctime) and inode number all equal what was recorded when the build read it, and it was
not modified within `RACY_SECONDS` before the build began; otherwise the sha256 of its bytes
decides, against the sha256 of the bytes the build read and parsed. ctime cannot be set by
programs (`touch -d` sets mtime and moves ctime), so an edit that keeps the size and restores
the mtime is still seen. A file modified just before a build could be modified again within the
same timestamp tick, unseen by its times, so it is hashed at every check until the next build.
`compare(..., verify=True)` hashes every file.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .documents import SourceFile, find_sources
from .errors import CorpusError
from .fileio import sha256_file

RACY_SECONDS = 2.0   # above the timestamp granularity of local file systems (FAT: 2 s)
Signature = tuple[int, int, int, int]   # size, mtime_ns, ctime_ns, inode


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


def signature(path: Path) -> Signature | None:
    """Size, mtime, ctime and inode of a file, or None when it cannot be read."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def _sha256(path: Path) -> str | None:
    """Hex sha256 of a file, read in blocks (corpus files may be large), or None if unreadable."""
    try:
        if not path.is_file():  # a FIFO or device named *.txt would block or never end
            return None
        return sha256_file(path)
    except OSError:
        return None


def _entry(sig: Signature | None, sha256: str | None, started_ns: int,
           changed: bool = False) -> dict[str, Any]:
    """A manifest `seen` entry; `racy` makes every check hash the file."""
    size, mtime, ctime, ino = sig or (-1, -1, -1, -1)
    racy = changed or sig is None or started_ns - max(mtime, ctime) < RACY_SECONDS * 1e9
    return {"size": size, "mtime_ns": mtime, "ctime_ns": ctime, "ino": ino, "sha256": sha256,
            "racy": bool(racy)}


def fingerprint(path: Path) -> dict[str, Any]:
    """The `seen` entry of a file as it is now (its times, inode and sha256)."""
    started = time.time_ns()
    before = signature(path)
    digest = _sha256(path)
    after = signature(path)
    return _entry(after, digest, started, changed=before != after)


class Watch:
    """The state of every corpus file, taken before a build reads them, so the build records
    for each file the state its indexed bytes came from, or that it changed meanwhile.

    Create it before reading the corpus; then `seen(hashes)` with the sha256 of the bytes the
    build read and parsed, per source.
    """

    def __init__(self, sources: Iterable[SourceFile]):
        self.started = time.time_ns()
        self.paths = {s.source: s.path for s in sources}
        self.before = {name: signature(path) for name, path in self.paths.items()}

    def seen(self, hashes: dict[str, str], sources: Iterable[SourceFile] = ()) -> dict[str, Any]:
        """The manifest's `seen` entries: every source the build found (`sources`, beside the
        ones found when watching began). A file the build did not index (skipped) is hashed
        now; a file whose state moved while the build read it is recorded as changed, so the
        index is stale until it is rebuilt."""
        paths = dict(self.paths)
        paths.update((s.source, s.path) for s in sources)
        seen = {}
        for name in sorted(paths):
            digest = hashes.get(name)
            if digest is None:
                digest = _sha256(paths[name])
            after = signature(paths[name])
            moved = name not in self.before or self.before[name] != after
            seen[name] = _entry(after, digest, self.started, changed=moved)
        return seen


def compare(corpus: Path, seen: dict[str, dict[str, Any]], verify: bool = False) -> Changes:
    """What differs between `corpus` now and the entries `seen` at build time, by the rule in
    this module's docstring (`verify`: hash every file, trusting no times)."""
    if not corpus.is_dir():
        return Changes(missing_corpus=True)
    check_corpus_folder(corpus)
    sources, _ = find_sources(corpus)
    now = {s.source: s.path for s in sources}
    added = sorted(set(now) - set(seen))
    removed = sorted(set(seen) - set(now))
    changed = []
    for name in sorted(set(now) & set(seen)):
        old = seen[name]
        if not verify and not old.get("racy", True) and signature(now[name]) == (
                old.get("size"), old.get("mtime_ns"), old.get("ctime_ns"), old.get("ino")):
            continue
        if _sha256(now[name]) != old.get("sha256"):
            changed.append(name)
    return Changes(added, changed, removed)


def check_corpus_folder(corpus: Path) -> None:
    """Refuse the root of the file system as a corpus (reading it would walk every disk)."""
    resolved = corpus.resolve()
    if resolved == Path(resolved.anchor):
        raise CorpusError(f"the corpus folder {corpus} is the root of the file system; pass the "
                          f"folder that holds the documents", path=corpus)
