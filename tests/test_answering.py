"""Golden tests for choosing and composing answers, with hand-made sentences (no model)."""

from __future__ import annotations

import numpy as np
import pytest

from citeqa.answer_model import AnswerModel, Scorer, question_terms
from citeqa.answer_types import lowercase_words
from citeqa.answering import (
    DISAGREE,
    MIN_SCORE,
    NO_ANSWER,
    Scored,
    Sentence,
    candidate_sentences,
    choose,
    compose,
    decide,
    neighbours,
    question_openers,
    score_sentences,
    separating,
    sides,
    table_headers,
    with_antecedents,
)
from citeqa.calibration import Calibration
from citeqa.lexical import build_bm25, make_tokenizer
from citeqa.records import Hit
from citeqa.settings import QueryOptions

TEXT_A = "Tokyo hosted the talks. The minister was Gen Nakatani."
TEXT_B = "Talks were held in London."


def _hit(chunk: int, text: str, start: int = 0) -> Hit:
    return Hit(chunk, f"doc{chunk}.txt", start, start + len(text), 1, 1, text, 1.0 / (chunk + 1))


def _sentences() -> tuple[list[Hit], list[Sentence]]:
    a, b = _hit(0, TEXT_A, 100), _hit(1, TEXT_B)
    return [a, b], [Sentence(a, 100, 123, TEXT_A[:23], 0), Sentence(a, 124, 154, TEXT_A[24:], 1),
                    Sentence(b, 0, 26, TEXT_B, 2)]


class Table:
    """A stored sentence table of two chunks: chunk 0 holds rows 0-1, chunk 1 row 2."""

    sent_ptr = np.array([0, 2, 3])
    sent_spans = np.array([[100, 123], [124, 154], [0, 26]])
    sent_meta = np.array([[3, 3, 0, -1, 1], [3, 4, 2, 0, 1], [1, 1, 0, -1, 1]])
    sent_vectors = np.eye(3, dtype=np.float16)
    texts = (TEXT_A[:23], TEXT_A[24:], TEXT_B)

    def sentence(self, row: int) -> str:
        return self.texts[row]

    def section(self, i: int) -> str | None:
        return ["Talks > Tokyo"][i] if i >= 0 else None


def test_candidates_are_the_hits_sentences_once_each_best_passage_first() -> None:
    hits, _ = _sentences()
    got = candidate_sentences([hits[0], hits[1], hits[0]], Table())
    assert [(s.hit.chunk_id, s.start, s.end, s.text, s.line_start, s.line_end, s.page, s.section)
            for s in got] == [
        (0, 100, 123, "Tokyo hosted the talks.", 3, 3, None, None),
        (0, 124, 154, "The minister was Gen Nakatani.", 3, 4, 2, "Talks > Tokyo"),
        (1, 0, 26, "Talks were held in London.", 1, 1, None, None)]


def test_sentence_score_is_cosine_plus_weighted_overlap_type_and_heading() -> None:
    hits, sentences = _sentences()
    vectors = np.eye(3, dtype=np.float16)
    query = np.array([0.6, 0.8, 0.0], dtype=np.float32)
    options = QueryOptions(lexical_weight=0.5, type_weight=0.2, heading_penalty=0.2)
    scored = score_sentences("Who was the minister?", query, sentences, vectors, str.split, options)
    # Split on spaces, the question's terms are {Who, was, the, minister?}: the first sentence
    # holds "the", the second "was", the third none; all end in a full stop (no heading).
    assert scored.kind == "name"
    assert list(scored.offers) == [True, True, True]      # Tokyo, Gen Nakatani, London are names
    np.testing.assert_allclose(scored.scores, [0.6 + 0.5 * 0.25 + 0.2,
                                               0.8 + 0.5 * 0.25 + 0.2,
                                               0.0 + 0.0 + 0.2], atol=1e-3)


def test_an_irregular_verb_form_counts_as_its_verb_in_the_overlap() -> None:
    texts = ["The manual was written by Ann Smith.", "The manual was printed by Ann Smith."]
    hit = _hit(0, " ".join(texts))
    sentences = [Sentence(hit, 0, 36, texts[0], 0), Sentence(hit, 37, 74, texts[1], 1)]
    scored = score_sentences("Who wrote the manual?", np.array([1.0, 0.0], dtype=np.float32),
                             sentences, np.zeros((2, 2), dtype=np.float16), TOKENIZE,
                             QueryOptions())
    # Stemming keeps "wrote" and "written" apart; both are forms of "write".
    assert TOKENIZE("wrote") != TOKENIZE("written")
    assert list(scored.lexical) == [1.0, 0.5]


def _lead(question: str, first: str, second: str) -> float:
    """How far the second of two equally similar sentences scores above the first."""
    text = f"{first} {second}"
    hit = _hit(0, text)
    sentences = [Sentence(hit, 0, len(first), first, 0),
                 Sentence(hit, len(first) + 1, len(text), second, 1)]
    scored = score_sentences(question, np.array([1.0, 0.0], dtype=np.float32), sentences,
                             np.array([[1.0, 0.0], [1.0, 0.0]], dtype=np.float16), TOKENIZE,
                             QueryOptions())
    return float(scored.scores[1] - scored.scores[0])


