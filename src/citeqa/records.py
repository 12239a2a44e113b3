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
    page: int | None = None          # 1-based page of the passage's start (PDF)
    section: str | None = None       # heading path at the passage's start, e.g. "Install > Linux"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """Citation [n]: the answer sentence, quoted exactly (`quote == text[start:end]` of the
    source's text), and the passage it was found in. An abstention cites the closest passages,
    whole."""

    number: int
    source: str
    start: int
    end: int
    line_start: int
    line_end: int
    quote: str
    chunk_id: int
    score: float
    passage_start: int
    passage_end: int
    page: int | None = None
    section: str | None = None

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
    confidence: float = 0.0        # calibrated probability that the answer is right, 0..1
    stale: bool = False
    disagreement: bool = False     # the best sources give different answers; both are cited

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
