"""citeqa: hybrid-retrieval (BM25 + dense) question answering with cited passages."""

import logging

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

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "Answer", "Citation", "CiteqaError", "Config", "CorpusError", "Hit", "Index",
    "IndexCorruptError", "IndexLockedError", "IndexNotFoundError", "ModelError", "QuestionSetError",
    "StaleIndexError", "__version__",
]