def test_a_how_to_question_prefers_the_sentence_that_names_an_option() -> None:
    pair = ("Pip installs dependencies too.", "Pass --no-deps to skip them.")
    assert _lead("How do I avoid it?", *pair) == pytest.approx(QueryOptions().type_weight)
    assert _lead("Why avoid it?", *pair) == pytest.approx(0.0)


def test_a_question_about_a_default_prefers_the_sentence_that_states_one() -> None:
    pair = ("Lang sets the language.", "Without this option, English is used.")
    assert _lead("Which one applies unless told otherwise?", *pair) == \
        pytest.approx(QueryOptions().type_weight)
    assert _lead("Which one applies?", *pair) == pytest.approx(0.0)


def test_a_sentence_opening_with_a_pronoun_holds_the_terms_of_the_one_before() -> None:
    text = "GNU Wget downloads files. It supports HTTP and FTP. Downloads resume. It is free."
    a, b = _hit(0, text), _hit(1, "It supports proxies.")
    spans = [(0, 25), (26, 51), (52, 69), (70, 81)]
    sentences = [Sentence(a, s, e, text[s:e], row) for row, (s, e) in enumerate(spans)]
    sentences.append(Sentence(b, 0, 20, b.text, 9))
    scored = score_sentences("Which protocols does Wget support?", np.ones(2, dtype=np.float32),
                             sentences, np.zeros((10, 2), dtype=np.float16), TOKENIZE,
                             QueryOptions())
    # Terms: protocol, wget, support. "It supports…" gets "wget" from the sentence before;
    # "Downloads resume." opens with no pronoun; the other passage's "It" has nothing before.
    np.testing.assert_allclose(scored.lexical, [1 / 3, 2 / 3, 0.0, 0.0, 1 / 3])


def test_a_sentence_opening_with_a_pronoun_comes_after_the_one_it_points_back_to() -> None:
    text = "The Council is made of heads of state. It appoints the board. Its seat is Brussels."
    a, b = _hit(0, text), _hit(1, "It meets twice a year.")
    spans = [(0, 38), (39, 61), (62, 83)]
    sentences = [Sentence(a, s, e, text[s:e], row) for row, (s, e) in enumerate(spans)]
    sentences.append(Sentence(b, 0, 22, b.text, 5))
    question = "Who appoints the board?"
    scored = _scored(question, sentences, [0.2, 0.9, 0.1, 0.85])
    d = decide(question, [a, b], sentences, scored, QueryOptions(sentence_margin=0.1))
    # "It appoints…" comes after the sentence that names the Council; "It meets…" opens its
    # passage, with nothing before it to bring.
    assert d.chosen == [0, 1, 3]
    answer = compose(question, [a, b], sentences, scored, QueryOptions(sentence_margin=0.1), d)
    assert answer.text.startswith("The Council is made of heads of state. [1] It appoints the board. [2]")
    # A question before it (an FAQ's) says nothing the pronoun stands for, nor does a heading.
    for before, kind in (("Who runs the Council?", "paragraph"), ("The Council", "heading")):
        c = _hit(2, f"{before} It appoints the board.")
        pair = [Sentence(c, 0, len(before), before, 6, kind=kind),
                Sentence(c, len(before) + 1, len(c.text), "It appoints the board.", 7)]
        scored = _scored(question, pair, [0.2, 0.9])
        assert decide(question, [c], pair, scored, QueryOptions()).chosen == [1]


def test_a_sentence_cut_by_a_pdf_page_break_is_shown_whole_each_part_cited_on_its_page() -> None:
    text = ("If you cannot meet both duties at once, then as\n\n"
            "a consequence you may not sail at all. Pilots board at dawn.")
    a = _hit(0, text)
    cut = text.index("\n\n")
    spans = [(0, cut), (cut + 2, text.index(" Pilots")), (text.index("Pilots"), len(text))]
    pages = [1, 2, 2]

    def parts(first_page: int = 1) -> list[Sentence]:
        return [Sentence(a, s, e, text[s:e], row, page=p - 1 + first_page)
                for row, ((s, e), p) in enumerate(zip(spans, pages, strict=True))]

    question = "When may you not sail at all?"
    for best in (0, 1):   # either part chosen brings the other
        scores = [0.9 if i == best else 0.1 for i in range(3)]
        sentences = parts()
        scored = _scored(question, sentences, scores)
        d = decide(question, [a], sentences, scored, QueryOptions(sentence_margin=0.1))
        assert d.chosen == [0, 1]
        answer = compose(question, [a], sentences, scored, QueryOptions(sentence_margin=0.1), d)
        assert answer.text == ("If you cannot meet both duties at once, then as [1] "
                               "a consequence you may not sail at all. [2]")
        assert [(c.page, c.quote) for c in answer.citations] == [
            (1, text[:cut]), (2, "a consequence you may not sail at all.")]
    # A finished sentence before the break, or parts on the same page, stay apart.
    sentences = parts()
    finished = [Sentence(a, 0, cut, text[:cut] + ".", 0, page=1), *sentences[1:]]
    for pair in (finished, [Sentence(a, s.start, s.end, s.text, s.row, page=1)
                            for s in sentences]):
        scored = _scored(question, pair, [0.1, 0.9, 0.1])
        assert decide(question, [a], pair, scored, QueryOptions(sentence_margin=0.1)).chosen == [1]


