"""A chunk is indexed with its file's words and heading path: found by them, never quoting them."""

from __future__ import annotations

from pathlib import Path

import pytest

from citeqa.context import context_line, name_words
from citeqa.settings import BuildSettings


@pytest.mark.parametrize("source, words", [
    ("integrations/github_actions.md", ["integrations", "github actions"]),
    ("1973_oil_crisis.txt", ["1973 oil crisis"]),
    ("000_481b1a0d08652fd3.txt", []),
    ("gzip/NEWS", ["gzip", "NEWS"]),
    ("R-FAQ.pdf", ["R FAQ"]),
    ("v2/notes-2024.md", ["notes 2024"]),
])
def test_name_words_keep_what_reads_as_words(source: str, words: list[str]) -> None:
    assert name_words(source) == words


def test_the_context_line_joins_file_words_and_heading_path() -> None:
    assert context_line("docs/install.md", "Install > Linux") == "docs > install > Install > Linux"
    assert context_line("000_481b1a0d08652fd3.txt", None) == ""


def test_an_index_that_predates_the_setting_was_built_without_it() -> None:
    assert BuildSettings.from_dict({}).chunk_context is False
    assert BuildSettings().chunk_context is True
    assert BuildSettings.from_dict(BuildSettings().to_dict()) == BuildSettings()


@pytest.mark.model
def test_a_passage_is_found_by_its_file_name_and_heading(tmp_path: Path) -> None:
    import citeqa

    corpus = tmp_path / "corpus"
    (corpus / "integrations").mkdir(parents=True)
    body = "You can pass extra arguments with the options input; it defaults to check and diff.\n"
    (corpus / "integrations" / "workflow_runner.md").write_text(
        "# Setup\n\n" + body, encoding="utf-8")
    (corpus / "other.md").write_text(
        "# Notes\n\nThe editor plugin is configured in its settings file.\n", encoding="utf-8")
    for n, topic in enumerate(["tea and its brewing", "rivers of the north", "old maps"]):
        (corpus / f"filler{n}.txt").write_text(f"A short note about {topic}.\n", encoding="utf-8")
    question = "How is the workflow runner configured?"
    found = {}
    for on in (True, False):
        index = citeqa.Index.build(corpus, tmp_path / f"index-{on}",
                                   BuildSettings(chunk_context=on))
        hits = index.search(question, k=2, mode="bm25")
        found[on] = [h.source for h in hits]
        text = index.text("integrations/workflow_runner.md")
        for hit in hits:  # the context line is indexed, never part of a passage or its offsets
            assert index.text(hit.source)[hit.start:hit.end] == hit.text
        assert "workflow runner" not in text
    assert found[True][0] == "integrations/workflow_runner.md"
    assert found[False][0] == "other.md"
