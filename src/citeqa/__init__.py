"""citeqa: hybrid-retrieval (BM25 + dense) question answering with cited sentences.

The library logs nothing and prints nothing; the `citeqa` command does the printing.
"""

from .errors import (
    CiteqaError,
    CorpusError,
    IndexCorruptError,
    IndexFolderError,
    IndexLockedError,
    IndexNotFoundError,
    ModelError,
    QuestionSetError,
    StaleIndexError,
    UsageError,
)
from .index import Index
from .records import Answer, Citation, Hit
from .settings import BuildSettings, QueryOptions
from .version import __version__

__all__ = [
    "Answer", "BuildSettings", "Citation", "CiteqaError", "CorpusError", "Hit", "Index",
    "IndexCorruptError", "IndexFolderError", "IndexLockedError", "IndexNotFoundError",
    "ModelError", "QueryOptions", "QuestionSetError", "StaleIndexError", "UsageError",
    "__version__",
]
