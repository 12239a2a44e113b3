"""Extractive answers: pick the sentences of the best passages that answer the question, cite
each sentence exactly, say so when the best candidates give different answers, and abstain
when the evidence is weak.

Decisions come in two stages. Hand-set gates first: no sentence scores `MIN_SCORE`, no close
sentence offers the kind of answer asked for (a number, a date, a name that the question does
not already hold), or the question is off-topic: no term of its subject occurs in the corpus,
or a name it holds occurs nowhere, spelled nearly or not, and the passages found share none
of its words (only a stem, as "capitalization" with "capital") or the best of them at most
one ("the capital of Australia" against a passage on capital letters). An answer that
passes them gets a confidence from the learned answer model (`answer_model`): the calibrated
probability that it is right; below `QueryOptions.abstain_threshold` it is withheld too."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .answer_model import (
    AnswerModel,
    Evidence,
    QuestionTerms,
    TermStats,
    answer_features,
    load_model,
    passage_terms,
    question_terms,
)
from .answer_types import (
    asks_default,
    asks_for_names,
    conflict,
    dissent_kind,
    expected_type,
    gives,
    hinted_kind,
    lowercase_words,
    offers,
    states_default,
    values,
)
from .parsing import is_rendered, plain_text, rendered_text
from .parsing.structure import KINDS
from .records import Answer, Citation, Hit
from .sentences import PROSE
from .settings import QueryOptions
from .verb_forms import irregular_stems, verb_stems

NO_ANSWER = "The documents do not contain an answer to this question."
DISAGREE = "The documents disagree:"
MIN_SCORE = 0.6          # no answer when the best sentence's hand score is below this
_CLOSED = re.compile(r"[.!?:;”\"’')\]]$")
# A sentence opening with one of these, alone or after a preposition ("In that case, try
# etex", "Without this option, English is used"), names its subject in the sentence before it.
_ANAPHOR = re.compile(r"^\W*(?:(?:in|for|with|without|by|from|after|before|on|at|under|of|to"
                      r"|unlike|besides|despite|during|since)\s+)?"
                      r"(?:it|its|this|that|these|they|their|he|his|she|her|such)\b", re.I)


@dataclass(frozen=True)
class Sentence:
    """A candidate answer sentence of a retrieved passage: its span and place in the document,
    its text, and its row in the stored sentence table (for its vector)."""

    hit: Hit
    start: int
    end: int
    text: str
    row: int
    line_start: int = 1
    line_end: int = 1
    page: int | None = None
    section: str | None = None
    kind: str = "paragraph"        # the kind of block it is in: heading, list_item, code, ...


class SentenceTable(Protocol):
    """The stored sentences (`store.Tables` is one): chunk i's are rows ptr[i]:ptr[i+1]."""

    sent_ptr: np.ndarray
    sent_spans: np.ndarray
    sent_meta: np.ndarray          # line_start, line_end, page (0: none), section (-1), kind
    sent_vectors: np.ndarray

    def sentence(self, row: int) -> str: ...

    def section(self, i: int) -> str | None: ...


def candidate_sentences(hits: Sequence[Hit], table: SentenceTable) -> list[Sentence]:
    """The sentences of `hits`, each span once, best passage first."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for hit in hits:
        for row in range(int(table.sent_ptr[hit.chunk_id]), int(table.sent_ptr[hit.chunk_id + 1])):
            start, end = (int(v) for v in table.sent_spans[row])
            key = (hit.source, start, end)
            if key in seen:
                continue
            seen.add(key)
            l0, l1, page, section, kind = (int(v) for v in table.sent_meta[row])
            out.append(Sentence(hit, start, end, table.sentence(row), row, l0, l1, page or None,
                                table.section(section), KINDS[kind] if 0 <= kind < len(KINDS)
                                else "paragraph"))
    return out


COMMON_SHARE = 0.5   # a question term held by this share of the candidates separates none


def separating(terms: frozenset[str], held: Sequence[frozenset[str]]) -> frozenset[str]:
    """The question's terms that fewer than COMMON_SHARE of the candidate sentences hold (all
    of them when every term is that common): a term nearly every candidate holds, such as
    the product's name in its own manual, tells none of them apart, so it counts for none."""
    common = {t for t in terms if sum(t in words for words in held) >= COMMON_SHARE * len(held)}
    return terms if common == terms else terms - common