def test_a_sentence_opening_with_a_preposition_and_a_pronoun_holds_the_terms_before() -> None:
    text = "The Lang option sets the language. Without this option, English is used. With care, all goes."
    a = _hit(0, text)
    spans = [(0, 34), (35, 72), (73, 94)]
    sentences = [Sentence(a, s, e, text[s:e], row) for row, (s, e) in enumerate(spans)]
    tokens = [frozenset(TOKENIZE(s.text)) for s in sentences]
    held = with_antecedents(sentences, tokens)
    # "Without this option" points back; "With care" does not.
    assert held[1] == tokens[1] | tokens[0] and held[2] == tokens[2]


def test_a_list_item_holds_the_terms_of_the_sentence_that_introduces_its_list() -> None:
    text = "Colours mark the questions in manual input:\n- red for invalid ones\n- cyan for empty ones"
    a = _hit(0, text)
    spans = [(0, 43), (44, 66), (67, 88)]
    kinds = ["paragraph", "list_item", "list_item"]
    sentences = [Sentence(a, s, e, text[s:e], row, kind=k)
                 for row, ((s, e), k) in enumerate(zip(spans, kinds, strict=True))]
    sentences.append(Sentence(_hit(1, "- blue for the rest"), 0, 19, "- blue for the rest", 7,
                              kind="list_item"))
    tokens = [frozenset(TOKENIZE(s.text)) for s in sentences]
    held = with_antecedents(sentences, tokens)
    # Both items get the lead-in's terms; a list item of another passage gets nothing.
    assert held[1] == tokens[1] | tokens[0] and held[2] == tokens[2] | tokens[0]
    assert held[0] == tokens[0] and held[3] == tokens[3]


def test_a_table_row_holds_its_header_terms_and_the_header_answers_nothing() -> None:
    text = "Level | Colour | Verbosity\nerror | bold red | -2\nwarning | bold yellow | -1"
    a = _hit(0, text)
    spans = [(0, 26), (27, 46), (47, 74)]
    rows = [Sentence(a, s, e, text[s:e], row, kind="table_row") for row, (s, e) in enumerate(spans)]
    other = [Sentence(_hit(1, "info | bold | 0"), 0, 15, "info | bold | 0", 7, kind="table_row"),
             *(Sentence(_hit(n, "Fonts are set here."), 0, 19, "Fonts are set here.", n) for n in (8, 9, 10))]
    sentences = [*rows, *other]
    scored = score_sentences("What is the colour of the error level?",
                             np.array([1.0, 0.0], dtype=np.float32), sentences,
                             np.zeros((11, 2), dtype=np.float16), TOKENIZE, QueryOptions())
    # Terms: colour, error, level. Each data row holds the header's "level" and "colour"; the
    # row of another passage has no header. The header is penalised as a title; a data row is
    # not, though it has no closing punctuation, and wins.
    np.testing.assert_allclose(scored.lexical, [2 / 3, 1.0, 2 / 3, 0, 0, 0, 0])
    assert table_headers(sentences) == [0]
    assert scored.scores[0] == pytest.approx(scored.scores[2] - QueryOptions().heading_penalty)
    assert int(np.argmax(scored.scores)) == 1


def test_an_faq_answer_holds_the_terms_of_its_question() -> None:
    # Lines: 1 the question; 3 the answer's two sentences; 4 a third; 6 prose asking on.
    text = ("1. Is zlib Y2K-compliant?\n\nYes. It has no dates.\nMore text.\n\n"
            "Why Y2K? Dates are small.")
    a = _hit(0, text)
    spans = [(0, 25), (27, 31), (32, 48), (49, 59), (61, 69), (70, 86)]
    lines = [(1, 1), (3, 3), (3, 3), (4, 4), (6, 6), (6, 6)]
    sentences = [Sentence(a, s, e, text[s:e], row, l0, l1)
                 for row, ((s, e), (l0, l1)) in enumerate(zip(spans, lines, strict=True))]
    tokens = [frozenset(TOKENIZE(s.text)) for s in sentences]
    held = with_antecedents(sentences, tokens)
    # The two sentences after the question that ends its line get its terms, the third does
    # not; "Dates are small." goes on from a question on its own line (prose, not an FAQ).
    asked = tokens[0]
    assert asked <= held[1] and asked <= held[2]
    assert held[3] == tokens[3] and held[5] == tokens[5]


