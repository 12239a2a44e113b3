"""Train the answer model that `Index.ask` uses (src/citeqa/models/answer_model.json).

Deterministic: the same data and package versions give the same file. The training data never
touch a set that is reported (SQuAD's articles from "K" on, eval/questions.jsonl,
eval/sets/*.jsonl):

- SQuAD 2.0 dev, the 20 articles whose file names sort before "K", indexed together: every
  question about them ("squad").
- Off-topic questions: the answerable questions about the last 10 of those articles, asked of
  an index of the first 10 only, where their subject is absent ("squad-off-topic").
- One of those articles, Black_Death.txt, indexed alone (a small corpus, like one report):
  its SQuAD questions ("squad-one") and eval/training/black_death.jsonl, questions written for
  training in the words a reader would use (paraphrases, near misses, off-topic).
- eval/training/defusedxml.jsonl: the same kind of questions about the README of the
  `defusedxml` package, in an index of it and two other READMEs (`tabulate`,
  `threadpoolctl`), read from the installed packages' metadata.

The written questions are few, so their rows weigh `--written-weight` times a SQuAD row.

Steps:
1. The sentence scorer (does this candidate sentence hold a gold answer?) is fitted on the
   candidates of the answerable questions.
2. Five folds, each a fifth of the SQuAD articles (a written set and its article go to the
   same fold): for each, the sentence scorer is refitted without the fold and scores the
   fold's candidates; the answers composed from those out-of-fold scores are the answer
   scorer's rows (is the answer right?).
3. The answer scorer is fitted on all rows; its out-of-fold probabilities (refitted per fold)
   are calibrated by isotonic regression on the SQuAD questions, and the abstention threshold
   is the highest calibrated confidence at which abstaining on the SQuAD and written
   questions stays at least `--precision` precise (the share of abstentions that are on
   unanswerable questions).

    .venv/bin/python eval/train_answer_model.py [--squad DIR] [--work DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from citeqa import Index, QueryOptions  # noqa: E402
from citeqa.answer_model import (  # noqa: E402
    ANSWER_FEATURES,
    MODEL_FORMAT,
    SENTENCE_FEATURES,
    AnswerModel,
    QuestionTerms,
    Scorer,
    SentenceBatch,
    TermStats,
    answer_features,
    question_terms,
    sentence_features,
)
from citeqa.answering import Sentence, candidate_sentences, choose, sides  # noqa: E402
from citeqa.calibration import isotonic  # noqa: E402
from citeqa.evaluation import Question, load_questions  # noqa: E402
from citeqa.metrics import calibration_bins, contains_answer  # noqa: E402
from citeqa.parsing import plain_text  # noqa: E402

SPLIT = "K"                 # SQuAD articles sorting before this are for training
FOLDS = 5
SEED = 0
ONE_ARTICLE = "Black_Death.txt"
WRITTEN = ROOT / "eval" / "training"
# The features each scorer reads: few, each with a reason to hold beyond SQuAD (a longer list
# fitted SQuAD better and the written questions worse).
SENTENCE_USE = ("cosine", "overlap", "idf_overlap", "context_idf_overlap", "typed_offers",
                "typed_lacks", "heading")
ANSWER_USE = ("best_logit", "logit_gap", "best_cosine", "best_context_idf", "names_missing",
              "negation_unmatched", "typed", "best_offers", "focus_absent", "top_agree")
C = 1.0                     # inverse strength of the scorers' L2 penalty
# The READMEs of the docs corpus: package, version, file name.
READMES = (("defusedxml", "0.7.1", "defusedxml.txt"), ("tabulate", "0.10.0", "tabulate.md"),
           ("threadpoolctl", "3.8.0", "threadpoolctl.md"))


@dataclass
class Item:
    """One training question with its candidates' features and labels."""

    qid: str
    source: str                 # which training data it is from (see the module docstring)
    group: str                  # its SQuAD article, or the article its written set goes with
    answerable: bool
    question: str
    vector: np.ndarray
    terms: QuestionTerms
    batch: SentenceBatch
    holds: np.ndarray           # bool per candidate: holds a gold answer
    sentences: list[Sentence]
    top_hit: Any
    weight: float = 1.0


# ---- data --------------------------------------------------------------------------------
def mirror(files: dict[str, bytes], dest: Path) -> Path:
    """Make folder `dest` hold exactly `files` (name -> bytes), touching unchanged ones not."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.iterdir():
        if old.name not in files:
            old.unlink() if old.is_file() else shutil.rmtree(old)
    for name, data in files.items():
        if not (dest / name).is_file() or (dest / name).read_bytes() != data:
            (dest / name).write_bytes(data)
    return dest


def readmes() -> dict[str, bytes]:
    """The docs corpus, from the installed packages' metadata (versions checked)."""
    out = {}
    for package, version, name in READMES:
        if metadata.version(package) != version:
            raise SystemExit(f"training reads the README of {package} {version}; "
                             f"{metadata.version(package)} is installed")
        text = metadata.metadata(package).get_payload()  # type: ignore[attr-defined]
        out[name] = str(text).encode("utf-8")
    return out


