"""Walking a folder tree without recursion, so a folder nested thousands deep is no error.

`os.walk` recurses once per level in Python 3.11 and raises RecursionError near 1,000 levels.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

MARKER = ".citeqa-index"  # a folder holding this file is a citeqa index, never a corpus


def walk(top: str | os.PathLike[str], onerror: Callable[[OSError], None] | None = None
         ) -> Iterator[tuple[str, list[str], list[str]]]:
    """Like `os.walk(top, onerror=onerror)`, top-down: (folder, subfolder names, file names).

    Pruning the yielded subfolder list in place skips those folders. Links to folders are
    listed among the subfolders but never entered, as with os.walk's default.
    """
    stack = [os.fspath(top)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError as err:
            if onerror is not None:
                onerror(err)
            continue
        dirs: list[str] = []
        files: list[str] = []
        for entry in listed:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            (dirs if is_dir else files).append(entry.name)
        yield folder, dirs, files
        for name in reversed(dirs):
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                stack.append(path)


def is_index_folder(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is a folder citeqa has marked as an index (skipped when reading a corpus)."""
    return os.path.isfile(os.path.join(path, MARKER))