def is_heading(text: str, kind: str = "paragraph") -> bool:
    """A heading, a question, or a line with no closing punctuation (a title, caption or
    address) is not an answer; a table row needs none (its header is `table_headers`')."""
    text = text.rstrip()
    if kind == "table_row":
        return text.endswith("?")
    return kind in ("heading", "term") or text.endswith("?") or not _CLOSED.search(text)


@dataclass(frozen=True)
class Scored:
    """Sentence scores and whether each offers the kind of answer the question asks for;
    and the parts of the score and each sentence's terms, which the answer model reads."""

    scores: np.ndarray
    offers: np.ndarray
    kind: str | None
    cosine: np.ndarray | None = None
    lexical: np.ndarray | None = None
    tokens: tuple[frozenset[str], ...] = ()
    common: frozenset[str] = frozenset()   # words the candidate passages write in lower case
    role_answers: bool = False   # a "who" question, which a role or a group may answer
    defined: tuple[int, ...] | None = None   # each sentence's definition term (`definition_terms`)


def score_sentences(question: str, query_vector: np.ndarray, sentences: Sequence[Sentence],
                    vectors: np.ndarray, tokenize: Callable[[str], list[str]],
                    config: QueryOptions) -> Scored:
    """cosine + lexical_weight * term overlap + type_weight * (offers + default)
    - heading_penalty * heading. For a question that asks for no kind, `offers` is whether
    the sentence `gives` what the question hints at (a command for "how do I…", a cause for
    "why"); `default` is whether it states a default when the question asks for one;
    the overlap is the share of the question's terms a sentence holds, counting only terms
    that separate the candidates (`separating`) and an irregular verb form as its verb
    ("wrote" meets "written"); a sentence that opens with a pronoun, a list item and an FAQ's
    answer hold the terms of what they hang on (`with_antecedents`)."""
    kind = expected_type(question)
    if not sentences:
        return Scored(np.zeros(0), np.zeros(0, dtype=bool), kind)
    stored = np.asarray(vectors[[s.row for s in sentences]], dtype=np.float32)
    query = query_vector.astype(np.float32)
    cosine = (stored @ query).astype(np.float64)
    defined = tuple(definition_terms(sentences))
    # A sentence of a definition is read with its term, as its vector joined to the term's.
    for i, term in enumerate(defined):
        if term >= 0:
            joined = stored[i] + stored[term]
            norm = float(np.linalg.norm(joined))
            if norm > 0:
                cosine[i] = max(cosine[i], float(joined @ query) / norm)
    verbs = irregular_stems()
    terms = verb_stems(tokenize(question), verbs)
    tokens = tuple(frozenset(tokenize(s.text)) for s in sentences)
    held = [verb_stems(words, verbs) for words in with_antecedents(sentences, tokens, defined)]
    kept = separating(terms, held)
    lexical = np.array([len(kept & words) / len(terms) if terms else 0.0 for words in held])
    common = frozenset(lowercase_words({s.hit.chunk_id: s.hit.text for s in sentences}.values()))
    hint = hinted_kind(question) if kind is None else None
    if hint is not None:
        offered = np.array([gives(hint, question, s.text) for s in sentences], dtype=bool)
    else:
        offered = np.array([offers(kind, question, s.text, common) for s in sentences],
                           dtype=bool)
    heading = np.array([is_heading(s.text, s.kind) for s in sentences], dtype=np.float64)
    heading[question_openers(sentences)] = 1.0
    heading[table_headers(sentences)] = 1.0
    default = np.array([states_default(s.text) for s in sentences], dtype=np.float64) \
        if asks_default(question) else np.zeros(len(sentences))
    scores = (cosine + config.lexical_weight * lexical + config.type_weight * (offered + default)
              - config.heading_penalty * heading)
    return Scored(scores, offered, kind, cosine, lexical, tokens, common,
                  kind == "name" and not asks_for_names(question), defined)


