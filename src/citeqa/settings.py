"""Settings in two kinds: what an index is built with, and how it is queried.

`BuildSettings` shape the index's contents: they are saved in its manifest, and changing one
means a rebuild. `QueryOptions` only change how an index is searched and answered: they have
defaults here, are never saved, and can be given per open and per call.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from .errors import UsageError

MODES = ("bm25", "dense", "hybrid")
FUSIONS = ("adaptive", "rrf", "weighted", "zscore")
TOKENIZERS = ("plain", "stem", "stem-stop")
PRECISIONS = ("float32", "int8")   # the encoder's weights (see quantize.py)


def _check_types(record: Any) -> None:
    """Each field has its default's type (an int is taken where a float is expected)."""
    for f in fields(record):
        value, default = getattr(record, f.name), f.default
        kinds = (int, float) if isinstance(default, float) else (type(default),)
        if isinstance(value, bool) != isinstance(default, bool) or not isinstance(value, kinds):
            raise UsageError(f"{f.name} must be of type {type(default).__name__}, got {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise UsageError(f"{f.name} must be a finite number, got {value!r}")


def _in_range(name: str, value: float, low: float, high: float | None = None) -> None:
    """Refuse `value` outside [low, high] with a message naming the field and its range."""
    if value < low or (high is not None and value > high):
        allowed = f"{low}..{high}" if high is not None else f"at least {low}"
        raise UsageError(f"{name} must be {allowed if high is None else 'in ' + allowed}, "
                         f"got {value}")


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise UsageError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


# What indexes written before a build setting existed were built with.
PREDATED: dict[str, Any] = {"chunk_context": False, "encoder_precision": "float32",
                             "trim_underscores": False}


@dataclass(frozen=True)
class BuildSettings:
    """How an index is built: chunking, BM25, file size limit and vector index kind."""

    chunk_tokens: int = 254
    chunk_overlap: int = 0
    tokenizer: str = "stem-stop"
    trim_underscores: bool = True  # BM25 reads "_Black_" (Markdown emphasis) as "Black"
    bm25_k1: float = 1.5
    bm25_b: float = 0.75
    bm25_epsilon: float = 0.25
    max_file_mb: float = 20.0
    ann_threshold: int = 50_000
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    chunk_context: bool = True     # index each chunk with its file's words and heading path
    encoder_precision: str = "int8"   # 8-bit weights: a faster build, vectors within cosine
    # 0.998 of the float32 model's ("float32": the model's own weights)

    def __post_init__(self) -> None:
        _check_types(self)
        _in_range("chunk_tokens", self.chunk_tokens, 16, 254)  # the model reads 256 pieces
        _in_range("chunk_overlap", self.chunk_overlap, 0, self.chunk_tokens - 1)
        _one_of("tokenizer", self.tokenizer, TOKENIZERS)
        _in_range("bm25_k1", self.bm25_k1, 0.0, 100.0)
        _in_range("bm25_b", self.bm25_b, 0.0, 1.0)
        _in_range("bm25_epsilon", self.bm25_epsilon, 0.0, 10.0)
        _in_range("max_file_mb", self.max_file_mb, 0.001, 100_000.0)
        _in_range("ann_threshold", self.ann_threshold, 1)
        _in_range("hnsw_m", self.hnsw_m, 2, 256)
        _in_range("hnsw_ef_construction", self.hnsw_ef_construction, 1, 100_000)
        _one_of("encoder_precision", self.encoder_precision, PRECISIONS)

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON-able data (what the manifest stores)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BuildSettings:
        """Settings saved by `to_dict`; keys this version does not know are ignored, and a
        setting the index predates takes the value its build had in effect."""
        known = {f.name for f in fields(cls)}
        return cls(**{**PREDATED, **{k: v for k, v in data.items() if k in known}})


@dataclass(frozen=True)
class QueryOptions:
    """How an index is searched and answered (defaults chosen in eval/README.md)."""

    fusion: str = "adaptive"
    dense_weight: float = 0.5
    rrf_k: int = 60
    candidates: int = 50
    hnsw_ef_search: int = 512
    answer_passages: int = 5
    answer_sentences: int = 2
    sentence_margin: float = 0.25
    lexical_weight: float = 0.5
    type_weight: float = 0.2
    heading_penalty: float = 0.2
    # Abstain when the answer's confidence (the calibrated probability that it is right) is
    # below this: the threshold `eval/train_answer_model.py` chose for abstention precision
    # on its training questions, stored with the model. 0 or less: only the hand-set gates.
    abstain_threshold: float = 0.0
    type_window: float = 0.1

    def __post_init__(self) -> None:
        _check_types(self)
        _one_of("fusion", self.fusion, FUSIONS)
        _in_range("dense_weight", self.dense_weight, 0.0, 1.0)
        _in_range("rrf_k", self.rrf_k, 0, 100_000)
        _in_range("candidates", self.candidates, 1, 10_000)
        _in_range("hnsw_ef_search", self.hnsw_ef_search, 1, 100_000)
        _in_range("answer_passages", self.answer_passages, 1, 1000)
        _in_range("answer_sentences", self.answer_sentences, 1, 100)
        for name in ("sentence_margin", "lexical_weight", "type_weight", "heading_penalty",
                     "type_window"):
            _in_range(name, getattr(self, name), 0.0, 10.0)
        _in_range("abstain_threshold", self.abstain_threshold, -10.0, 10.0)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def query_options(base: QueryOptions, overrides: dict[str, Any]) -> QueryOptions:
    """`base` with `overrides` applied; an unknown name is refused, the other fields kept."""
    if not overrides:
        return base
    known = {f.name for f in fields(QueryOptions)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise UsageError(f"unknown query option {unknown[0]!r}; the options are "
                         f"{', '.join(sorted(known))}")
    return QueryOptions(**{**base.to_dict(), **overrides})