def test_the_sentence_that_opens_an_faq_question_is_part_of_it() -> None:
    # Line 1: number, statement and question; line 3 the answer; line 5 prose that ends asking.
    text = ("4.2. The traces are short. How can I improve them?\n\nUse more callers.\n\n"
            "Traces grow. They are short. Why?")
    a = _hit(0, text)
    spans = [(0, 4), (5, 26), (27, 50), (52, 69), (71, 83), (84, 99), (100, 104)]
    lines = [(1, 1), (1, 1), (1, 1), (3, 3), (5, 5), (5, 5), (5, 5)]
    sentences = [Sentence(a, s, e, text[s:e], row, l0, l1)
                 for row, ((s, e), (l0, l1)) in enumerate(zip(spans, lines, strict=True))]
    assert question_openers(sentences) == [1]
    scored = score_sentences("What makes the traces longer?", np.ones(2, dtype=np.float32),
                             sentences, np.zeros((7, 2), dtype=np.float16), TOKENIZE,
                             QueryOptions())
    opts = QueryOptions()
    # The opener carries the heading penalty as the question does; the answer does not.
    assert scored.scores[1] == pytest.approx(scored.cosine[1] + opts.lexical_weight
                                             * scored.lexical[1] + opts.type_weight
                                             - opts.heading_penalty)
    assert scored.scores[3] == pytest.approx(scored.cosine[3] + opts.lexical_weight
                                             * scored.lexical[3] + opts.type_weight)


def test_a_term_most_candidates_hold_separates_none_of_them() -> None:
    held = [frozenset({"black", "worker"}), frozenset({"black", "cache"}), frozenset({"black"}),
            frozenset({"cache"})]
    terms = frozenset({"black", "cache", "worker"})
    # "black" and "cache" are each held by at least half of the four candidates.
    assert separating(terms, held) == {"worker"}
    assert separating(frozenset({"black"}), held) == {"black"}      # nothing else to go on
    text = "Black uses workers. Black keeps a cache. Black is fast. The cache is small."
    a = _hit(0, text)
    spans = [(0, 19), (20, 40), (41, 55), (56, 75)]
    sentences = [Sentence(a, s, e, text[s:e], row) for row, (s, e) in enumerate(spans)]
    scored = score_sentences("How many workers does Black use?", np.ones(2, dtype=np.float32),
                             sentences, np.zeros((4, 2), dtype=np.float16), TOKENIZE,
                             QueryOptions())
    # Terms: mani, worker, black, use; "black" is in three of four sentences and counts for
    # none; "use" and "worker" only in the first.
    np.testing.assert_allclose(scored.lexical, [2 / 4, 0.0, 0.0, 0.0])


def test_choose_keeps_the_best_and_a_close_second_and_abstains_below_the_score_floor() -> None:
    assert MIN_SCORE == 0.6
    options = QueryOptions(sentence_margin=0.25, answer_sentences=2)
    scored = Scored(np.array([0.7, 0.9, 0.5]), np.array([True, True, True]), None)
    assert choose(scored, options) == [1, 0]
    assert choose(Scored(np.array([0.9, 0.6]), np.array([True, True]), None), options) == [0]
    assert choose(Scored(np.array([0.59, 0.5]), np.array([True, True]), None), options) == []
    assert choose(Scored(np.zeros(0), np.zeros(0, dtype=bool), None), options) == []


def _two_copies_and_another(texts: list[str]) -> Scored:
    """Three candidates scored 0.9, 0.9 and 0.8, with their words."""
    return Scored(np.array([0.9, 0.9, 0.8]), np.array([True, True, True]), None,
                  tokens=tuple(frozenset(TOKENIZE(t)) for t in texts))


def test_the_same_sentence_from_two_files_is_chosen_once() -> None:
    # A NEWS entry copied into the changelog: the second copy gives way to the next sentence.
    scored = _two_copies_and_another(["Version 5.2 adds a loadable builtin for sleep.",
                                      "Version 5.2 adds a loadable builtin for sleep.",
                                      "Loadable builtins are installed with bash-builtins."])
    assert choose(scored, QueryOptions(sentence_margin=0.25, answer_sentences=2)) == [0, 2]


def test_a_step_repeated_for_each_platform_is_chosen_once() -> None:
    # The same step, numbered in one list and not in the other: the same text as shown.
    texts = ["4. To check the install, run the `hatch` command.",
             "To check the install, run the hatch command.",
             "Download the archive for your platform."]
    scored = _two_copies_and_another(texts)
    options = QueryOptions(sentence_margin=0.25, answer_sentences=2)
    assert scored.tokens[0] != scored.tokens[1] and choose(scored, options, texts) == [0, 2]


def test_a_definition_holds_its_term_and_brings_it_into_the_answer() -> None:
    # A definition list: each term on the line above its definition.
    text = ("``ZipProvider``\nA class for zipped modules.\n``EggProvider``\n"
            "A class for egg features.")
    a = _hit(0, text)
    spans = [(0, 15), (16, 43), (44, 59), (60, 85)]
    sentences = [Sentence(a, s, e, text[s:e], row, line, line)
                 for row, ((s, e), line) in enumerate(zip(spans, (1, 2, 3, 4), strict=True))]
    tokens = [frozenset(TOKENIZE(s.text)) for s in sentences]
    held = with_antecedents(sentences, tokens)
    assert held[1] == tokens[1] | tokens[0] and held[3] == tokens[3] | tokens[2]
    assert held[0] == tokens[0] and held[2] == tokens[2]   # after a closed sentence: no term
    question = "Which provider is for zipped modules?"
    scored = _scored(question, sentences, [0.5, 0.9, 0.3, 0.4])
    d = decide(question, [a], sentences, scored, QueryOptions())
    # The term comes first in the answer; the definition is what was chosen.
    assert d.chosen == [0, 1]
    answer = compose(question, [a], sentences, scored, QueryOptions(), d)
    assert answer.text == "ZipProvider [1] A class for zipped modules. [2]"
    # A term with a blank line before its text, or a sentence that closes, is no term.
    apart = [Sentence(a, s.start, s.end, s.text, s.row, s.line_start + s.row, s.line_end + s.row)
             for s in sentences]
    assert decide(question, [a], apart, scored, QueryOptions()).chosen == [1]


