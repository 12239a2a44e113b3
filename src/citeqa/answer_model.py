"""The learned answer model: cheap features of each candidate sentence and of an answer as a
whole, and the model that turns them into probabilities, evaluated with numpy from the
coefficients or trees stored in `models/answer_model.json` (no pickle, no scikit-learn).

Two scorers: the sentence scorer estimates whether a sentence holds the answer, and picks
the answer's sentences; the answer scorer estimates whether the answer it composed is right,
from the sentence scores and from question-level signals (how much of the question the corpus
holds at all, whether the two retrievers agree). Its probability, mapped through an isotonic
calibration fitted on questions the scorers were not fitted on, is `Answer.confidence`.
`eval/train_answer_model.py` writes the file.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .answer_types import expected_type, lowercase_words, offers
from .calibration import Calibration
from .errors import ModelError

if TYPE_CHECKING:
    from .answering import Sentence

MODEL_FORMAT = 1
KINDS = ("name", "date", "quantity", "money", "acronym", "place")
MISSING_RANK = 100          # the rank given to a passage outside a retriever's candidates
# Words that say what kind of answer is wanted rather than what it is about; they are left
# out of the question's terms when asking whether the corpus holds the question's subject.
FRAME_WORDS = ("name names named call called year years date day month time many much number "
               "kind type mean means meaning happen happened happens example examples term "
               "percentage long far old big large often first last").split()

SENTENCE_FEATURES = (
    "cosine", "cosine_gap", "cosine_rank", "overlap", "idf_overlap", "idf_overlap_gap",
    "context_idf_overlap", "missing_idf", "typed_offers", "typed_lacks", "heading", "new_share",
    "length", "passage_rank", "passage_gap", "bm25_rank", "dense_rank", "passage_coverage",
    "position", "cosine_x_idf", "bigram_overlap", "context_cosine",
)
ANSWER_FEATURES = (
    "best_logit", "second_logit", "logit_gap", "prob_entropy", "best_cosine", "max_cosine",
    "best_idf_overlap", "best_context_idf", "best_missing_idf", "max_idf_overlap",
    "passage_missing", "passage_missing_max", "names_missing", "negation", "negation_unmatched",
    "typed", "best_offers", "near_offers", "absent_share", "absent_weight", "focus_absent",
    "terms", "top_agree", "top_bm25_rank", "top_dense_rank", "top_coverage",
    "best_passage_rank", "chosen", *(f"kind_{k}" for k in KINDS),
)
_CLOSED = re.compile(r"[.!?:;”\"’')\]]$")
_NEGATION = re.compile(r"\b(?:not|never|no|none|neither|nor|without|cannot)\b|n[’']t\b", re.I)
_NAMED = re.compile(r"\b[A-Z][\w’'-]*|\b\d[\d,.]*\b")
_CAPITAL = re.compile(r"\b[A-Z][\w’'-]*")


class TermStats(Protocol):
    """Document frequencies of the indexed terms (`lexical.BM25` is one): term t occurs in
    chunks `docs[ptr[t]:ptr[t+1]]`, sorted."""

    vocab: dict[str, int]
    ptr: np.ndarray
    docs: np.ndarray
    n_docs: int


# ---- the question ------------------------------------------------------------------------
@dataclass(frozen=True)
class QuestionTerms:
    """The question's distinct terms, their weights (idf over the chunks, scaled so that a
    term in no chunk weighs 1), and which of them the corpus holds."""

    terms: tuple[str, ...]
    weight: np.ndarray
    present: np.ndarray
    focus_absent: bool          # a capitalised word of the question is in no chunk
    frame: frozenset[str]       # terms that only say what kind of answer is wanted
    named: np.ndarray           # bool: the term comes from a capitalised word or a number
    negated: bool               # the question holds a negation (not, never, n't, ...)
    terms_in_order: tuple[str, ...] = ()   # every term, repeats kept (for word pairs)

    @property
    def found(self) -> np.ndarray:
        """The weights of the terms the corpus holds, 0 for the others: overlaps are shares of
        these, since a term found nowhere is a word the documents do not use (often just a
        paraphrase), which the answer model weighs on its own (`absent_weight`)."""
        return np.where(self.present, self.weight, 0.0)

    @property
    def subject_absent(self) -> bool:
        """No term of the question, other than words that only say what kind of answer is
        wanted ("name", "year", "how many"), occurs in the corpus: it is about something else."""
        content = [t not in self.frame for t in self.terms]
        return any(content) and not any(c and p for c, p in zip(content, self.present,
                                                                strict=True))


def idf_weights(dfs: np.ndarray, n_docs: int) -> np.ndarray:
    """log(1 + (N - df + 0.5) / (df + 0.5)) over its value at df = 0: 1 for a term found
    nowhere, near 0 for one in every chunk."""
    n = max(int(n_docs), 1)
    top = math.log1p((n + 0.5) / 0.5)
    return np.log1p((n - dfs + 0.5) / (dfs + 0.5)) / top


def question_terms(question: str, tokenize: Callable[[str], list[str]], stats: TermStats
                   ) -> QuestionTerms:
    """The question's terms with their weights and presence in the corpus."""
    in_order = tuple(tokenize(question))
    terms = tuple(dict.fromkeys(in_order))
    ids = [stats.vocab.get(t) for t in terms]
    dfs = np.array([int(stats.ptr[i + 1] - stats.ptr[i]) if i is not None else 0 for i in ids],
                   dtype=np.float64)
    present = np.array([i is not None for i in ids], dtype=bool)
    proper = {t for m in _CAPITAL.finditer(question) if m.start() > 0 and not m.group().isupper()
              for t in tokenize(m.group())}
    named = {t for m in _NAMED.finditer(question) if m.start() > 0 for t in tokenize(m.group())}
    frame = frozenset(tokenize(" ".join(FRAME_WORDS)))
    focus_absent = any(t in proper and t not in frame and not p for t, p in zip(terms, present,
                                                                                 strict=True))
    return QuestionTerms(terms, idf_weights(dfs, stats.n_docs), present, focus_absent, frame,
                         np.array([t in named for t in terms], dtype=bool),
                         bool(_NEGATION.search(question)), in_order)


