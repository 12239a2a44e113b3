"""The data files shipped in citeqa/models/ (word tables the answer scorer reads), read the one
way: a missing or damaged file is a ModelError that says to reinstall."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from .errors import ModelError

T = TypeVar("T")


def read_table(name: str, what: str, read: Callable[[Any], T]) -> T:
    """`read` applied to the JSON of models/`name`; `what` names it in the error."""
    file = Path(str(resources.files("citeqa") / "models" / name))
    try:
        return read(json.loads(file.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ModelError(f"the {what} {file} cannot be loaded ({err}); reinstall citeqa",
                         path=file, remedy="reinstall") from None