def with_antecedents(sentences: Sequence[Sentence], tokens: Sequence[frozenset[str]],
                     defined: Sequence[int] | None = None) -> list[frozenset[str]]:
    """Each sentence's terms; one that opens with a pronoun or possessive ("It supports HTTP,
    HTTPS and FTP", "Its default is…", "In that case…") also holds those of the sentence
    just before it in its passage, which names what the pronoun stands for; a list item also
    holds those of the sentence that introduces its list ("Colours mark the questions:" for
    "cyan for empty answers"); a table row those of its header; a definition those of its
    term (`definition_terms`, or `defined` when the caller has them); and an FAQ's answer
    those of its question (`answers_to_questions`)."""
    out = list(tokens)
    lead = -1                  # the sentence that introduces the current list, -1 for none
    for i, header in _table_rows(sentences):
        out[i] = out[i] | tokens[header]
    for i, term in enumerate(definition_terms(sentences) if defined is None else defined):
        if term >= 0:
            out[i] = out[i] | tokens[term]
    for i in range(1, len(sentences)):
        adjacent = _next_in_passage(sentences[i - 1], sentences[i])
        if _refers_back(sentences[i - 1], sentences[i]):
            out[i] = out[i] | tokens[i - 1]
        if sentences[i].kind == "list_item":
            if not adjacent:
                lead = -1
            elif sentences[i - 1].kind != "list_item":
                lead = i - 1
            if lead >= 0:
                out[i] = out[i] | tokens[lead]
    return answers_to_questions(sentences, tokens, out)


QUESTION_FOLLOWERS = 2   # sentences after an FAQ's question that hold its terms


def answers_to_questions(sentences: Sequence[Sentence], tokens: Sequence[frozenset[str]],
                         held: list[frozenset[str]]) -> list[frozenset[str]]:
    """`held` with the first QUESTION_FOLLOWERS sentences after a question that ends its line
    (an FAQ's question: "1. Is zlib Y2K-compliant?") also holding the question's terms, and
    those of a sentence before it on its line ("…aren't helpful. How can I improve them?"):
    an answer such as "Yes. zlib doesn't handle dates." hangs on its question. A question
    followed on its line is prose, not an FAQ's."""
    out = list(held)
    question: frozenset[str] | None = None
    left = 0
    for i, sent in enumerate(sentences):
        adjacent = i > 0 and _next_in_passage(sentences[i - 1], sent)
        if _is_question(sent.text):
            question, left = None, QUESTION_FOLLOWERS
            if _asks(sentences, i):
                question = tokens[i]
                before = sentences[i - 1] if adjacent else None
                if before and before.line_end >= sent.line_start and not _is_question(before.text):
                    question = question | tokens[i - 1]
        elif question is None or not adjacent or sent.kind == "heading":
            question = None
        else:
            out[i] = out[i] | question
            left -= 1
            if not left:
                question = None
    return out


def choose(scored: Scored, config: QueryOptions, texts: Sequence[str] = ()) -> list[int]:
    """The best sentence and those within `sentence_margin` of it, best first, each wording
    once (the same words, or with `texts` the same text as shown: "4. Run it." is "Run it.");
    empty when the best is below MIN_SCORE (unless it expands the acronym asked about) or no
    sentence near it offers the asked-for kind (unless it restates a "who" question:
    `_restates`)."""
    scores = scored.scores
    if not len(scores):
        return []
    order = sorted((i for i in range(len(scores)) if not (texts and _is_question(texts[i]))),
                   key=lambda i: (-scores[i], i))
    if not order:
        return []
    best = scores[order[0]]
    # An acronym's expansion, "Branch/Call/Jump (BCJ)", answers "what does BCJ stand for?"
    # however little the two have in common: the score floor does not apply to it.
    if best < MIN_SCORE and not (scored.kind == "acronym" and scored.offers[order[0]]):
        return []
    near = [i for i in order if scores[i] >= best - config.type_window]
    if scored.kind is not None and not any(scored.offers[i] for i in near) \
            and not _restates(scored, order[0]):
        return []
    shown: dict[int, str] = {}

    def same(i: int, j: int) -> bool:
        if scored.tokens and scored.tokens[i] and scored.tokens[i] == scored.tokens[j]:
            return True
        if not texts:
            return False
        for k in (i, j):
            if k not in shown:
                shown[k] = plain_text(texts[k]).casefold()
        return shown[i] == shown[j]

    picked: list[int] = []
    for i in order:
        if len(picked) == config.answer_sentences or scores[i] < best - config.sentence_margin:
            break
        # The same sentence again (a NEWS entry copied into the changelog, one step given for
        # each platform) adds nothing.
        if any(same(i, j) for j in picked):
            continue
        picked.append(i)
    return picked


