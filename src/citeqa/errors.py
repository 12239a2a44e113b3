"""The citeqa error family: each message names the problem and the command that fixes it."""

from __future__ import annotations


class CiteqaError(Exception):
    """Base of every error citeqa raises on purpose; `exit_code` is what the CLI returns."""

    exit_code = 1


class CorpusError(CiteqaError):
    """The corpus folder is missing, empty or holds no readable supported file."""

    exit_code = 3


class IndexNotFoundError(CiteqaError):
    """No index at the given folder."""

    exit_code = 4


class IndexCorruptError(CiteqaError):
    """The index files are damaged, incomplete, inconsistent or of another format or model."""

    exit_code = 5


class StaleIndexError(CiteqaError):
    """The corpus changed since the index was built."""

    exit_code = 6


class IndexLockedError(CiteqaError):
    """Another build holds the index lock."""

    exit_code = 7


class ModelError(CiteqaError):
    """The embedding model cannot be found or loaded."""

    exit_code = 8


class QuestionSetError(CiteqaError):
    """The question set is missing, malformed, or does not match its corpus."""

    exit_code = 9
