"""A build on a real two-node Ray cluster (on 127.0.0.1) writes the index a local build writes,
and a worker killed in the middle of it has its groups run again: nothing lost, nothing twice."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from index_tools import stored

from citeqa import store
from citeqa.building import build
from citeqa.pipeline import Prepared
from citeqa.settings import BuildSettings

# The cluster lives on 127.0.0.1: Ray must not resolve that to the machine's network address.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parents[1]
GROUP_BYTES = 2500   # small groups, so the build is many tasks and a kill lands mid-build


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A head and a second node, one CPU each, on 127.0.0.1; shut down after the module."""
    from ray.cluster_utils import Cluster

    node = {"num_cpus": 1, "node_ip_address": "127.0.0.1", "include_dashboard": False,
            "object_store_memory": 100 * 1024 * 1024}
    c = Cluster(initialize_head=True, head_node_args=node)
    try:
        c.add_node(**node)
        c.wait_for_nodes()
        yield c.address
    finally:
        c.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real text in many files: the seed article and this project's README, one file per
    section, so the build is many small groups."""
    root = tmp_path_factory.mktemp("ray") / "corpus"
    (root / "docs").mkdir(parents=True)
    for path in sorted((ROOT / "seeds").glob("*")):
        shutil.copy(path, root / path.name)
    sections = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## ")
    for i, text in enumerate(sections):
        (root / "docs" / f"readme-{i:02d}.md").write_text(text, encoding="utf-8")
    return root


def assert_same_index(a: Path, b: Path) -> None:
    """Same documents, chunks, sentences and BM25 postings; vectors with cosine >= 0.9999."""
    (ma, ta, va), (mb, tb, vb) = stored(a), stored(b)
    ga, gb = a / ma["generation"], b / mb["generation"]
    assert store.load_documents(ga, ma) == store.load_documents(gb, mb)
    assert {k: v["sha256"] for k, v in store.load_seen(ga, ma).entries().items()} == \
        {k: v["sha256"] for k, v in store.load_seen(gb, mb).entries().items()}
    assert ma["chunk_count"] == mb["chunk_count"] == ta.n_chunks > 20
    for name in store.ARRAYS:
        if name != "sent_vectors":
            assert np.array_equal(getattr(ta, name), getattr(tb, name)), name
    for name in store.BLOBS:
        assert bytes(getattr(ta, name)) == bytes(getattr(tb, name)), name
    assert ta.bm25_vocab == tb.bm25_vocab and ta.sections == tb.sections
    assert float((va * vb).sum(axis=1).min()) >= 0.9999
    sa, sb = (np.asarray(t.sent_vectors, dtype=np.float32) for t in (ta, tb))
    assert sa.shape == sb.shape and float((sa * sb).sum(axis=1).min()) >= 0.999


def test_a_ray_build_with_a_killed_worker_equals_a_local_build(cluster: str, corpus: Path,
                                                               tmp_path: Path) -> None:
    killed: list[int] = []
    workers: list[int] = []

    def kill_first_worker(p: Prepared) -> None:
        workers.append(p.worker)
        if not killed:  # the worker that sent the first group has its next one in hand
            killed.append(p.worker)
            os.kill(p.worker, signal.SIGKILL)

    numbers: list[int] = []
    report = build(corpus, tmp_path / "ray", BuildSettings(), ray=cluster,
                   group_bytes=GROUP_BYTES,
                   on_group=lambda p: (numbers.append(p.number), kill_first_worker(p)))
    assert numbers == list(range(len(numbers))) and len(numbers) >= 6
    assert killed and killed[0] not in workers[1:], "the killed worker sent nothing more"
    assert len(set(workers)) >= 3, "the killed worker was restarted and took groups"
    local = build(corpus, tmp_path / "local", BuildSettings(), group_bytes=GROUP_BYTES)
    assert (report.documents, report.chunks) == (local.documents, local.chunks)
    assert report.embedded == local.embedded == local.chunks
    assert_same_index(tmp_path / "ray", tmp_path / "local")


def test_group_size_does_not_change_the_index(corpus: Path, tmp_path: Path) -> None:
    build(corpus, tmp_path / "small", BuildSettings(), group_bytes=GROUP_BYTES)
    build(corpus, tmp_path / "one", BuildSettings())
    assert_same_index(tmp_path / "small", tmp_path / "one")