RESTATED = 0.6   # share of the question's terms in a sentence that answers "who" with a role


def _restates(scored: Scored, best: int) -> bool:
    """Whether the best sentence answers a "who" question without a name: a sentence that
    holds RESTATED of the question's terms puts its answer where the wh-word was, and "who"
    is often answered by a role or a group ("An architect normally manages the job"). A
    question that asks for names in so many words is not ("What were the names of…")."""
    return scored.role_answers and scored.lexical is not None \
        and bool(scored.lexical[best] >= RESTATED)


LEAD_IN_FOLLOWERS = 3   # sentences read on after a chosen one that ends in a colon


def follow_lead_ins(chosen: Sequence[int], sentences: Sequence[Sentence],
                    defined: Sequence[int] | None = None) -> list[int]:
    """`chosen`, each sentence that ends in a colon ("Instead of X, use:", "The default
    location is:") followed by up to LEAD_IN_FOLLOWERS sentences after it in its passage:
    what it introduces (a command, a list) is the answer, not the lead-in; each prose
    sentence followed by the quoted example it captions (`_shows_example`); each sentence of
    a definition preceded by its term (`definition_terms`) unless the term asks (an FAQ's
    question as a definition list's term); each sentence that opens with a pronoun preceded
    by the sentence before it, which says what the pronoun stands for ("The European Council
    … . It appoints the board of the bank."); and each part of a sentence that a PDF's page
    break cut in two joined by the other (`_broken_by_page`). `defined`: the definition
    terms when the caller has them."""
    out: list[int] = []
    terms: Sequence[int] = defined if defined is not None \
        else definition_terms(sentences) if chosen else []
    for i in chosen:
        if i in out:
            continue
        if terms[i] >= 0 and terms[i] not in out and not _is_question(sentences[terms[i]].text):
            out.append(terms[i])
        if i > 0 and i - 1 not in out and (_points_back(sentences[i - 1], sentences[i])
                                           or _broken_by_page(sentences[i - 1], sentences[i])):
            out.append(i - 1)
        out.append(i)
        if i + 1 < len(sentences) and i + 1 not in out \
                and _broken_by_page(sentences[i], sentences[i + 1]):
            out.append(i + 1)
            continue
        if not sentences[i].text.rstrip().endswith(":"):
            if _shows_example(sentences, i) and i + 1 not in out:
                out.append(i + 1)
            continue
        for j in range(i + 1, min(i + 1 + LEAD_IN_FOLLOWERS, len(sentences))):
            if not _next_in_passage(sentences[j - 1], sentences[j]) or j in out:
                break
            out.append(j)
    return out


_UNFINISHED = re.compile(r"[\w,;(–—-]$")   # a sentence cut off: it ends in a word, comma or dash


def _broken_by_page(before: Sentence, after: Sentence) -> bool:
    """`before` ends a PDF page mid-sentence ("… then as") and `after`, next in its passage,
    carries it on at the top of the next page ("a consequence you may not …"): each part is
    cited on its own page, and the answer shows both."""
    return _next_in_passage(before, after) and before.page is not None \
        and after.page == before.page + 1 and before.kind in PROSE and after.kind in PROSE \
        and bool(_UNFINISHED.search(before.text.rstrip())) and after.text[:1].islower()


def _refers_back(before: Sentence, sentence: Sentence) -> bool:
    """`sentence` opens with a pronoun or possessive, and `before` is just before it in its
    passage."""
    return _next_in_passage(before, sentence) and bool(_ANAPHOR.match(sentence.text))


def _points_back(before: Sentence, sentence: Sentence) -> bool:
    """`sentence` refers back (`_refers_back`) to `before`, prose that can say what it stands
    for: not a question (an FAQ's "How should I undo it?" above "This preserves the
    history…"), a heading or a title-like line."""
    return _refers_back(before, sentence) and before.kind in PROSE \
        and not is_heading(before.text, before.kind)