def collect(index: Index, questions: Sequence[Question], source: str, options: QueryOptions,
            group_of: dict[str, str] | None = None, off_topic: bool = False,
            weight: float = 1.0) -> list[Item]:
    """Retrieve, take the candidate sentences and their features for every question."""
    vectors = index.encoder.encode([q.question for q in questions], batch_size=64)
    retriever, answerer = index.retriever, index.answerer
    items = []
    for q, vector in zip(questions, vectors, strict=True):
        hits = retriever.search(q.question, options.answer_passages, "hybrid", options,
                                index._fusion, vector)
        sentences = candidate_sentences(hits, answerer.table)
        terms = question_terms(q.question, answerer.tokenize, answerer.stats)
        batch = sentence_features(q.question, terms, vector, sentences,
                                  answerer.table.sent_vectors, answerer.tokenize, answerer.stats)
        answers = q.answers if q.answerable and not off_topic else ()
        holds = np.array([bool(answers) and contains_answer(plain_text(s.text), answers)
                          for s in sentences], dtype=bool)
        group = (group_of or {}).get(q.id) or str(q.source)
        items.append(Item(q.id, source, group, q.answerable and not off_topic, q.question,
                          vector, terms, batch, holds, sentences, hits[0] if hits else None,
                          weight))
    return items


