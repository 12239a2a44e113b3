"""Build settings and query options: range checks, and the traps of mixing the two."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import citeqa
from citeqa import BuildSettings, QueryOptions, UsageError
from citeqa.fusion import fusion
from citeqa.settings import query_options

BAD_BUILD = [("chunk_tokens", 8), ("chunk_tokens", 300), ("chunk_overlap", -1), ("bm25_k1", -0.5),
             ("bm25_b", 1.5), ("bm25_b", -0.1), ("bm25_k1", math.nan), ("bm25_epsilon", math.inf),
             ("hnsw_m", 1), ("hnsw_ef_construction", 0), ("ann_threshold", 0),
             ("max_file_mb", 0.0), ("tokenizer", "snowball"), ("chunk_tokens", 128.0),
             ("bm25_b", True), ("encoder_precision", "int4")]
BAD_QUERY = [("fusion", "max"), ("dense_weight", 1.2), ("dense_weight", math.nan), ("rrf_k", -1),
             ("candidates", 0), ("hnsw_ef_search", 0), ("answer_passages", 0),
             ("answer_sentences", 0), ("lexical_weight", -1.0), ("abstain_threshold", math.nan),
             ("type_window", "0.1")]


@pytest.mark.parametrize(("name", "value"), BAD_BUILD)
def test_bad_build_settings_name_the_field(name: str, value: object) -> None:
    with pytest.raises(UsageError, match=name):
        BuildSettings(**{name: value})


@pytest.mark.parametrize(("name", "value"), BAD_QUERY)
def test_bad_query_options_name_the_field(name: str, value: object) -> None:
    with pytest.raises(UsageError, match=name):
        QueryOptions(**{name: value})


def test_usage_errors_are_value_errors_with_exit_code_2() -> None:
    with pytest.raises(ValueError):
        QueryOptions(candidates=0)
    assert UsageError.exit_code == 2 and issubclass(UsageError, citeqa.CiteqaError)


def test_overrides_keep_the_other_options_and_refuse_unknown_names() -> None:
    base = QueryOptions(fusion="rrf", dense_weight=0.3)
    got = query_options(base, {"abstain_threshold": 0.5})
    assert (got.fusion, got.dense_weight, got.abstain_threshold) == ("rrf", 0.3, 0.5)
    with pytest.raises(UsageError, match="unknown query option 'chunk_tokens'"):
        query_options(base, {"chunk_tokens": 100})


def test_the_model_is_not_a_setting() -> None:
    # A model name that was silently ignored is gone: passing one is an error, not a no-op.
    with pytest.raises(TypeError):
        BuildSettings(model_name="another/model")  # type: ignore[call-arg]


# ---- on a real index --------------------------------------------------------------------
def test_options_given_at_open_are_kept_when_a_call_overrides_another(seed_index_dir: Path) -> None:
    idx = citeqa.Index.open(seed_index_dir, QueryOptions(fusion="rrf", abstain_threshold=0.9))
    question = "Who was Japan's defence minister at the meeting?"
    assert idx.options.fusion == "rrf"
    strict = idx.ask(question)
    loose = idx.ask(question, abstain_threshold=-5.0)
    assert idx.options.abstain_threshold == 0.9           # a call's override is for that call
    assert not loose.abstained and loose.confidence == strict.confidence
    # The passages ranked in that call are still fused by rrf, not reset to the default.
    rrf_hits = idx.search(question, k=5, abstain_threshold=-5.0)
    assert rrf_hits == idx.search(question, k=5, fusion="rrf")
    assert rrf_hits != idx.search(question, k=5, fusion="adaptive")


def test_query_options_are_never_stored_with_the_index(seed_index_dir: Path,
                                                       seed_index: citeqa.Index) -> None:
    stored = seed_index.manifest["settings"]
    assert set(stored) == set(BuildSettings().to_dict())
    assert not set(stored) & set(QueryOptions().to_dict())
    # An index opened with rrf ranks by rrf of its own BM25 and dense lists, whatever the build.
    idx = citeqa.Index.open(seed_index_dir, QueryOptions(fusion="rrf", rrf_k=60, dense_weight=0.5))
    q = "Meteor missile seeker"
    bm25 = [(h.chunk_id, h.score) for h in idx.search(q, k=50, mode="bm25")]
    dense = [(h.chunk_id, h.score) for h in idx.search(q, k=50, mode="dense")]
    expected = fusion("rrf", 60)(dense, bm25, 0.5)[:5]
    assert [(h.chunk_id, h.score) for h in idx.search(q, k=5)] == expected


@pytest.mark.model
def test_an_index_of_another_model_is_repaired_by_force(seed_corpus: Path, tmp_path: Path) -> None:
    from index_tools import edit_manifest

    from citeqa.cli import main

    index = tmp_path / "index"
    citeqa.Index.build(seed_corpus, index)
    edit_manifest(index, lambda m: (m["model"].update(name="another/model"),
                                    m["settings"].update(model_name="another/model")))
    with pytest.raises(citeqa.IndexCorruptError, match="another/model"):
        citeqa.Index.open(index)
    assert main(["index", "--index", str(index), "--force", "--quiet"]) == 0
    assert citeqa.Index.open(index).manifest["model"]["name"] != "another/model"


def test_indexes_written_before_the_int8_encoder_were_float() -> None:
    assert BuildSettings.from_dict({}).encoder_precision == "float32"
    assert BuildSettings().encoder_precision == "int8"
    assert BuildSettings.from_dict(BuildSettings().to_dict()).encoder_precision == "int8"
