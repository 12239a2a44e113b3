"""citeqa: hybrid-retrieval (BM25 + dense) question answering with cited passages.

The library logs nothing and prints nothing; the `citeqa` command does the printing.
"""

from .config import Config
from .errors import (
    CiteqaError,
    CorpusError,
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    ModelError,
    QuestionSetError,
    StaleIndexError,
)
from .index import Index
from .records import Answer, Citation, Hit

__version__ = "0.1.0"

__all__ = [
    "Answer", "Citation", "CiteqaError", "Config", "CorpusError", "Hit", "Index",
    "IndexCorruptError", "IndexLockedError", "IndexNotFoundError", "ModelError", "QuestionSetError",
    "StaleIndexError", "__version__",
]