def test_every_sentence_of_a_definition_is_read_with_its_term() -> None:
    # A definition list's term (an HTML <dt>, an rst term), its description of three
    # sentences, then a heading and a sentence that describes no term.
    text = ("html_theme\n\nThe theme of the HTML output. See the theming section. "
            "The default is alabaster.\n\nEpub\n\nThe epub builder writes books.")
    a = _hit(0, text)
    parts = [("html_theme", "term", 1), ("The theme of the HTML output.", "paragraph", 3),
             ("See the theming section.", "paragraph", 3),
             ("The default is alabaster.", "paragraph", 3), ("Epub", "heading", 5),
             ("The epub builder writes books.", "paragraph", 7)]
    sentences = []
    for row, (words, kind, line) in enumerate(parts):
        start = text.index(words)
        sentences.append(Sentence(a, start, start + len(words), words, row, line, line, kind=kind))
    tokens = [frozenset(TOKENIZE(s.text)) for s in sentences]
    held = with_antecedents(sentences, tokens)
    assert [held[i] == tokens[i] | tokens[0] for i in (1, 2, 3)] == [True, True, True]
    assert held[0] == tokens[0] and held[4] == tokens[4] and held[5] == tokens[5]
    # Its vector is read joined to the term's: a question about the term's default meets the
    # third sentence, whose own vector is about defaults only.
    vectors = np.zeros((6, 4), dtype=np.float16)
    vectors[0, 0] = vectors[1, 1] = vectors[2, 2] = vectors[4, 2] = vectors[5, 1] = 1.0
    vectors[3] = [0.0, 0.0, 0.6, 0.8]
    query = np.array([0.6, 0.0, 0.0, 0.8], dtype=np.float32)
    question = "What is the default of html_theme?"
    scored = score_sentences(question, query, sentences, vectors, TOKENIZE, QueryOptions())
    joined = np.array([1.0, 0.0, 0.6, 0.8]) / np.linalg.norm([1.0, 0.0, 0.6, 0.8])
    assert scored.cosine is not None
    assert scored.cosine[3] == pytest.approx(float(joined @ query), abs=1e-3)
    assert scored.cosine[5] == pytest.approx(0.0) and scored.cosine[0] == pytest.approx(0.6)
    # Chosen, the sentence comes with its term before it.
    d = decide(question, [a], sentences, scored, QueryOptions())
    assert d.chosen[:2] == [0, 3]
    answer = compose(question, [a], sentences, scored, QueryOptions(), d)
    assert answer.text.startswith("html_theme [1] The default is alabaster. [2]")


def test_an_faqs_question_as_a_term_is_not_shown_but_a_pronoun_brings_its_antecedent() -> None:
    # An FAQ written as a definition list: the question is the term.
    text = "How do I undo a change?\n\nThe usual way is git revert. This keeps the history."
    a = _hit(0, text)
    parts = [("How do I undo a change?", "term"), ("The usual way is git revert.", "paragraph"),
             ("This keeps the history.", "paragraph")]
    sentences = []
    for row, (words, kind) in enumerate(parts):
        start = text.index(words)
        sentences.append(Sentence(a, start, start + len(words), words, row, kind=kind))
    question = "How can I undo a change and keep the history?"
    scored = _scored(question, sentences, [0.3, 0.5, 0.9])
    assert decide(question, [a], sentences, scored, QueryOptions()).chosen == [1, 2]


def test_a_release_line_comes_with_the_change_listed_under_it() -> None:
    text = "0.6c9\n * Fix resource_listdir('') for zipped eggs.\n * Fix the cache path."
    a = _hit(0, text)
    spans = [(0, 5), (6, 48), (49, 71)]
    kinds = ["paragraph", "list_item", "list_item"]
    sentences = [Sentence(a, s, e, text[s:e], row, row + 1, row + 1, kind=k)
                 for row, ((s, e), k) in enumerate(zip(spans, kinds, strict=True))]
    question = "In which release was resource_listdir fixed for zipped eggs?"
    scored = _scored(question, sentences, [0.4, 0.9, 0.3])
    assert decide(question, [a], sentences, scored, QueryOptions()).chosen == [0, 1]


def test_a_question_is_never_chosen_as_an_answer() -> None:
    # An FAQ restates the question; its answer follows. With no answer but the question left,
    # there is none.
    texts = ["Is there a simpler inflate I can read?", "Look in contrib/puff.", "It is short."]
    scored = Scored(np.array([1.1, 0.7, 0.3]), np.array([True, True, True]), None)
    options = QueryOptions(sentence_margin=0.25, answer_sentences=2)
    assert choose(scored, options, texts) == [1]
    assert choose(scored, options, [texts[0], "Why?", "And how?"]) == []