def passage_terms(q: QuestionTerms, stats: TermStats, chunk: int) -> np.ndarray:
    """Which of the question's terms chunk `chunk` holds (read from the postings)."""
    held = np.zeros(len(q.terms), dtype=bool)
    for j, term in enumerate(q.terms):
        t = stats.vocab.get(term)
        if t is None:
            continue
        posting = stats.docs[stats.ptr[t]:stats.ptr[t + 1]]
        i = int(np.searchsorted(posting, chunk))
        held[j] = i < len(posting) and int(posting[i]) == chunk
    return held


def passage_coverage(q: QuestionTerms, stats: TermStats, chunk: int) -> float:
    """The weighted share of the question's terms found in the corpus that chunk `chunk`
    holds."""
    total = float(q.found.sum())
    return float(q.found[passage_terms(q, stats, chunk)].sum()) / total if total > 0 else 0.0


# ---- candidate sentences -----------------------------------------------------------------
@dataclass(frozen=True)
class SentenceBatch:
    """The features of a question's candidate sentences (one row each) and whether each
    offers the kind of answer asked for."""

    kind: str | None
    features: np.ndarray        # (n, len(SENTENCE_FEATURES))
    offered: np.ndarray         # bool (n,)
    common: frozenset[str]      # words the candidate passages write in lower case

    def column(self, name: str) -> np.ndarray:
        return self.features[:, SENTENCE_FEATURES.index(name)]


def is_heading(text: str, kind: str = "paragraph") -> bool:
    """A heading, a question, or a line with no closing punctuation (a title, caption or
    address) is seldom an answer."""
    text = text.rstrip()
    return kind == "heading" or text.endswith("?") or not _CLOSED.search(text)


def _rank(value: int | None) -> float:
    return math.log1p(value if value is not None else MISSING_RANK)