TERM_WORDS = 8   # a definition list's term is a line of at most this many words


def definition_terms(sentences: Sequence[Sentence]) -> list[int]:
    """Per candidate, the term it describes, or -1: every sentence after a definition list's
    term (an HTML <dt>, an rst term) in its passage, up to the next term or heading ("The
    default is 'alabaster'." under "html_theme"); or the first sentence under a short line
    that reads as a term (`_defines`)."""
    out = [-1] * len(sentences)
    term = -1
    for i, sent in enumerate(sentences):
        if i == 0 or not _next_in_passage(sentences[i - 1], sent) or sent.kind == "heading":
            term = -1
        if sent.kind == "term":
            term = i
        elif term >= 0:
            out[i] = term
        elif _defines(sentences, i):
            out[i] = i - 1
    return out


def _defines(sentences: Sequence[Sentence], i: int) -> bool:
    """Sentence i opens the definition of the line just before it: a short line without
    closing punctuation, of a paragraph or quote, with the definition on the next line
    ("``ZipProvider``" then "This provider class is used for all zipped modules…")."""
    if i == 0 or not _next_in_passage(sentences[i - 1], sentences[i]):
        return False
    term, body = sentences[i - 1], sentences[i]
    return (term.kind == body.kind or body.kind == "list_item") \
        and term.kind in ("paragraph", "quote") \
        and term.line_start == term.line_end == body.line_start - 1 \
        and len(term.text.split()) <= TERM_WORDS and is_heading(term.text, term.kind)


def _shows_example(sentences: Sequence[Sentence], i: int) -> bool:
    """Sentence i is prose and the next in its passage opens a quote: the example it captions
    ("Compute the last day of the current month." then "SELECT date('now','start of
    month',…);" in SQLite's manual). A code block after prose is not brought: on the training
    sets it made no answer right, and its first line is often a comment ("# Migrate…")."""
    return i + 1 < len(sentences) and sentences[i].kind not in ("code", "quote") \
        and sentences[i + 1].kind == "quote" and _next_in_passage(sentences[i], sentences[i + 1])


_NUMBERING = re.compile(r"^\s*\d+(?:\.\d+)*\.?\s*$")     # "4.2." before an FAQ's question


def _is_question(text: str) -> bool:
    return text.rstrip().endswith("?")


def _asks(sentences: Sequence[Sentence], i: int) -> bool:
    """Sentence i ends in "?" and ends its line: an FAQ's question, not prose asking on."""
    if not _is_question(sentences[i].text):
        return False
    after = sentences[i + 1] if i + 1 < len(sentences) else None
    return after is None or not _next_in_passage(sentences[i], after) or \
        after.line_start > sentences[i].line_end


def table_headers(sentences: Sequence[Sentence]) -> list[int]:
    """The first row of each table with rows after it in its passage: its header, which names
    the columns ("Level | Default | Description") and answers nothing."""
    return sorted({header for _, header in _table_rows(sentences)})


def _table_rows(sentences: Sequence[Sentence]) -> list[tuple[int, int]]:
    """(row, its table's first row) for each table row after the first in its passage."""
    out = []
    header = -1
    for i, sent in enumerate(sentences):
        if sent.kind != "table_row":
            header = -1
        elif header >= 0 and _next_in_passage(sentences[i - 1], sent):
            out.append((i, header))
        else:
            header = i
    return out


def question_openers(sentences: Sequence[Sentence]) -> list[int]:
    """The sentences that open an FAQ's question on its line ("The stack traces … aren't
    helpful. How can I improve them?"): part of the question, so no answer. Only one that
    starts its line, or follows just the question's number, counts; one inside a paragraph
    that ends by asking is prose."""
    out = []
    for i in range(len(sentences) - 1):
        a, b = sentences[i], sentences[i + 1]
        if not (_next_in_passage(a, b) and a.line_end >= b.line_start and _asks(sentences, i + 1)):
            continue
        before = sentences[i - 1] if i > 0 else None
        if before is None or not _next_in_passage(before, a) or \
                before.line_end < a.line_start or _NUMBERING.match(before.text):
            out.append(i)
    return out