def test_choose_abstains_when_no_near_sentence_offers_the_asked_kind() -> None:
    options = QueryOptions(type_window=0.1)
    assert choose(Scored(np.array([0.9, 0.85]), np.array([False, False]), "date"), options) == []
    assert choose(Scored(np.array([0.9, 0.85]), np.array([False, True]), "date"), options) == [0, 1]
    assert choose(Scored(np.array([0.9, 0.7]), np.array([False, True]), "date"), options) == []


def test_a_sentence_restating_a_who_question_needs_no_name() -> None:
    options = QueryOptions()
    # "An architect normally manages the job" for "Who normally manages a construction job?"
    restating = Scored(np.array([0.9, 0.5]), np.array([False, False]), "name",
                       lexical=np.array([0.75, 0.25]), role_answers=True)
    assert choose(restating, options) == [0]
    loose = Scored(np.array([0.9, 0.5]), np.array([False, False]), "name",
                   lexical=np.array([0.5, 0.25]), role_answers=True)
    assert choose(loose, options) == []
    # "What were the names of …" wants names: no role answers it.
    names = Scored(np.array([0.9, 0.5]), np.array([False, False]), "name",
                   lexical=np.array([1.0, 0.25]))
    assert choose(names, options) == []


def test_who_may_be_answered_by_a_role_but_names_by_names_only() -> None:
    hit = _hit(0, "An architect normally manages the job.")
    sentences = [Sentence(hit, 0, 38, hit.text, 0)]
    vectors = np.array([[1.0, 0.0]], dtype=np.float16)
    query = np.array([1.0, 0.0], dtype=np.float32)
    who = score_sentences("Who normally manages the job?", query, sentences, vectors, TOKENIZE,
                          QueryOptions())
    names = score_sentences("What are the names of those who manage the job?", query,
                            sentences, vectors, TOKENIZE, QueryOptions())
    assert who.kind == names.kind == "name"
    assert who.role_answers and not names.role_answers


def test_an_acronyms_expansion_is_an_answer_below_the_score_floor() -> None:
    options = QueryOptions()
    assert choose(Scored(np.array([0.58, 0.2]), np.array([True, False]), "acronym"), options) == [0]
    assert choose(Scored(np.array([0.58, 0.2]), np.array([False, False]), "acronym"), options) == []
    assert choose(Scored(np.array([0.58, 0.2]), np.array([True, True]), "date"), options) == []


def test_compose_cites_each_chosen_sentence_exactly_best_first() -> None:
    hits, sentences = _sentences()
    scored = Scored(np.array([0.7, 0.65, 0.9]), np.array([True, True, True]), None)
    answer = compose("Where were the talks?", hits, sentences, scored, QueryOptions())
    assert answer.text == "Talks were held in London. [1] Tokyo hosted the talks. [2]"
    assert not answer.abstained and answer.confidence == 0.9
    first, second = answer.citations
    assert (first.number, first.source, first.start, first.end, first.quote, first.score) == \
        (1, "doc1.txt", 0, 26, TEXT_B, 0.9)
    assert (second.number, second.start, second.end, second.quote) == (2, 100, 123, TEXT_A[:23])
    assert (second.passage_start, second.passage_end, second.chunk_id) == (100, 100 + len(TEXT_A), 0)


def test_answer_text_has_no_markup_but_the_quote_is_exact() -> None:
    hit = _hit(0, "See **the [guide](https://x.org/g)** or [the FAQ](faq.md) for `pip`.")
    sentence = Sentence(hit, 0, len(hit.text), hit.text, 0)
    scored = Scored(np.array([0.9]), np.array([True]), None)
    answer = compose("Where is the guide?", [hit], [sentence], scored, QueryOptions())
    # A link to a web address keeps the address; a link within the documents does not.
    assert answer.text == "See the guide (https://x.org/g) or the FAQ for pip. [1]"
    assert answer.citations[0].quote == hit.text


@pytest.mark.parametrize("source", ["api.html", "api.PDF", "guide.docx", "api.html.gz"])
def test_text_read_from_html_pdf_or_docx_is_shown_as_it_is(source: str) -> None:
    """The text of a rendered format holds no markup: "__init__" and "<string>" in it are
    what the reader sees, not Markdown emphasis or a tag; the same words in Markdown are."""
    text = "• Call __init__ with a <string> and **kwargs."
    hits = [Hit(0, source, 0, len(text), 1, 1, text, 1.0), Hit(1, "api.md", 0, len(text), 1, 1, text, 0.5)]
    scored = Scored(np.array([0.9]), np.array([True]), None)
    shown = [compose("What does __init__ take?", [hit], [Sentence(hit, 0, len(text), text, 0)], scored,
                     QueryOptions()).text for hit in hits]
    # A list item's bullet goes either way.
    assert shown == ["Call __init__ with a <string> and **kwargs. [1]",
                     "Call init with a and **kwargs. [1]"]


