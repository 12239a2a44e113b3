"""The one configuration record: how an index is built and how questions are answered.

It is saved whole into the index manifest, so an index always says how it was built.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

MODES = ("bm25", "dense", "hybrid")
FUSIONS = ("adaptive", "rrf", "weighted", "zscore")
TOKENIZERS = ("plain", "stem", "stem-stop")

# Settings that change what is stored in the index; the others only change how it is queried.
BUILD_FIELDS = ("chunk_tokens", "chunk_overlap", "model_name", "tokenizer", "bm25_k1", "bm25_b",
                "bm25_epsilon", "max_file_mb", "ann_threshold", "hnsw_m", "hnsw_ef_construction")


@dataclass(frozen=True)
class Config:
    """Chunking, model, BM25, fusion and answer settings (defaults chosen in eval/README.md)."""

    chunk_tokens: int = 254
    chunk_overlap: int = 0
    model_name: str = "sentence-transformers/all-MiniLM-L6-v2"
    tokenizer: str = "stem-stop"
    bm25_k1: float = 1.5
    bm25_b: float = 0.75
    bm25_epsilon: float = 0.25
    fusion: str = "adaptive"
    rrf_k: int = 60
    dense_weight: float = 0.5
    candidates: int = 50
    answer_passages: int = 5
    answer_sentences: int = 2
    sentence_margin: float = 0.25
    lexical_weight: float = 0.5
    type_weight: float = 0.2
    heading_penalty: float = 0.2
    abstain_threshold: float = 0.6
    type_window: float = 0.1
    batch_size: int = 16
    ann_threshold: int = 50_000
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 512
    max_file_mb: float = 20.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value, default = getattr(self, f.name), f.default
            kinds = (int, float) if isinstance(default, float) else (type(default),)
            if isinstance(value, bool) != isinstance(default, bool) or not isinstance(value, kinds):
                raise ValueError(f"{f.name} must be of type {type(default).__name__}, got "
                                 f"{value!r}")
        if not 16 <= self.chunk_tokens <= 254:
            raise ValueError(f"chunk_tokens must be in 16..254 (the model reads 256 word pieces), "
                             f"got {self.chunk_tokens}")
        if not 0 <= self.chunk_overlap < self.chunk_tokens:
            raise ValueError(f"chunk_overlap must be in 0..chunk_tokens-1, got {self.chunk_overlap}")
        if self.tokenizer not in TOKENIZERS:
            raise ValueError(f"tokenizer must be one of {', '.join(TOKENIZERS)}, got {self.tokenizer!r}")
        if self.fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {', '.join(FUSIONS)}, got {self.fusion!r}")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ValueError(f"dense_weight must be in 0..1, got {self.dense_weight}")
        if self.rrf_k < 0 or self.candidates < 1 or self.answer_passages < 1:
            raise ValueError("rrf_k must be >= 0, candidates and answer_passages >= 1")
        if self.answer_sentences < 1 or self.batch_size < 1:
            raise ValueError("answer_sentences and batch_size must be >= 1")

    def to_dict(self) -> dict[str, Any]:
        """The config as plain JSON-able data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        """Read a config saved by `to_dict`, ignoring keys this version does not know."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def build_key(self) -> dict[str, Any]:
        """The settings an index's contents depend on."""
        return {name: getattr(self, name) for name in BUILD_FIELDS}

    def with_query_settings(self, other: Config) -> Config:
        """This (stored) config with the query-time settings of `other`."""
        changes = {f.name: getattr(other, f.name) for f in fields(other)
                   if f.name not in BUILD_FIELDS}
        return replace(self, **changes)
