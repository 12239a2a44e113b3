"""The CLI's defaults, and query options from command-line flags."""

from __future__ import annotations

import argparse
from typing import Any

DEFAULT_CORPUS = "seeds"
DEFAULT_INDEX = "index"
FLAGS = ("fusion", "dense_weight", "abstain_threshold")


def query_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The query options given on the command line (the others keep their defaults)."""
    return {name: getattr(args, name) for name in FLAGS if getattr(args, name, None) is not None}