def test_a_line_of_code_is_shown_as_it_is() -> None:
    """A code line is no Markdown: a placeholder in angle brackets and underscores stay."""
    hit = _hit(0, "[tool.hatch.build.hooks.<HOOK_NAME>]\nenable_by_default = __all__")
    lines = [Sentence(hit, 0, 36, hit.text[:36], 0, kind="code"),
             Sentence(hit, 37, len(hit.text), hit.text[37:], 1, kind="code")]
    scored = Scored(np.array([0.9, 0.8]), np.array([True, True]), None)
    answer = compose("How do I turn a hook off?", [hit], lines, scored, QueryOptions())
    assert answer.text == ("[tool.hatch.build.hooks.<HOOK_NAME>] [1] "
                           "enable_by_default = __all__ [2]")


def test_compose_abstains_with_the_closest_passages() -> None:
    hits, sentences = _sentences()
    scored = Scored(np.array([0.1, 0.2, 0.3]), np.array([True, True, True]), None)
    answer = compose("What is the capital of Peru?", hits, sentences, scored, QueryOptions())
    assert answer.abstained and answer.text == NO_ANSWER
    assert [c.chunk_id for c in answer.citations] == [0, 1]


# ---- decisions past the gates ------------------------------------------------------------
TOKENIZE = make_tokenizer("stem-stop")


def _model(intercept: float, threshold: float = 0.5) -> AnswerModel:
    """A real answer model whose probability is the logistic of `intercept` plus the best
    hand score, calibrated by the identity."""
    scorer = Scorer.from_dict({"kind": "logistic", "features": ["best_score"], "mean": [0.0],
                               "scale": [1.0], "coef": [1.0], "intercept": intercept})
    return AnswerModel(scorer, Calibration.identity(), threshold, {})


def _scored(question: str, sentences: list[Sentence], scores: list[float]) -> Scored:
    tokens = tuple(frozenset(TOKENIZE(s.text)) for s in sentences)
    n = len(sentences)
    common = frozenset(lowercase_words({s.hit.chunk_id: s.hit.text for s in sentences}.values()))
    return Scored(np.array(scores), np.ones(n, dtype=bool), None, np.array(scores),
                  np.zeros(n), tokens, common)


def _two_reports() -> tuple[list[Hit], list[Sentence]]:
    a, b = _hit(0, "The talks were held in Tokyo. It was cold."), _hit(1, "Talks were held in London.")
    return [a, b], [Sentence(a, 0, 29, a.text[:29], 0), Sentence(a, 30, 42, a.text[30:], 1),
                    Sentence(b, 0, 26, b.text, 2)]


def test_two_passages_that_give_different_places_are_both_cited() -> None:
    hits, sentences = _two_reports()
    stats = build_bm25([TOKENIZE(h.text) for h in hits])
    question = "Where were the talks held?"
    q = question_terms(question, TOKENIZE, stats)
    near = neighbours(sentences)
    assert near == [[1], [0], []]
    # Tokyo (0.9) and London (0.85) are within 0.1: a disagreement, best first.
    scored = _scored(question, sentences, [0.9, 0.5, 0.85])
    assert sides(question, q, sentences, scored, near) == [0, 2]
    # London 0.3 below the best is no dissent.
    assert sides(question, q, sentences, _scored(question, sentences, [0.9, 0.5, 0.6]),
                 near) == []
    d = decide(question, hits, sentences, scored, QueryOptions(abstain_threshold=0.5), q, stats,
               _model(0.0))
    assert d.disagreement and d.chosen == [0, 2] and d.refused is None
    answer = compose(question, hits, sentences, scored, QueryOptions(), d)
    assert answer.disagreement and answer.text.startswith(DISAGREE)
    assert "Tokyo" in answer.text and "London" in answer.text


def test_the_model_only_withholds_answers_that_passed_the_gates() -> None:
    hits, sentences = _sentences()
    stats = build_bm25([TOKENIZE(h.text) for h in hits])
    options = QueryOptions(abstain_threshold=0.5)
    question = "Who was the minister?"
    q = question_terms(question, TOKENIZE, stats)
    scored = _scored(question, sentences, [0.7, 0.9, 0.2])
    # logistic(0.9 - 0.9) = 0.5: kept; logistic(0.9 - 1.0) < 0.5: withheld, its confidence kept.
    kept = decide(question, hits, sentences, scored, options, q, stats, _model(-0.9))
    assert kept.refused is None and kept.chosen == [1, 0]
    assert kept.confidence == pytest.approx(0.5)
    low = decide(question, hits, sentences, scored, options, q, stats, _model(-1.0))
    assert low.refused == "confidence" and 0.0 < low.confidence < 0.5
    assert compose(question, hits, sentences, scored, options, low).abstained
    # Below the hand-set floor no model can answer: confidence 0.
    weak = _scored(question, sentences, [0.5, 0.55, 0.2])
    gated = decide(question, hits, sentences, weak, options, q, stats, _model(10.0))
    assert (gated.refused, gated.confidence) == ("gate", 0.0)
    # Nothing of the question's subject is in the passages: off-topic, confidence 0.
    off = question_terms("Who painted the Sistine Chapel?", TOKENIZE, stats)
    refused = decide("Who painted the Sistine Chapel?", hits, sentences, scored, options, off,
                     stats, _model(10.0))
    assert (refused.refused, refused.confidence) == ("off-topic", 0.0)


