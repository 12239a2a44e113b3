"""Words of opposite meaning, so that the answer model can see an answer that says the
opposite of what was asked ("decreased" for "increase", "south" for "north"): WordNet 3.0's
one-word antonym pairs and the degrees of its adjectives' ("stronger", "weaker"), from
models/antonyms.json, which eval/antonyms.py derives from Debian's wordnet-base package
(WordNet licence, carried in the file)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .errors import ModelError


@lru_cache(maxsize=1)
def antonyms() -> Mapping[str, frozenset[str]]:
    """Lower-case word -> its antonyms, read once per process."""
    file = Path(str(resources.files("citeqa") / "models" / "antonyms.json"))
    try:
        pairs = json.loads(file.read_text(encoding="utf-8"))["pairs"]
        out: dict[str, set[str]] = {}
        for a, b in pairs:
            out.setdefault(str(a), set()).add(str(b))
            out.setdefault(str(b), set()).add(str(a))
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ModelError(f"the antonym table {file} cannot be loaded ({err}); reinstall citeqa",
                         path=file, remedy="reinstall") from None
    return {w: frozenset(s) for w, s in out.items()}
