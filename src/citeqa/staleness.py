"""Comparing a corpus folder on disk with the files an index was built from.

The rule: a corpus file is unchanged when its size, modification time (mtime), status-change
time (ctime) and inode number all equal what was recorded when the build read it, and it was
not modified within `RACY_SECONDS` before the build began; otherwise the sha256 of its bytes
decides, against the sha256 of the bytes the build read and parsed. ctime cannot be set by
programs (`touch -d` sets mtime and moves ctime), so an edit that keeps the size and restores
the mtime is still seen. A file modified just before a build could be modified again within the
same timestamp tick, unseen by its times, so it is hashed at every check until the next build.
`compare(..., verify=True)` hashes every file.

What a build saw is a `Seen` table (one row per file, in columns), so an open compares tens of
thousands of files with a stat each and a few array operations.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .documents import SourceFile, find_sources, skipped_folder, unsupported
from .errors import CorpusError
from .fileio import sha256_file
from .walk import walk

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


SEEN_DTYPE = np.dtype([("size", "<i8"), ("mtime_ns", "<i8"), ("ctime_ns", "<i8"),
                       ("ino", "<u8"), ("sha256", "u1", (32,)), ("hashed", "?"), ("racy", "?")])
STAT_DTYPE = np.dtype([("size", "<i8"), ("mtime_ns", "<i8"), ("ctime_ns", "<i8"),
                       ("ino", "<u8"), ("ok", "?")])


@dataclass(frozen=True)
class Seen:
    """What a build saw of each corpus file: `names` (each once) and one `rows` entry each
    (SEEN_DTYPE: the signature, the sha256 of the bytes read, `hashed` False when the file could
    not be read, `racy` when its times cannot be trusted)."""

    names: list[str]
    rows: np.ndarray

    def __len__(self) -> int:
        return len(self.names)

    @classmethod
    def from_entries(cls, entries: Mapping[str, Mapping[str, Any]]) -> Seen:
        """The table of `seen` entries by name (what `Watch.seen` and `fingerprint` give); an
        entry without ctime or inode, or with a value out of range, is racy: always hashed."""
        names = sorted(entries)
        rows = np.zeros(len(names), dtype=SEEN_DTYPE)
        for i, name in enumerate(names):
            entry = entries[name]
            racy = bool(entry.get("racy", True))
            try:
                for key in ("size", "mtime_ns", "ctime_ns", "ino"):
                    rows[key][i] = int(entry[key])
            except (KeyError, TypeError, ValueError, OverflowError):
                racy = True
            digest = entry.get("sha256")
            rows["hashed"][i] = digest is not None
            try:
                if digest is not None:
                    rows["sha256"][i] = np.frombuffer(bytes.fromhex(digest), dtype=np.uint8)
            except (TypeError, ValueError):  # not 64 hex digits: matches no file's sha256
                racy = True
            rows["racy"][i] = racy
        return cls(names, rows)

    def entries(self) -> dict[str, dict[str, Any]]:
        """The table as `seen` entries by name."""
        return {name: {"size": int(r["size"]), "mtime_ns": int(r["mtime_ns"]),
                       "ctime_ns": int(r["ctime_ns"]), "ino": int(r["ino"]), "sha256": _hex(r),
                       "racy": bool(r["racy"])}
                for name, r in zip(self.names, self.rows, strict=True)}


def _hex(row: np.void) -> str | None:
    """The recorded sha256 of a Seen row as hex, None when the build could not read the file."""
    return bytes(row["sha256"]).hex() if row["hashed"] else None


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
    """A `seen` entry (see `Seen`); `racy` makes every check hash the file."""
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
        """The `seen` entries by name (a build stores them as a `Seen` table): every source
        the build found (`sources`, beside the ones found when watching began). A file the
        build did not index (skipped) is hashed now; a file whose state moved while the build
        read it is recorded as changed, so the index is stale until it is rebuilt."""
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


def compare(corpus: Path, seen: Seen | Mapping[str, Mapping[str, Any]], verify: bool = False
            ) -> Changes:
    """What differs between `corpus` now and what the build saw (a `Seen` table, or `seen`
    entries by name), by the rule in this module's docstring (`verify`: hash every file,
    trusting no times)."""
    if not corpus.is_dir():
        return Changes(missing_corpus=True)
    check_corpus_folder(corpus)
    if not isinstance(seen, Seen):
        seen = Seen.from_entries(seen)
    names, paths, now = scan(corpus)
    row_of = {name: i for i, name in enumerate(seen.names)}
    pos = np.fromiter((row_of.get(name, -1) for name in names), dtype=np.int64,
                      count=len(names))
    known = np.flatnonzero(pos >= 0)
    still_there = np.zeros(len(seen.names), dtype=bool)
    still_there[pos[known]] = True
    added = sorted(names[i] for i in np.flatnonzero(pos < 0))
    removed = sorted(seen.names[i] for i in np.flatnonzero(~still_there))
    old, cur = seen.rows[pos[known]], now[known]
    trusted = cur["ok"] & ~old["racy"]
    for key in ("size", "mtime_ns", "ctime_ns", "ino"):
        trusted &= cur[key] == old[key]
    if verify:
        trusted[:] = False
    changed = sorted(names[i] for i, row in zip(known[~trusted], old[~trusted], strict=True)
                     if _sha256(Path(paths[i])) != _hex(row))
    return Changes(added, changed, removed)


def scan(corpus: Path) -> tuple[list[str], list[str], np.ndarray]:
    """The corpus files `find_sources` finds, with one stat each and no per-file objects: their
    source names, paths and stats (STAT_DTYPE rows; `ok` is False where stat failed).

    A name that is not UTF-8 (whose source name `find_sources` writes with \\xNN, where two
    names may clash) sends the whole scan through `find_sources` itself.
    """
    root = os.fspath(corpus)
    prefixes = {root: ""}
    names: list[str] = []
    paths: list[str] = []
    for folder, dirs, files in walk(root):
        prefix = prefixes.pop(folder)
        dirs[:] = [d for d in dirs if not skipped_folder(folder, d)]
        for d in dirs:
            if not _is_utf8(d):
                return _scan_slowly(corpus)
            prefixes[os.path.join(folder, d)] = f"{prefix}{d}/"
        base = os.path.join(folder, "")
        for name in files:
            if name[0] == ".":
                continue
            if not (name.isascii() or _is_utf8(name)):
                return _scan_slowly(corpus)
            if unsupported(folder, name):
                continue
            names.append(prefix + name)
            paths.append(base + name)
    return names, paths, _stats(paths)


def _scan_slowly(corpus: Path) -> tuple[list[str], list[str], np.ndarray]:
    sources, _ = find_sources(corpus)
    paths = [os.fspath(s.path) for s in sources]
    return [s.source for s in sources], paths, _stats(paths)


def _is_utf8(name: str) -> bool:
    """Whether a name read from the file system is UTF-8 (other bytes come as surrogates)."""
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _stats(paths: list[str]) -> np.ndarray:
    """Size, mtime, ctime and inode of each path as STAT_DTYPE rows."""
    rows = []
    stat = os.stat
    for path in paths:
        try:
            st = stat(path)
        except OSError:
            rows.append((0, 0, 0, 0, False))
            continue
        rows.append((st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, True))
    return np.array(rows, dtype=STAT_DTYPE).reshape(-1)


def check_corpus_folder(corpus: Path) -> None:
    """Refuse the root of the file system as a corpus (reading it would walk every disk)."""
    resolved = corpus.resolve()
    if resolved == Path(resolved.anchor):
        raise CorpusError(f"the corpus folder {corpus} is the root of the file system; pass the "
                          f"folder that holds the documents", path=corpus)
