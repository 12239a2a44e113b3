"""citeqa's own version and the installed versions of the libraries it depends on."""

from __future__ import annotations

import importlib.metadata as md

__version__ = "0.1.0"


def package_version(name: str) -> str | None:
    """The installed version of distribution `name`, or None when it is not installed."""
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return None