def gather(squad: Path, work: Path, options: QueryOptions, written_weight: float
           ) -> tuple[list[Item], dict[str, TermStats], list[str]]:
    """Every training item, and the term statistics of the index each was asked of."""
    corpus = squad / "corpus"
    names = sorted(p.name for p in corpus.glob("*.txt") if p.name < SPLIT)
    later = names[len(names) // 2:]
    questions = [q for q in load_questions(squad / "questions.jsonl") if q.source in names]
    folders = {
        "squad": {n: (corpus / n).read_bytes() for n in names},
        "half": {n: (corpus / n).read_bytes() for n in names[:len(names) // 2]},
        "one": {ONE_ARTICLE: (corpus / ONE_ARTICLE).read_bytes()},
        "docs": readmes(),
    }
    indexes = {key: Index.build(mirror(files, work / key / "corpus"), work / key / "index",
                                progress=True) for key, files in folders.items()}
    stats = {key: index.answerer.stats for key, index in indexes.items()}
    bd = load_questions(WRITTEN / "black_death.jsonl")
    dx = load_questions(WRITTEN / "defusedxml.jsonl")
    items = collect(indexes["squad"], questions, "squad", options)
    items += collect(indexes["half"], [q for q in questions if q.source in later and q.answerable],
                     "squad-off-topic", options, off_topic=True)
    items += collect(indexes["one"], [q for q in questions if q.source == ONE_ARTICLE],
                     "squad-one", options)
    items += collect(indexes["one"], bd, "written-one", options,
                     {q.id: ONE_ARTICLE for q in bd}, weight=written_weight)
    items += collect(indexes["squad"], bd, "written-squad", options,
                     {q.id: ONE_ARTICLE for q in bd}, weight=written_weight)
    # The docs set goes with an article of another fold than Black_Death's.
    items += collect(indexes["docs"], dx, "written-docs", options,
                     {q.id: names[1] for q in dx}, weight=written_weight)
    for item in items:
        item.qid = f"{item.source}:{item.qid}"
    index_of = {"squad": "squad", "squad-off-topic": "half", "squad-one": "one",
                "written-one": "one", "written-squad": "squad", "written-docs": "docs"}
    return items, {src: stats[key] for src, key in index_of.items()}, names


# ---- scorers -----------------------------------------------------------------------------
def fit_scorer(x: np.ndarray, y: np.ndarray, w: np.ndarray, names: Sequence[str], kind: str,
               use: Sequence[str] | None = None, c: float = 1.0) -> dict[str, Any]:
    """A scorer fitted on rows `x` (columns `names`, of which it reads `use`) with 0/1 labels
    `y` and weights `w`, as the JSON the package reads."""
    use = list(use or names)
    x = x[:, [list(names).index(f) for f in use]]
    names = use
    if kind == "logistic":
        from sklearn.linear_model import LogisticRegression

        mean, scale = x.mean(axis=0), x.std(axis=0)
        scale[scale == 0] = 1.0
        lr = LogisticRegression(C=c, max_iter=5000)
        lr.fit((x - mean) / scale, y, sample_weight=w)
        return {"kind": "logistic", "features": list(names), "mean": mean.tolist(),
                "scale": scale.tolist(), "coef": lr.coef_[0].tolist(),
                "intercept": float(lr.intercept_[0])}
    from sklearn.ensemble import HistGradientBoostingClassifier

    depth = 3
    gb = HistGradientBoostingClassifier(max_depth=depth, max_iter=150, learning_rate=0.05,
                                        min_samples_leaf=40, l2_regularization=1.0,
                                        early_stopping=False, random_state=SEED)
    gb.fit(x, y, sample_weight=w)
    trees = []
    for (predictor,) in gb._predictors:        # one tree per iteration for a binary task
        nodes = predictor.nodes
        trees.append({"feature": np.where(nodes["is_leaf"], -1, nodes["feature_idx"]).tolist(),
                      "threshold": nodes["num_threshold"].tolist(),
                      "left": nodes["left"].tolist(), "right": nodes["right"].tolist(),
                      "value": nodes["value"].tolist()})
    data = {"kind": "trees", "features": list(names),
            "init": float(np.ravel(gb._baseline_prediction)[0]), "rate": 1.0, "depth": depth,
            "trees": trees}
    check = Scorer.from_dict(data).logit(x[:2000])  # x holds just the used columns here
    if not np.allclose(check, gb.decision_function(x[:2000]), atol=1e-6):
        raise SystemExit("the exported trees do not reproduce scikit-learn's scores")
    return data


def sentence_rows(items: Sequence[Item]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = [it for it in items if it.answerable and len(it.holds)]
    x = np.concatenate([it.batch.features for it in rows])
    y = np.concatenate([it.holds for it in rows]).astype(int)
    w = np.concatenate([np.full(len(it.holds), it.weight) for it in rows])
    return x, y, w


def folds_of(items: Sequence[Item]) -> np.ndarray:
    """Fold number of each item: SQuAD articles in name order, dealt round-robin."""
    groups = sorted({it.group for it in items if it.source == "squad"})
    fold = {g: i % FOLDS for i, g in enumerate(groups)}
    return np.array([fold[it.group] for it in items])


def answer_rows(items: Sequence[Item], probs: Sequence[np.ndarray], options: QueryOptions,
                stats: dict[str, TermStats]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per item: the answer's features, whether it is right, and whether it says the sources
    disagree (composed as `answering.decide` does, from the given sentence probabilities)."""
    xs, ys, split = [], [], []
    for it, p in zip(items, probs, strict=True):
        two = sides(it.question, it.batch, it.sentences, p, options)
        chosen = two or choose(p, options)
        xs.append(answer_features(it.terms, it.batch, p, chosen, it.top_hit, it.sentences,
                                  stats[it.source]))
        ys.append(bool(chosen) and it.answerable and bool(it.holds[chosen].any()))
        split.append(bool(two))
    return np.array(xs), np.array(ys, dtype=int), np.array(split)


def threshold_for(conf: np.ndarray, answerable: np.ndarray, weight: np.ndarray,
                  precision: float) -> float:
    """The highest threshold t at which abstaining below t (weighted) is still at least
    `precision` precise: the weighted share of abstentions on unanswerable questions."""
    order = np.argsort(conf, kind="stable")
    c, unans, w = conf[order], ~answerable[order], weight[order]
    right, total = np.cumsum(w * unans), np.cumsum(w)
    best = 0.0
    for i in range(len(c)):
        if i + 1 < len(c) and c[i + 1] == c[i]:
            continue                                    # a threshold cannot split ties
        if right[i] / total[i] >= precision:
            best = float(c[i + 1]) if i + 1 < len(c) else float(c[i]) + 1e-9
    return best


# ---- training ----------------------------------------------------------------------------
def train(items: Sequence[Item], stats: dict[str, TermStats], options: QueryOptions,
          sentence_kind: str, answer_kind: str, precision: float) -> dict[str, Any]:
    """Fit, calibrate and choose the threshold (steps 1-3 above); the model file's content."""
    folds = folds_of(items)
    oof_probs: list[np.ndarray] = [np.zeros(0)] * len(items)
    for f in range(FOLDS):
        rest = [it for it, g in zip(items, folds, strict=True) if g != f]
        scorer = Scorer.from_dict(fit_scorer(*sentence_rows(rest), SENTENCE_FEATURES,
                                             sentence_kind, SENTENCE_USE, C), SENTENCE_FEATURES)
        for i in np.flatnonzero(folds == f):
            feats = items[i].batch.features
            oof_probs[i] = scorer.prob(feats) if len(feats) else np.zeros(0)
    ax, ay, _ = answer_rows(items, oof_probs, options, stats)
    aw = np.array([it.weight for it in items])
    oof = np.zeros(len(items))
    for f in range(FOLDS):
        scorer = Scorer.from_dict(fit_scorer(ax[folds != f], ay[folds != f], aw[folds != f],
                                             ANSWER_FEATURES, answer_kind, ANSWER_USE, C),
                                  ANSWER_FEATURES)
        oof[folds == f] = scorer.prob(ax[folds == f])
    squad = np.array([it.source == "squad" for it in items])
    calibration = isotonic(oof[squad].tolist(), ay[squad].astype(bool).tolist())
    conf = calibration(oof)
    conf[[it.terms.subject_absent for it in items]] = 0.0     # as `answering.decide` does
    answerable = np.array([it.answerable for it in items])
    chosen = np.array([it.source in ("squad", "written-one", "written-docs") for it in items])
    threshold = threshold_for(conf[chosen], answerable[chosen], aw[chosen], precision)
    sentence = fit_scorer(*sentence_rows(items), SENTENCE_FEATURES, sentence_kind, SENTENCE_USE, C)
    answer = fit_scorer(ax, ay, aw, ANSWER_FEATURES, answer_kind, ANSWER_USE, C)
    summary = {src: report(items, oof_probs, oof, conf, ay, threshold, src)
               for src in dict.fromkeys(it.source for it in items)}
    data = {"format": MODEL_FORMAT, "sentence": sentence, "answer": answer,
            "calibration": calibration.to_dict(), "abstain_below": round(threshold, 4),
            "training": {"questions": len(items), "folds": FOLDS,
                         "abstention_precision": precision, "out_of_fold": summary}}
    AnswerModel.from_dict(data)                          # the package can read what it wrote
    return data


def report(items: Sequence[Item], probs: Sequence[np.ndarray], oof: np.ndarray,
           conf: np.ndarray, right: np.ndarray, threshold: float, source: str
           ) -> dict[str, Any]:
    """Out-of-fold figures of one training source at the chosen threshold."""
    rows = np.array([it.source == source for it in items])
    ans = np.array([it.answerable for it in items]) & rows
    unans = ~np.array([it.answerable for it in items]) & rows
    abstain = (conf < threshold) & rows
    top1 = [bool(it.holds[int(np.argmax(p))]) for it, p, r in zip(items, probs, rows, strict=True)
            if r and it.answerable and len(p)]
    out: dict[str, Any] = {"questions": int(rows.sum()), "unanswerable": int(unans.sum())}
    if ans.any():
        out.update(sentence_top1=round(float(np.mean(top1)), 4),
                   right_before_abstaining=round(float(right[ans].mean()), 4),
                   answer_accuracy=round(float((right.astype(bool) & ~abstain)[ans].mean()), 4))
    if unans.any():
        out.update(abstention_recall=round(float(abstain[unans].mean()), 4),
                   abstention_precision=round(float(unans[abstain].sum() / max(abstain.sum(), 1)),
                                              4))
    given = rows & ~abstain
    out["ece"] = calibration_bins(conf[given].tolist(), right[given].astype(bool).tolist()).ece
    if ans.any() and unans.any():
        from sklearn.metrics import roc_auc_score

        out["answerable_auc"] = round(float(roc_auc_score(ans[rows], conf[rows])), 4)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--squad", default=str(ROOT.parent / "shared" / "benchmarks" / "squad2-dev"))
    p.add_argument("--work", default="/tmp/citeqa-train", help="training indexes go here")
    p.add_argument("--out", default=str(ROOT / "src" / "citeqa" / "models" / "answer_model.json"))
    p.add_argument("--sentence-kind", default="logistic", choices=("logistic", "trees"))
    p.add_argument("--answer-kind", default="logistic", choices=("logistic", "trees"))
    p.add_argument("--precision", type=float, default=0.8,
                   help="abstention precision the threshold keeps on the training questions")
    p.add_argument("--written-weight", type=float, default=10.0)
    args = p.parse_args()
    t0 = time.perf_counter()
    options = QueryOptions()
    items, stats, names = gather(Path(args.squad), Path(args.work), options, args.written_weight)
    print(f"{len(items)} training questions in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    data = train(items, stats, options, args.sentence_kind, args.answer_kind, args.precision)
    data["training"]["data"] = (f"SQuAD 2.0 dev, the {len(names)} articles before {SPLIT!r}; "
                                f"eval/training/*.jsonl (weight {args.written_weight:g})")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(json.dumps(data["training"]["out_of_fold"], indent=1), file=sys.stderr)
    print(f"wrote {out} ({hashlib.sha256(out.read_bytes()).hexdigest()[:12]}) in "
          f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
