"""Words of opposite meaning, so that the answer model can see an answer that says the
opposite of what was asked ("decreased" for "increase", "south" for "north"): WordNet 3.0's
one-word antonym pairs and the degrees of its adjectives' ("stronger", "weaker"), from
models/antonyms.json, which eval/antonyms.py derives from Debian's wordnet-base package
(WordNet licence, carried in the file)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .packaged import read_table


@lru_cache(maxsize=1)
def antonyms() -> Mapping[str, frozenset[str]]:
    """Lower-case word -> its antonyms, read once per process."""
    def read(data: Any) -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for a, b in data["pairs"]:
            out.setdefault(str(a), set()).add(str(b))
            out.setdefault(str(b), set()).add(str(a))
        return {w: frozenset(s) for w, s in out.items()}

    return read_table("antonyms.json", "antonym table", read)
