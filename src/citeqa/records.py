"""Records that cross module lines: search hits, citations and answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Hit:
    """A retrieved passage: where it is in its source file, its text and its fused score."""

    chunk_id: int
    source: str
    start: int
    end: int
    line_start: int
    line_end: int
    text: str
    score: float
    bm25_rank: int | None = None
    dense_rank: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """Citation [n]: the passage an answer sentence comes from, quoted exactly."""

    number: int
    source: str
    start: int
    end: int
    line_start: int
    line_end: int
    quote: str
    chunk_id: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """An extractive answer with `[n]` markers, or an abstention that still lists the closest
    passages as citations."""

    question: str
    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    confidence: float = 0.0
    stale: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