def sentence_features(question: str, q: QuestionTerms, vector: np.ndarray,
                      sentences: Sequence[Sentence], vectors: np.ndarray,
                      tokenize: Callable[[str], list[str]], stats: TermStats) -> SentenceBatch:
    """One row of SENTENCE_FEATURES per candidate sentence."""
    kind = expected_type(question)
    n = len(sentences)
    common = frozenset(lowercase_words({s.hit.chunk_id: s.hit.text for s in sentences}.values()))
    if n == 0:
        return SentenceBatch(kind, np.zeros((0, len(SENTENCE_FEATURES))), np.zeros(0, bool),
                             common)
    stored = np.asarray(vectors[[s.row for s in sentences]], dtype=np.float32)
    cosine = (stored @ np.asarray(vector, dtype=np.float32)).astype(np.float64)
    tokens = [tokenize(s.text) for s in sentences]
    sets = [set(t) for t in tokens]
    index = {t: i for i, t in enumerate(q.terms)}
    total = float(q.found.sum()) or 1.0
    held = np.zeros((n, len(q.terms)), dtype=bool)
    for r, words in enumerate(sets):
        for t in words & index.keys():
            held[r, index[t]] = True
    context = held.copy()
    near = np.full(n, -1.0)
    for r, s in enumerate(sentences):         # a sentence with its neighbours in its passage
        for other in (r - 1, r + 1):
            if 0 <= other < n and sentences[other].hit.chunk_id == s.hit.chunk_id \
                    and abs(sentences[other].row - s.row) == 1:
                context[r] |= held[other]
                near[r] = max(near[r], cosine[other])
    q_pairs = set(zip(q.terms_in_order, q.terms_in_order[1:], strict=False))
    bigrams = np.array([len(q_pairs & set(zip(t, t[1:], strict=False))) / len(q_pairs) if q_pairs else 0.0
                        for t in tokens])
    share = held.sum(axis=1) / max(int(q.present.sum()), 1)
    idf_share = held @ q.found / total
    ctx_share = context @ q.found / total
    missing = np.where(context, 0.0, q.found[None, :]).max(axis=1) if q.terms else np.zeros(n)
    offered = np.array([offers(kind, question, s.text, common) for s in sentences], dtype=bool)
    typed = kind is not None
    hits = list(dict.fromkeys(s.hit.chunk_id for s in sentences))
    hit_rank = {c: i + 1 for i, c in enumerate(hits)}
    top_score = sentences[0].hit.score
    coverage = {c: passage_coverage(q, stats, c) for c in hits}
    order = np.argsort(-cosine, kind="stable")
    cos_rank = np.empty(n)
    cos_rank[order] = np.arange(n)
    position: dict[int, int] = {}
    rows = []
    for r, s in enumerate(sentences):
        pos = position.get(s.hit.chunk_id, 0)
        position[s.hit.chunk_id] = pos + 1
        new = sum(t not in index for t in tokens[r]) / len(tokens[r]) if tokens[r] else 0.0
        rows.append((
            cosine[r], cosine[r] - cosine.max(), math.log1p(cos_rank[r]), share[r], idf_share[r],
            idf_share[r] - idf_share.max(), ctx_share[r], missing[r],
            float(typed and offered[r]), float(typed and not offered[r]),
            float(is_heading(s.text, s.kind)), new, math.log1p(len(tokens[r])),
            math.log(hit_rank[s.hit.chunk_id]), s.hit.score - top_score,
            _rank(s.hit.bm25_rank), _rank(s.hit.dense_rank), coverage[s.hit.chunk_id],
            math.log1p(pos), cosine[r] * idf_share[r], bigrams[r],
            near[r] if near[r] > -1 else cosine[r]))
    return SentenceBatch(kind, np.array(rows, dtype=np.float64), offered, common)


