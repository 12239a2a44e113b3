"""Irregular verb forms, so that the answer scorer matches a question's "Who wrote" with a
sentence's "written by": Snowball stems of forms whose stem is not their verb's ("wrote",
"written" → "write"), from models/irregular_verbs.json, which eval/irregular_verbs.py derives
from lemminflect's English inflection table. A small JSON file rather than the library at
query time: lemminflect takes 0.4 s to load, as long as a whole cold `citeqa ask`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from .packaged import read_table


@lru_cache(maxsize=1)
def irregular_stems() -> Mapping[str, str]:
    """Form stem -> verb stem for the irregular forms, read once per process."""
    def read(data: Any) -> dict[str, str]:
        return {str(k): str(v) for k, v in data["stems"].items()}

    return read_table("irregular_verbs.json", "verb table", read)


def verb_stems(tokens: Iterable[str], table: Mapping[str, str]) -> frozenset[str]:
    """`tokens` (Snowball stems) with each irregular verb form replaced by its verb's stem."""
    return frozenset(table.get(t, t) for t in tokens)
