"""Shared fixtures: one real index of the seed article per test session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
# Tests using these fixtures load the embedding model; they are marked `model` automatically.
MODEL_FIXTURES = frozenset({"seed_index_dir", "seed_index"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a real index as `model`, so `-m "not model"` is the fast lane."""
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)


@pytest.fixture(scope="session", autouse=True)
def _offline_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No network; model exports cached once for the whole session, outside the user's home."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    old = os.environ.get("CITEQA_CACHE_DIR")
    os.environ["CITEQA_CACHE_DIR"] = str(tmp_path_factory.mktemp("citeqa-cache"))
    yield
    if old is None:
        os.environ.pop("CITEQA_CACHE_DIR", None)
    else:
        os.environ["CITEQA_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def seed_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of seeds/ (tests may not touch the repo's own corpus)."""
    dest = tmp_path_factory.mktemp("corpus") / "seeds"
    shutil.copytree(SEEDS, dest)
    return dest


@pytest.fixture(scope="session")
def seed_index_dir(seed_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index (real model, real FAISS) of the seed copy; treat it as read-only."""
    import citeqa

    path = tmp_path_factory.mktemp("index") / "index"
    citeqa.Index.build(seed_corpus, path)
    return path


@pytest.fixture(scope="session")
def seed_index(seed_index_dir: Path) -> object:
    """The seed index, opened once."""
    import citeqa

    return citeqa.Index.open(seed_index_dir)