def _next_in_passage(a: Sentence, b: Sentence) -> bool:
    """`b` is the sentence right after `a` in the same passage (`candidate_sentences` lists
    each passage's sentences in order, so such a pair is adjacent in the candidates)."""
    return a.hit.chunk_id == b.hit.chunk_id and b.row - a.row == 1


MAX_VALUES = 3       # a side of a disagreement gives at most this many answers of the kind
SIDE_COVERAGE = 0.6  # ... and, with its neighbours, holds this weighted share of the question
DISSENT_MARGIN = 0.25  # ... and scores within this of the best (flags 1.8% of SQuAD A-J)


def neighbours(sentences: Sequence[Sentence]) -> list[list[int]]:
    """Per candidate, the candidates just before and after it in the same passage."""
    out: list[list[int]] = [[] for _ in sentences]
    for i in range(1, len(sentences)):
        if _next_in_passage(sentences[i - 1], sentences[i]):
            out[i].append(i - 1)
            out[i - 1].append(i)
    return out


def coverage(q: QuestionTerms, tokens: Sequence[frozenset[str]], near: Sequence[Sequence[int]],
             i: int) -> float:
    """The weighted share of the question's terms found in the corpus that candidate `i` and
    its neighbours hold."""
    total = float(q.found.sum())
    if total <= 0:
        return 0.0
    words = set(tokens[i]).union(*(tokens[n] for n in near[i]))
    return float(sum(w for t, w in zip(q.terms, q.found, strict=True) if t in words)) / total


def sides(question: str, q: QuestionTerms, sentences: Sequence[Sentence], scored: Scored,
          near: Sequence[Sequence[int]]) -> list[int]:
    """[first, other]: among the candidates scoring within DISSENT_MARGIN of the best, the
    best that gives an answer of the asked kind, and the next that gives one sharing nothing
    with it, from another passage; else []. Each side must be about the question
    (SIDE_COVERAGE) and give a short answer (MAX_VALUES), so that a sentence listing names or
    numbers of something else does not count as a dissent."""
    kind = dissent_kind(question)
    scores = scored.scores
    if kind is None or len(scores) < 2:
        return []
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    low = max(MIN_SCORE, scores[order[0]] - DISSENT_MARGIN)
    first, mine = -1, set()
    for i in order:
        if scores[i] < low:
            break
        theirs = values(kind, question, sentences[i].text, scored.common)
        if not theirs or len(theirs) > MAX_VALUES or \
                coverage(q, scored.tokens, near, i) < SIDE_COVERAGE:
            continue
        if first < 0:
            first, mine = i, theirs
        # One passage does not contradict itself: the sides come from two passages.
        elif sentences[i].hit.chunk_id != sentences[first].hit.chunk_id and conflict(mine, theirs):
            return [first, i]
    return []


@dataclass(frozen=True)
class Decision:
    """What was decided for one question: the sentences chosen (best first; the two sides of
    a disagreement), the calibrated confidence, and why there is no answer (`refused`: "gate"
    for the hand-set gates, "off-topic", "confidence"), else None."""

    chosen: list[int]
    confidence: float
    disagreement: bool = False
    refused: str | None = None
    features: np.ndarray | None = None


def decide(question: str, hits: Sequence[Hit], sentences: Sequence[Sentence], scored: Scored,
           config: QueryOptions, q: QuestionTerms | None = None, stats: TermStats | None = None,
           model: AnswerModel | None = None) -> Decision:
    """The hand-set gates, then (given the question's terms, the index's term statistics and
    a model) the disagreement check and the answer model's calibrated confidence."""
    picked = choose(scored, config, [s.text for s in sentences])
    chosen = follow_lead_ins(picked, sentences, scored.defined)
    if not chosen:
        return Decision([], 0.0, refused="gate")
    if q is None or stats is None or model is None or scored.cosine is None \
            or scored.lexical is None:
        return Decision(chosen, float(scored.scores.max()))
    if q.subject_absent or q.focus_absent and (
            not q.mentioned_in([h.text for h in hits])
            or bool(hits) and q.content_held(passage_terms(q, stats, hits[0].chunk_id)) <= 1):
        return Decision([], 0.0, refused="off-topic")
    near = neighbours(sentences)
    split = sides(question, q, sentences, scored, near)
    chosen = split or chosen
    # The model reads the best sentence first (a definition's term, shown before it, is not).
    ranked = split or [picked[0], *(i for i in chosen if i != picked[0])]
    best = sentences[ranked[0]]
    evidence = Evidence(scored.scores, scored.cosine, scored.lexical, scored.offers, scored.kind,
                        ranked, scored.tokens, near, best.hit.chunk_id, best.text,
                        hits[0].bm25_rank if hits else None, hits[0].dense_rank if hits else None)
    features = answer_features(q, evidence, stats)
    confidence = model.confidence(features)
    refused = "confidence" if confidence < config.abstain_threshold else None
    return Decision(chosen, confidence, bool(split), refused, features)