def test_a_missing_name_and_passages_that_share_only_a_stem_are_off_topic() -> None:
    text = "Capitalization operators are an optional feature of the shell."
    hit = _hit(0, text)
    sentences = [Sentence(hit, 0, len(text), text, 0)]
    stats = build_bm25([TOKENIZE(text)])
    options = QueryOptions()

    def decided(question: str) -> str | None:
        q = question_terms(question, TOKENIZE, stats)
        return decide(question, [hit], sentences, _scored(question, sentences, [0.9]), options,
                      q, stats, _model(10.0)).refused

    # "capital" and "capitalization" are one stem to BM25, and "Australia" is nowhere.
    assert decided("What is the capital of Australia?") == "off-topic"
    # Without a name the corpus lacks, a question may be a paraphrase: it goes on.
    assert decided("What is the capital used for?") is None
    # An inflected word still counts: "operator" is written "operators".
    assert decided("Which operator is optional?") is None
    assert decided("What does the shell's feature do?") is None


def test_a_missing_name_and_a_best_passage_with_one_of_its_words_are_off_topic() -> None:
    text = ("Sed converts capital letters to lower case with the y command. "
            "Céloron buried lead plates along the Ohio.")
    hit = _hit(0, text)
    sentences = [Sentence(hit, 0, 62, text[:62], 0), Sentence(hit, 63, len(text), text[63:], 1)]
    stats = build_bm25([TOKENIZE(text)])

    def decided(question: str) -> str | None:
        q = question_terms(question, TOKENIZE, stats)
        return decide(question, [hit], sentences, _scored(question, sentences, [0.9, 0.8]),
                      QueryOptions(), q, stats, _model(10.0)).refused

    # "capital" is written in the passage, but it is the only word of the question there.
    assert decided("What is the capital of Australia?") == "off-topic"
    # The missing name with more of the question's words in the passage: it goes on.
    assert decided("Which command converts capital letters in Australia?") is None
    # A name spelled nearly as one of the corpus's ("Celeron", "Céloron") is not missing.
    assert not question_terms("What did Celeron bury?", TOKENIZE, stats).focus_absent
    assert decided("What did Celeron bury?") is None
    assert decided("What did Smith bury?") == "off-topic"


def test_a_lead_in_that_ends_in_a_colon_is_followed_by_what_it_introduces() -> None:
    text = ("Instead of setup.py develop, use:\n$ pip install -e .\nIt is quicker.\nIt is safer."
            "\nIt is newer.")
    a, b = _hit(0, text), _hit(1, "Other tools exist.")
    spans = [(0, 33), (34, 52), (53, 67), (68, 80), (81, 93)]
    sentences = [Sentence(a, s, e, text[s:e], row) for row, (s, e) in enumerate(spans)]
    sentences.append(Sentence(b, 0, 18, b.text, 5))
    question = "What should I use instead of setup.py develop?"
    scored = _scored(question, sentences, [0.9, 0.3, 0.2, 0.2, 0.2, 0.7])
    d = decide(question, [a, b], sentences, scored, QueryOptions(sentence_margin=0.25))
    # The lead-in, then at most three sentences after it in its passage, then the close second.
    assert d.chosen == [0, 1, 2, 3, 5]
    answer = compose(question, [a, b], sentences, scored, QueryOptions(), d)
    assert answer.text.startswith("Instead of setup.py develop, use: [1] $ pip install -e . [2]")
    assert [c.quote for c in answer.citations][:2] == [text[0:33], text[34:52]]
    # A sentence that does not end in a colon is not followed.
    plain = _scored(question, sentences, [0.2, 0.9, 0.3, 0.2, 0.2, 0.1])
    assert decide(question, [a, b], sentences, plain, QueryOptions()).chosen == [1]


def test_a_caption_is_followed_by_its_example() -> None:
    text = ("Compute the last day of the month.\nSELECT date('now','+1 month','-1 day');\n"
            "Compute the current date.\nIt is today.")
    a = _hit(0, text)
    spans = [(0, 34), (35, 75), (76, 101), (102, 114)]
    kinds = ["paragraph", "quote", "paragraph", "paragraph"]
    sentences = [Sentence(a, s, e, text[s:e], row, kind=k)
                 for row, ((s, e), k) in enumerate(zip(spans, kinds, strict=True))]
    question = "How do I get the last day of the month?"
    scored = _scored(question, sentences, [0.9, 0.2, 0.3, 0.2])
    # The example after the caption joins it; prose after prose does not, nor code.
    assert decide(question, [a], sentences, scored, QueryOptions()).chosen == [0, 1]
    other = _scored(question, sentences, [0.2, 0.1, 0.9, 0.3])
    assert decide(question, [a], sentences, other, QueryOptions()).chosen == [2]
    code = [Sentence(a, s.start, s.end, s.text, s.row, kind="code" if s.row == 1 else s.kind)
            for s in sentences]
    assert decide(question, [a], code, scored, QueryOptions()).chosen == [0]
