"""The encoder export against the model it comes from: whole texts, texts batched or alone, and
sentences pooled from their text's forward pass."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from citeqa import exports
from citeqa.embedding import OnnxEncoder, load_sentence_transformer

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def encoder() -> OnnxEncoder:
    path, _ = exports.cached_export()
    return OnnxEncoder(path, threads=1)


@pytest.fixture(scope="module")
def reference() -> object:
    return load_sentence_transformer()


def _lines(corpus: Path, n: int = 40) -> list[str]:
    """Real sentences of the seed corpus (one a line there), long and short."""
    found = []
    for path in sorted(corpus.rglob("*")):
        if path.is_file():
            found += [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                      if len(line.strip()) > 40]
    return found[:n]


def _passages(corpus: Path, n: int = 8,
              per: int = 3) -> tuple[list[str], list[list[tuple[int, int]]]]:
    """Passages of `per` consecutive lines of the seed corpus, and each line's span."""
    lines = _lines(corpus, n * per)
    texts, spans = [], []
    for lo in range(0, len(lines) - per + 1, per):
        text, rows = "", []
        for line in lines[lo:lo + per]:
            rows.append((len(text), len(text) + len(line)))
            text += line + "\n"
        texts.append(text)
        spans.append(rows)
    return texts, spans


def test_text_vectors_equal_the_models(encoder: OnnxEncoder, reference: object,
                                       seed_corpus: Path) -> None:
    texts = _lines(seed_corpus) + _passages(seed_corpus)[0]
    assert len(texts) >= 40
    expected = reference.encode(texts, normalize_embeddings=True)  # type: ignore[attr-defined]
    cosines = (expected * encoder.encode(texts, batch_size=16)).sum(axis=1)
    assert cosines.min() >= 0.9999


def test_a_text_alone_and_in_a_padded_batch_get_the_same_vector(encoder: OnnxEncoder,
                                                                seed_corpus: Path) -> None:
    texts = _lines(seed_corpus, 8) + _passages(seed_corpus, 8)[0]
    batched = encoder.encode(texts, batch_size=16)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert float((batched * alone).sum(axis=1).min()) >= 0.9999


def test_sentence_vectors_are_span_means_of_the_texts_token_states(
        encoder: OnnxEncoder, reference: object, seed_corpus: Path) -> None:
    """Against the model's own token states, averaged over the tokens each sentence's
    characters overlap; a span of spaces only gets its text's vector."""
    texts, spans = _passages(seed_corpus)
    assert len(texts) >= 6
    texts[0] += "   "
    spans[0].append((len(texts[0]) - 3, len(texts[0])))
    vectors, pooled = encoder.encode_with_spans(texts, spans, batch_size=4, workers=2)
    tok = reference.tokenizer  # type: ignore[attr-defined]
    states = reference.encode(texts, output_value="token_embeddings")  # type: ignore[attr-defined]
    cosines = []
    for text, text_spans, got, hidden in zip(texts, spans, pooled, states, strict=True):
        offsets = tok(text, return_offsets_mapping=True)["offset_mapping"]
        hidden = hidden.numpy()
        for (s, e), vector in zip(text_spans, got, strict=True):
            rows = [i for i, (a, b) in enumerate(offsets) if b > a and b > s and a < e]
            if not rows:
                continue
            mean = hidden[rows].mean(axis=0)
            cosines.append(float(vector @ mean / np.linalg.norm(mean)))
    assert len(cosines) == sum(len(s) for s in spans) - 1
    assert min(cosines) >= 0.9999
    assert np.allclose(pooled[0][-1], vectors[0])
    assert np.allclose(np.linalg.norm(np.concatenate(pooled), axis=1), 1, atol=1e-5)


def test_batches_run_on_the_same_threads_call_after_call(seed_corpus: Path) -> None:
    """A build embeds group after group with one encoder: its worker threads are made once
    and kept (new threads per call made the build's memory grow with the corpus)."""
    path, _ = exports.cached_export()
    encoder = OnnxEncoder(path, threads=1)
    texts = _lines(seed_corpus)

    def workers() -> set[int]:
        return {t.ident or 0 for t in threading.enumerate() if t.name.startswith("citeqa-embed")}

    others = workers()   # other encoders' threads
    first = encoder.encode(texts, batch_size=4, workers=2)
    made = workers() - others
    assert len(made) == 2
    again = encoder.encode(texts, batch_size=4, workers=2)
    assert workers() - others == made
    encoder.close()
    assert not workers() - others          # closed: its threads are gone
    assert np.array_equal(first, again)
    alone = OnnxEncoder(path, threads=1).encode(texts, batch_size=4)
    assert np.allclose(first, alone, atol=1e-5)
