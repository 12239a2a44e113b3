"""The Index API on the real seed index: round trip, modes, answers, staleness, no-op builds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import citeqa
from citeqa.building import reader_fingerprint

MINISTER = "Who was Japan's defence minister at the meeting?"


def test_two_builds_of_one_corpus_answer_alike(seed_corpus: Path, seed_index: citeqa.Index,
                                               tmp_path: Path) -> None:
    other = citeqa.Index.build(seed_corpus, tmp_path / "index", force=True)
    assert other.generation != seed_index.generation
    assert other.passages() == seed_index.passages()
    for mode in ("bm25", "dense", "hybrid"):
        assert other.search(MINISTER, k=10, mode=mode) == seed_index.search(MINISTER, k=10, mode=mode)
    assert other.ask(MINISTER) == seed_index.ask(MINISTER)


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_each_mode_finds_a_known_passage(seed_index: citeqa.Index, mode: str) -> None:
    hits = seed_index.search("Which company makes the seeker gyro sold to Raytheon?", k=3, mode=mode)
    assert any("Mitsubishi Heavy Industries Ltd. can export seeker gyro" in h.text for h in hits)
    for h in hits:
        text = (seed_index.corpus / h.source).read_text(encoding="utf-8")
        assert text[h.start:h.end] == h.text
        assert h.line_start == text.count("\n", 0, h.start) + 1


def test_coverage_is_the_share_of_question_terms_in_a_passage(seed_index: citeqa.Index) -> None:
    chunk = seed_index.search("seeker gyro Raytheon", k=1, mode="bm25")[0].chunk_id
    bm25, tokenize = seed_index.retriever.bm25, seed_index.retriever.tokenize
    assert bm25.coverage(tokenize("seeker gyro Raytheon"), chunk) == 1.0
    assert bm25.coverage(tokenize("Raytheon penguins"), chunk) == 0.5
    assert bm25.coverage(tokenize("the of"), chunk) == 0.0          # stop words only: no terms


def test_ranking_is_deterministic(seed_index: citeqa.Index) -> None:
    runs = [seed_index.search("Japan UK defence", k=20) for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]
    scores = [(-h.score, h.chunk_id) for h in runs[0]]
    assert scores == sorted(scores)


def test_answer_names_the_minister_and_cites_it(seed_index: citeqa.Index) -> None:
    answer = seed_index.ask(MINISTER)
    assert not answer.abstained
    assert "Nakatani" in answer.text.split("[1]")[0], "the first sentence should name him"
    assert "[1]" in answer.text
    assert any("Nakatani" in c.quote for c in answer.citations)
    for c in answer.citations:
        text = (seed_index.corpus / c.source).read_text(encoding="utf-8")
        assert text[c.start:c.end] == c.quote


def test_near_miss_name_question_abstains(seed_index: citeqa.Index) -> None:
    # The closest sentence names a group (ISIL) and capitalised common words, not people.
    answer = seed_index.ask("What were the names of the two Japanese hostages threatened by ISIL?")
    assert answer.abstained


def test_off_topic_question_abstains(seed_index: citeqa.Index) -> None:
    answer = seed_index.ask("What is the population of Japan?")
    assert answer.abstained
    assert answer.citations, "an abstention still lists the closest passages"


def test_no_op_rebuild(seed_corpus: Path, seed_index_dir: Path) -> None:
    before = (seed_index_dir / "manifest.json").read_bytes()
    again = citeqa.Index.build(seed_corpus, seed_index_dir)
    assert again.report is not None and not again.report.rebuilt
    assert (seed_index_dir / "manifest.json").read_bytes() == before


def test_a_refresh_embeds_only_the_new_chunks(tmp_path: Path) -> None:
    # Chunks of files with word names and headings are embedded with a context line ("ships
    # guide > Harbours"); a refresh must find their old vectors all the same.
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "ships_guide.md").write_text(
        "# Harbours\n\nThe harbour at Kobe has four piers.\n\n# Docks\n\nDry docks hold "
        "two ships.\n", encoding="utf-8")
    (corpus / "crew notes.txt").write_text("The crew sails at dawn.\n", encoding="utf-8")
    first = citeqa.Index.build(corpus, index_dir)
    assert first.report is not None and first.report.embedded == first.report.chunks
    (corpus / "weather.txt").write_text("Storms close the harbour in winter.\n",
                                        encoding="utf-8")
    again = citeqa.Index.build(corpus, index_dir)
    assert again.report is not None
    assert again.report.reused == first.report.chunks
    assert again.report.embedded == again.report.chunks - first.report.chunks


def test_an_index_read_by_other_reading_code_is_read_again(tmp_path: Path) -> None:
    # As after a citeqa upgrade that parses files differently: the refresh reads the corpus
    # again and reuses every vector whose chunk is unchanged.
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "notes.txt").write_text("The crew sails at dawn.\n", encoding="utf-8")
    first = citeqa.Index.build(corpus, index_dir)
    assert first.report is not None and first.report.rebuilt
    assert not citeqa.Index.build(corpus, index_dir).report.rebuilt   # type: ignore[union-attr]
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["reader"] == reader_fingerprint()
    manifest["reader"] = "0" * 16
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    again = citeqa.Index.build(corpus, index_dir)
    assert again.report is not None and again.report.rebuilt
    assert again.report.embedded == 0 and again.report.reused == first.report.chunks
    assert json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))["reader"] == \
        reader_fingerprint()


def test_stale_index_is_detected(tmp_path: Path, seed_corpus: Path, seed_index_dir: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(seed_corpus, corpus)
    citeqa.Index.build(corpus, index_dir)
    (corpus / "new.md").write_text("# Added\nA new note about Japan.\n", encoding="utf-8")
    with pytest.raises(citeqa.StaleIndexError, match="1 added"):
        citeqa.Index.open(index_dir)
    stale = citeqa.Index.open(index_dir, allow_stale=True)
    assert stale.ask(MINISTER).stale
    (corpus / "new.md").unlink()
    assert not citeqa.Index.open(index_dir).changes
    seed = next(corpus.glob("*.txt"))
    seed.write_text(seed.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    with pytest.raises(citeqa.StaleIndexError, match="1 changed"):
        citeqa.Index.open(index_dir)
    rebuilt = citeqa.Index.build(corpus, index_dir)
    assert rebuilt.report is not None and rebuilt.report.rebuilt
    assert rebuilt.report.reused > 0, "unchanged chunks reuse their embeddings"
    seed.unlink()
    with pytest.raises(citeqa.StaleIndexError, match="1 removed"):
        citeqa.Index.open(index_dir)


def test_query_path_does_not_import_torch(seed_index_dir: Path) -> None:
    code = ("import sys, citeqa; i = citeqa.Index.open(sys.argv[1]); i.ask('Who met in London?');"
            "i.search('Meteor'); print(sorted(m for m in ('torch', 'sentence_transformers', "
            "'transformers', 'langchain_text_splitters') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(seed_index_dir)], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_query_embeddings_agree_with_sentence_transformers(seed_index: citeqa.Index) -> None:
    """The default index's encoder (int8 weights) against the model itself: within the cosine
    the quantizer promises (the float export's own check is in test_embedding.py)."""
    from citeqa.embedding import load_sentence_transformer
    from citeqa.quantize import MIN_COSINE

    assert seed_index.settings.encoder_precision == "int8"
    sentences = ["Who was Japan's defence minister at the meeting?", "Gyroscopes for missiles.",
                 "日本の防衛", "a" * 3000, "Mitsubishi Heavy Industries Ltd. can export seeker gyro."]
    reference = load_sentence_transformer().encode(sentences, normalize_embeddings=True)
    ours = seed_index.encoder.encode(sentences)
    cosines = (reference * ours).sum(axis=1)
    assert cosines.min() >= MIN_COSINE
