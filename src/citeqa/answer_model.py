"""The learned answer model: cheap features of an answer that the sentence scorer of
`answering` composed, and a logistic scorer that turns them into the probability that the
answer is right, mapped through an isotonic calibration fitted out of fold. Both are read
from `models/answer_model.json` and evaluated with numpy (no pickle, no scikit-learn at query
time); `eval/train_answer_model.py` writes the file.

The model only decides about answers that have passed the hand-set gates of `answering`
(score floor, answer type, near misses, off-topic questions): it can withhold an answer, never
give one those gates refused.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .antonyms import antonyms
from .calibration import Calibration
from .errors import ModelError

MODEL_FORMAT = 2
KINDS = ("name", "date", "quantity", "money", "acronym")
MISSING_RANK = 100          # the rank given to a passage outside a retriever's candidates
# Words that say what kind of answer is wanted rather than what it is about; they are left
# out of the question's terms when asking whether the corpus holds the question's subject.
FRAME_WORDS = ("name names named call called year years date day month time many much number "
               "kind type mean means meaning happen happened happens example examples term "
               "percentage long far old big large often first last").split()

ANSWER_FEATURES = (
    "best_score", "score_gap", "best_cosine", "max_cosine", "best_overlap", "best_idf",
    "context_idf", "passage_missing", "names_missing", "absent_weight", "focus_absent",
    "typed", "best_offers", "top_agree", "top_bm25_rank", "top_dense_rank", "negation_unmatched",
    "sentences", *(f"kind_{k}" for k in KINDS),
    "order_unmatched", "missing_name_weight", "missing_terms", "opposite_held", "number_absent",
)
# The negations that mark SQuAD's unanswerable questions: those whose questions on the training
# articles are at least 75% unanswerable, over 10 questions or more ("no" 65%, "without" 67%:
# they are as often part of the thing asked about, "without force", "no longer").
_NEGATION = re.compile(r"\b(?:not|never|cannot)\b|n[’']t\b", re.I)
# Words that pick one of several things by order or extent: a sentence about the first of
# something does not answer a question about the last ("the smallest", "before 1900").
_ORDER = re.compile(r"\b(?:first|last|most|least|largest|smallest|highest|lowest|biggest|"
                    r"greatest|earliest|latest|oldest|youngest|longest|shortest|fewest|"
                    r"before|after|only)\b", re.I)
_DIGITS = r"\b\d[\d,.]*\b"                       # "1756", "1,200", "3.5", "7"
_NAMED = re.compile(r"\b[A-Z][\w’'-]*|" + _DIGITS)
_NUMBER = re.compile(_DIGITS)
_CAPITAL = re.compile(r"\b[A-Z][\w’'-]*")
_WORD = re.compile(r"[^\W\d_](?:[\w’'-]*(?<!_))?")   # "_Black_" reads "Black"
_INFLECTIONS = ("'s", "’s", "s", "es", "ed", "d", "ing")


def word_forms(word: str) -> set[str]:
    """A lower-cased word and what it may be inflected from: "processes" gives "process",
    "docked" gives "dock", "studies" gives "study". Two words meet when their forms do;
    "capital" and "capitalization" (one stem in BM25's tokenizer) do not."""
    word = word.lower()
    forms = {word}
    for suffix in _INFLECTIONS:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            forms.add(word[:-len(suffix)])
    if word.endswith("ies") and len(word) > 4:
        forms.add(word[:-3] + "y")
    return forms


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
    focus_absent: bool          # a capitalised word of the question (not its first) is in no
                                # chunk, nor anything spelled nearly like it
    frame: frozenset[str]       # terms that only say what kind of answer is wanted
    named: np.ndarray           # bool: the term comes from a capitalised word or a number
    negated: bool               # the question holds a negation (not, never, n't, ...)
    words: frozenset[str] = frozenset()   # its content words' `word_forms`
    order: frozenset[str] = frozenset()   # its `_ORDER` words, lower-cased
    # content term -> the terms of its word's antonyms ("increas" -> {"decreas"})
    opposites: Mapping[str, frozenset[str]] = field(default_factory=dict)
    number_absent: bool = False          # it holds a number that no chunk holds
    # terms the corpus holds only in the plural, where the stemmer kept the "s" ("PPPs",
    # "GPUs": Snowball strips it only after a vowel that is not right before it)
    plural_only: frozenset[str] = frozenset()

    @property
    def found(self) -> np.ndarray:
        """The weights of the terms the corpus holds, 0 for the others: coverage is a share of
        these, since a term found nowhere is a word the documents do not use (often just a
        paraphrase), which the model weighs on its own (`absent_weight`)."""
        return np.where(self.present, self.weight, 0.0)

    @property
    def content(self) -> np.ndarray:
        """Which of the terms are about the question's subject: all but the words that only
        say what kind of answer is wanted ("name", "year", "how many")."""
        return np.array([t not in self.frame for t in self.terms], dtype=bool)

    @property
    def subject_absent(self) -> bool:
        """No content term of the question occurs in the corpus: it is about something else."""
        content = self.content
        held = [p or t in self.plural_only for t, p in zip(self.terms, self.present, strict=True)]
        return bool(content.any() and not (content & held).any())

    def content_held(self, held: np.ndarray) -> int:
        """How many of the question's content terms `held` marks (a mask over `terms`, as
        `passage_terms` gives)."""
        return int((self.content & held).sum())

    def mentioned_in(self, texts: Collection[str]) -> bool:
        """Whether a content word of the question occurs, as written or inflected, in one of
        `texts`: passages that share only a stem with it ("capitalization" for "capital")
        or nothing are about something else. True when the question has no content word."""
        if not self.words:
            return True
        return any(not self.words.isdisjoint(word_forms(w)) for text in texts
                   for w in set(_WORD.findall(text)))


def idf_weights(dfs: np.ndarray, n_docs: int) -> np.ndarray:
    """log(1 + (N - df + 0.5) / (df + 0.5)) over its value at df = 0: 1 for a term found
    nowhere, near 0 for one in every chunk."""
    n = max(int(n_docs), 1)
    top = math.log1p((n + 0.5) / 0.5)
    return np.log1p((n - dfs + 0.5) / (dfs + 0.5)) / top


def question_terms(question: str, tokenize: Callable[[str], list[str]], stats: TermStats
                   ) -> QuestionTerms:
    """The question's terms with their weights and presence in the corpus."""
    terms = tuple(dict.fromkeys(tokenize(question)))
    ids = [stats.vocab.get(t) for t in terms]
    dfs = np.array([int(stats.ptr[i + 1] - stats.ptr[i]) if i is not None else 0 for i in ids],
                   dtype=np.float64)
    present = np.array([i is not None for i in ids], dtype=bool)
    proper = {t for m in _CAPITAL.finditer(question) if m.start() > 0 and not m.group().isupper()
              for t in tokenize(m.group())}
    named = {t for m in _NAMED.finditer(question) if m.start() > 0 for t in tokenize(m.group())}
    frame = _frame(tokenize)
    plural_only = frozenset(t for t, p in zip(terms, present, strict=True)
                            if not p and f"{t}s" in stats.vocab)
    missing = [t for t, p in zip(terms, present, strict=True)
               if t in proper and t not in frame and not p and t not in plural_only]
    # A name misspelled ("Celeron" for "Céloron") is not missing.
    focus_absent = any(not _spelled_nearly(t, stats.vocab.keys()) for t in missing)
    # Each word of the question with its terms and the forms it may be inflected from.
    parts = [(tokenize(w), word_forms(w)) for w in _WORD.findall(question)]
    words = frozenset(f for stems, forms in parts if stems and not set(stems) & frame
                      for f in forms)
    return QuestionTerms(terms, idf_weights(dfs, stats.n_docs), present, focus_absent, frame,
                         np.array([t in named for t in terms], dtype=bool),
                         bool(_NEGATION.search(question)), words,
                         frozenset(w.lower() for w in _ORDER.findall(question)),
                         _opposites(parts, tokenize, terms, frame),
                         any(t not in stats.vocab for m in _NUMBER.finditer(question)
                             for t in tokenize(m.group())), plural_only)


def _opposites(parts: Sequence[tuple[list[str], set[str]]], tokenize: Callable[[str], list[str]],
               terms: Sequence[str], frame: frozenset[str]) -> dict[str, frozenset[str]]:
    """Each content term of the question (whose words are `parts`: terms and word forms) with
    the terms of its word's antonyms, leaving out those the question holds itself ("good or
    bad")."""
    table = antonyms()
    out: dict[str, frozenset[str]] = {}
    for word_terms, forms in parts:
        opposite = set().union(*(table.get(f, ()) for f in forms))
        if not opposite:
            continue
        stems = frozenset(tokenize(" ".join(opposite))).difference(terms)
        if not stems:
            continue
        for t in word_terms:
            if t not in frame:
                out[t] = out.get(t, frozenset()) | stems
    return out


def _spelled_nearly(term: str, vocabulary: Iterable[str]) -> bool:
    """Whether a term of the corpus is at most one edit (two from six letters on) from
    `term`; a transposition is one edit ("Ghandi", "Gandhi"). The vocabulary is scanned as
    it is, not copied (a million terms take 12 ms to list)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    edits = 1 if len(term) <= 5 else 2
    return process.extractOne(term, vocabulary, scorer=OSA.distance,
                              score_cutoff=edits) is not None


@lru_cache(maxsize=8)
def _frame(tokenize: Callable[[str], list[str]]) -> frozenset[str]:
    """FRAME_WORDS as `tokenize` makes them (once per tokenizer, not once per question)."""
    return frozenset(tokenize(" ".join(FRAME_WORDS)))


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


def held_terms(q: QuestionTerms, words: Collection[str]) -> np.ndarray:
    """Which of the question's terms a sentence with tokens `words` holds."""
    return np.array([t in words for t in q.terms], dtype=bool)


def _rank(value: int | None) -> float:
    return math.log1p(value if value is not None else MISSING_RANK)


# ---- the answer --------------------------------------------------------------------------
@dataclass(frozen=True)
class Evidence:
    """What the answer features are read from: the candidates' hand scores and parts, the
    sentences chosen (best first), and the token sets and passage of each candidate."""

    scores: np.ndarray
    cosine: np.ndarray
    lexical: np.ndarray
    offered: np.ndarray
    kind: str | None
    chosen: Sequence[int]
    tokens: Sequence[Collection[str]]
    neighbours: Sequence[Sequence[int]]   # per candidate, the candidates beside it in its passage
    chunk: int                            # passage of the best chosen sentence
    text: str                             # text of the best chosen sentence
    bm25_rank: int | None                 # of the best passage
    dense_rank: int | None


def answer_features(q: QuestionTerms, e: Evidence, stats: TermStats) -> np.ndarray:
    """ANSWER_FEATURES of an answer made of `e.chosen` (non-empty)."""
    x = dict.fromkeys(ANSWER_FEATURES, 0.0)
    b = int(e.chosen[0])
    rest = np.delete(e.scores, b)
    total = float(q.found.sum())
    sentence = held_terms(q, e.tokens[b])
    words = set(e.tokens[b]).union(*(e.tokens[n] for n in e.neighbours[b]))
    context = held_terms(q, words)                 # held by the sentence or a neighbour
    passage = passage_terms(q, stats, e.chunk)
    # Found terms of the question's subject that the answer's sentence and its neighbours
    # lack: a name or number swapped for another is one heavy missing term.
    missing = q.present & ~context & q.content
    if total > 0:
        x.update(best_idf=float(q.found[sentence].sum()) / total,
                 context_idf=float(q.found[context].sum()) / total,
                 passage_missing=float(q.found[~passage].sum()) / total)
    if q.terms:
        absent = ~q.present
        x["absent_weight"] = float(q.weight[absent].sum() / max(float(q.weight.sum()), 1e-9))
    x.update(best_score=float(e.scores[b]),
             score_gap=float(e.scores[b] - rest.max()) if len(rest) else 1.0,
             best_cosine=float(e.cosine[b]), max_cosine=float(e.cosine.max()),
             best_overlap=float(e.lexical[b]),
             names_missing=float((q.named & q.present & ~passage).sum()),
             focus_absent=float(q.focus_absent), typed=float(e.kind is not None),
             best_offers=float(e.kind is not None and bool(e.offered[b])),
             top_agree=float(e.bm25_rank == 1 and e.dense_rank == 1),
             top_bm25_rank=_rank(e.bm25_rank), top_dense_rank=_rank(e.dense_rank),
             negation_unmatched=float(q.negated and not _NEGATION.search(e.text)),
             sentences=float(len(e.chosen)),
             order_unmatched=float(bool(q.order) and q.order.isdisjoint(
                 w.lower() for w in _WORD.findall(e.text))),
             missing_name_weight=float(q.weight[missing & q.named].max(initial=0.0)),
             missing_terms=float(missing.sum()),
             number_absent=float(q.number_absent),
             opposite_held=float(any(t not in words and not opposite.isdisjoint(words)
                                     for t, opposite in q.opposites.items())))
    if e.kind in KINDS:
        x[f"kind_{e.kind}"] = 1.0
    return np.array([x[name] for name in ANSWER_FEATURES], dtype=np.float64)


# ---- the scorer --------------------------------------------------------------------------
@dataclass(frozen=True)
class Scorer:
    """A logistic regression over standardised features: the columns `features` of a table
    whose columns are `names`; `prob(X)` is the probability for each row of X."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    names: tuple[str, ...] = ANSWER_FEATURES

    def logit(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        x = x[:, [self.names.index(f) for f in self.features]]
        return np.asarray(((x - self.mean) / self.scale) @ self.coef + self.intercept)

    def prob(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-self.logit(x))))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "logistic", "features": list(self.features),
                "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], names: Sequence[str] = ANSWER_FEATURES
                  ) -> Scorer:
        """The scorer stored as `data`; each of its features must be one of `names`."""
        if data.get("kind") != "logistic":
            raise ValueError(f"unknown scorer kind {data.get('kind')!r}")
        unknown = [f for f in data["features"] if f not in names]
        if unknown:
            raise ValueError(f"its features {unknown} are not ones this version computes")
        mean, scale, coef = (np.array(data[k], dtype=np.float64) for k in ("mean", "scale", "coef"))
        if any(a.shape != (len(data["features"]),) for a in (mean, scale, coef)) \
                or np.any(scale <= 0):
            raise ValueError("mean, scale and coef need one value per feature, scales > 0")
        return cls(tuple(data["features"]), mean, scale, coef, float(data["intercept"]),
                   tuple(names))


@dataclass(frozen=True)
class AnswerModel:
    """The answer scorer, its calibration, and the abstention threshold (a calibrated
    probability) chosen for precision when the model was trained."""

    answer: Scorer
    calibration: Calibration
    abstain_below: float
    info: Mapping[str, Any]

    def confidence(self, features: np.ndarray) -> float:
        """The calibrated probability that the answer with these features is right."""
        return float(self.calibration(self.answer.prob(features))[0])

    def to_dict(self) -> dict[str, Any]:
        return {"format": MODEL_FORMAT, "answer": self.answer.to_dict(),
                "calibration": self.calibration.to_dict(), "abstain_below": self.abstain_below,
                "training": dict(self.info)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnswerModel:
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"answer model format {data.get('format')!r}, expected {MODEL_FORMAT}")
        return cls(Scorer.from_dict(data["answer"]), Calibration.from_dict(data["calibration"]),
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