# ---- the answer --------------------------------------------------------------------------
def logit(p: np.ndarray | float) -> np.ndarray:
    """log(p / (1 - p)), with p kept inside [1e-6, 1 - 1e-6]."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def answer_features(q: QuestionTerms, batch: SentenceBatch, probs: np.ndarray,
                    chosen: Sequence[int], top_hit: Any, sentences: Sequence[Sentence],
                    stats: TermStats) -> np.ndarray:
    """ANSWER_FEATURES of the answer made of sentences `chosen` (best first) among the
    candidates `sentences`; `probs` are the sentence scorer's, `top_hit` the best passage
    (None when there is none)."""
    x = dict.fromkeys(ANSWER_FEATURES, 0.0)
    order = np.argsort(-probs, kind="stable") if len(probs) else np.zeros(0, dtype=int)
    x["negation"] = float(q.negated)
    if len(order):
        b = int(chosen[0]) if chosen else int(order[0])
        second = probs[order[1]] if len(order) > 1 else 0.0
        share = probs / max(float(probs.sum()), 1e-9)
        held = passage_terms(q, stats, sentences[b].hit.chunk_id)
        total = max(float(q.found.sum()), 1e-9)
        x.update(prob_entropy=float(-(share * np.log(share + 1e-12)).sum()),
                 passage_missing=float(q.found[~held].sum()) / total,
                 passage_missing_max=float(q.found[~held].max(initial=0.0)),
                 names_missing=float((q.named & q.present & ~held).sum()),
                 negation_unmatched=float(q.negated and not _NEGATION.search(sentences[b].text)))
        x.update(best_logit=float(logit(probs[b])), second_logit=float(logit(second)),
                 logit_gap=float(logit(probs[b]) - logit(second)),
                 best_cosine=batch.column("cosine")[b], max_cosine=batch.column("cosine").max(),
                 best_idf_overlap=batch.column("idf_overlap")[b],
                 best_context_idf=batch.column("context_idf_overlap")[b],
                 best_missing_idf=batch.column("missing_idf")[b],
                 max_idf_overlap=batch.column("idf_overlap").max(),
                 best_offers=batch.column("typed_offers")[b],
                 near_offers=float(batch.column("typed_offers")[order[:3]].max()),
                 best_passage_rank=batch.column("passage_rank")[b])
    if q.terms:
        absent = ~q.present
        x.update(absent_share=float(absent.mean()),
                 absent_weight=float(q.weight[absent].sum() / max(q.weight.sum(), 1e-9)))
    x.update(typed=float(batch.kind is not None), focus_absent=float(q.focus_absent),
             terms=math.log1p(len(q.terms)), chosen=float(len(chosen)))
    if top_hit is not None:
        x.update(top_agree=float(top_hit.bm25_rank == 1 and top_hit.dense_rank == 1),
                 top_bm25_rank=_rank(top_hit.bm25_rank), top_dense_rank=_rank(top_hit.dense_rank))
        if len(order):
            x["top_coverage"] = float(batch.column("passage_coverage")[0])
    if batch.kind is not None:
        x[f"kind_{batch.kind}"] = 1.0
    return np.array([x[name] for name in ANSWER_FEATURES], dtype=np.float64)


# ---- scorers -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Scorer:
    """A logistic regression over standardised features, or a sum of regression trees
    (gradient boosting) plus a constant, over the columns `features` of a feature table whose
    columns are `names`; `logit(X)` is the log-odds for each row of X."""

    features: tuple[str, ...]
    kind: str
    params: Mapping[str, Any]
    names: tuple[str, ...] = ()

    def logit(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        if self.names:
            x = x[:, [self.names.index(f) for f in self.features]]
        p = self.params
        if self.kind == "logistic":
            z = (x - p["mean"]) / p["scale"]
            return np.asarray(z @ p["coef"] + p["intercept"])
        out = np.full(x.shape[0], float(p["init"]))
        for feat, thr, left, right, value in zip(p["feature"], p["threshold"], p["left"],
                                                 p["right"], p["value"], strict=True):
            node = np.zeros(x.shape[0], dtype=np.int64)
            for _ in range(int(p["depth"])):
                f = feat[node]
                leaf = f < 0
                go_left = x[np.arange(x.shape[0]), np.where(leaf, 0, f)] <= thr[node]
                node = np.where(leaf, node, np.where(go_left, left[node], right[node]))
            out += float(p["rate"]) * value[node]
        return out

    def prob(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-self.logit(x))))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], names: Sequence[str] = ()) -> Scorer:
        """The scorer stored as `data`, reading its features from tables with columns `names`
        (when given; each feature must be one of them)."""
        unknown = [f for f in data["features"] if names and f not in names]
        if unknown:
            raise ValueError(f"its features {unknown} are not ones this version computes")
        kind = data["kind"]
        if kind == "logistic":
            params = {"mean": np.array(data["mean"], dtype=np.float64),
                      "scale": np.array(data["scale"], dtype=np.float64),
                      "coef": np.array(data["coef"], dtype=np.float64),
                      "intercept": float(data["intercept"])}
        elif kind == "trees":
            trees = data["trees"]
            params = {"init": float(data["init"]), "rate": float(data["rate"]),
                      "depth": int(data["depth"]),
                      "feature": [np.array(t["feature"], dtype=np.int64) for t in trees],
                      "threshold": [np.array(t["threshold"], dtype=np.float64) for t in trees],
                      "left": [np.array(t["left"], dtype=np.int64) for t in trees],
                      "right": [np.array(t["right"], dtype=np.int64) for t in trees],
                      "value": [np.array(t["value"], dtype=np.float64) for t in trees]}
        else:
            raise ValueError(f"unknown scorer kind {kind!r}")
        return cls(tuple(data["features"]), kind, params, tuple(names))


@dataclass(frozen=True)
class AnswerModel:
    """The two scorers, the calibration of the answer scorer and the abstention threshold
    (a calibrated probability) chosen when the model was trained."""

    sentence: Scorer
    answer: Scorer
    calibration: Calibration
    abstain_below: float
    info: Mapping[str, Any]

    def sentence_probs(self, batch: SentenceBatch) -> np.ndarray:
        if not len(batch.features):
            return np.zeros(0)
        return self.sentence.prob(batch.features)

    def confidence(self, features: np.ndarray) -> float:
        """The calibrated probability that the answer with these features is right."""
        return float(self.calibration(self.answer.prob(features))[0])

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnswerModel:
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"answer model format {data.get('format')!r}, expected {MODEL_FORMAT}")
        sentence = Scorer.from_dict(data["sentence"], SENTENCE_FEATURES)
        answer = Scorer.from_dict(data["answer"], ANSWER_FEATURES)
        return cls(sentence, answer, Calibration.from_dict(data["calibration"]),
                   float(data["abstain_below"]), data.get("training", {}))


def model_path() -> Path:
    """The packaged model file."""
    return Path(str(resources.files("citeqa") / "models" / "answer_model.json"))


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> AnswerModel:
    """The answer model at `path` (default: the packaged one), read once per process."""
    file = Path(path) if path is not None else model_path()
    try:
        return AnswerModel.from_dict(json.loads(file.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ModelError(f"the answer model {file} cannot be loaded ({err}); reinstall citeqa",
                         path=file, remedy="reinstall") from None
