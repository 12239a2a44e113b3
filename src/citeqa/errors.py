"""The citeqa error family.

Each error says what is wrong in plain words and carries fields (the path involved, the
remedy) that front ends turn into advice; the library itself never writes shell commands.
"""

from __future__ import annotations

from pathlib import Path


class CiteqaError(Exception):
    """Base of every error citeqa raises on purpose; `exit_code` is what the CLI returns.

    `path` is the file or folder concerned (None when there is none); `remedy` names what fixes
    it: "rebuild" (build the index again, from scratch), "refresh" (build it again),
    "build" (build one), "wait" (another build holds the index), "reinstall", or None.
    """

    exit_code = 1
    remedy: str | None = None

    def __init__(self, message: str, *, path: str | Path | None = None,
                 remedy: str | None = None, corpus: str | Path | None = None):
        super().__init__(message)
        self.path = Path(path) if path is not None else None
        self.corpus = Path(corpus) if corpus is not None else None
        if remedy is not None:
            self.remedy = remedy


class UsageError(CiteqaError, ValueError):
    """A bad argument: a value out of range, of the wrong type, or an unknown name."""

    exit_code = 2


class CorpusError(CiteqaError):
    """The corpus folder is missing, empty or holds no readable supported file."""

    exit_code = 3


class IndexNotFoundError(CiteqaError):
    """No index at the given folder."""

    exit_code = 4
    remedy = "build"


class IndexCorruptError(CiteqaError):
    """The index files are damaged, incomplete, inconsistent or of another format or model."""

    exit_code = 5
    remedy = "rebuild"


class StaleIndexError(CiteqaError):
    """The corpus changed since the index was built."""

    exit_code = 6
    remedy = "refresh"


class IndexLockedError(CiteqaError):
    """Another build holds the index lock."""

    exit_code = 7
    remedy = "wait"


class ModelError(CiteqaError):
    """The embedding model cannot be found or loaded."""

    exit_code = 8
    remedy = "reinstall"


class QuestionSetError(CiteqaError):
    """The question set is missing, malformed, or does not match its corpus."""

    exit_code = 9


class IndexFolderError(CiteqaError):
    """The index folder is not citeqa's to write: it holds other files and no citeqa index,
    it is the corpus folder, or it holds the index of another corpus (remedy "replace")."""

    exit_code = 10
    remedy = "elsewhere"