def compose(question: str, hits: Sequence[Hit], sentences: Sequence[Sentence],
            scored: Scored, config: QueryOptions, decision: Decision | None = None) -> Answer:
    """The answer: each chosen sentence, markup stripped (a link's web address kept after its
    label; a line of code as it is, "<HOOK_NAME>" and all: `_shown`), followed by [n], where
    citation n locates that sentence exactly (after "The documents disagree:" when the two sides
    differ); or an abstention citing the closest passages. Without a `decision`, the hand-set
    gates alone decide and the confidence is the best hand score."""
    decision = decision or decide(question, hits, sentences, scored, config)
    if not decision.chosen or decision.refused is not None:
        cites = [_passage(n, h) for n, h in enumerate(hits[:3], start=1)]
        return Answer(question, NO_ANSWER, True, cites, decision.confidence)
    parts = [DISAGREE] if decision.disagreement else []
    cites = []
    for number, i in enumerate(decision.chosen, start=1):
        s = sentences[i]
        parts.append(f"{_shown(s)} [{number}]")
        cites.append(Citation(number, s.hit.source, s.start, s.end, s.line_start, s.line_end,
                              s.text, s.hit.chunk_id, float(scored.scores[i]), s.hit.start,
                              s.hit.end, s.page, s.section))
    return Answer(question, " ".join(parts), False, cites, decision.confidence,
                  disagreement=decision.disagreement)


def _shown(s: Sentence) -> str:
    """What an answer shows of a sentence: a code line as it is; the text of HTML, PDF or
    DOCX less a bullet (it holds no markup: `is_rendered`); else the text without markup."""
    if s.kind == "code":
        return " ".join(s.text.split())
    return rendered_text(s.text) if is_rendered(s.hit.source) else plain_text(s.text, links=True)


def _passage(number: int, hit: Hit) -> Citation:
    """A citation of a whole passage (what an abstention shows)."""
    return Citation(number, hit.source, hit.start, hit.end, hit.line_start, hit.line_end,
                    hit.text, hit.chunk_id, hit.score, hit.start, hit.end, hit.page, hit.section)


@dataclass(frozen=True)
class Answerer:
    """Answers questions from retrieved passages with the stored sentences, the tokenizer
    that counts shared terms and the index's term statistics (loaded once when an index is
    opened), and the answer model (`model`, else the packaged one, read once per process).
    Without `stats` only the hand-set gates decide."""

    table: SentenceTable
    tokenize: Callable[[str], list[str]]
    stats: TermStats | None = None
    model: AnswerModel | None = None

    def decide(self, question: str, vector: np.ndarray, hits: Sequence[Hit],
               options: QueryOptions) -> tuple[list[Sentence], Scored, Decision]:
        """The candidate sentences of `hits`, their scores, and the decision about them."""
        sentences = candidate_sentences(hits, self.table)
        scored = score_sentences(question, vector, sentences, self.table.sent_vectors,
                                 self.tokenize, options)
        if self.stats is None:
            return sentences, scored, decide(question, hits, sentences, scored, options)
        q = question_terms(question, self.tokenize, self.stats)
        return sentences, scored, decide(question, hits, sentences, scored, options, q,
                                         self.stats, self.model or load_model())

    def answer(self, question: str, vector: np.ndarray, hits: Sequence[Hit],
               options: QueryOptions) -> Answer:
        """The answer to `question` (whose unit vector is `vector`) from `hits`."""
        sentences, scored, decision = self.decide(question, vector, hits, options)
        return compose(question, hits, sentences, scored, options, decision)
