"""The expected answer type of a question, and whether a sentence offers an answer of it."""

from __future__ import annotations

import pytest

from citeqa.answer_types import expected_type, lowercase_words, offers


@pytest.mark.parametrize(("question", "kind"), [
    ("What does IMCMEX stand for?", "acronym"),
    ("How much did the study cost?", "money"),
    ("How many ships took part?", "quantity"),
    ("When was the study launched?", "date"),
    ("In what year did Japan ban arms exports?", "date"),
    ("Who led the Battle Staff?", "name"),
    ("Which venue hosted the meeting?", None),
])
def test_expected_type(question: str, kind: str | None) -> None:
    assert expected_type(question) == kind


def test_offers_needs_a_new_token_of_the_kind() -> None:
    assert offers("date", "When was the study launched?", "It was launched in November 2014.")
    assert not offers("date", "On which day in November 2014 was it launched?",
                      "It was launched in November 2014.")
    assert offers("quantity", "How many hostages?", "ISIL holds two hostages.")
    assert not offers("quantity", "How many hostages?", "ISIL holds hostages since 2014.")
    assert offers("money", "How much did it cost?", "It cost $3 million.")
    assert not offers("money", "How much did it cost?", "It cost a lot.")
    assert offers("acronym", "What does COC stand for?", "the Code of Conduct (COC) in the sea")
    assert offers(None, "Which venue?", "anything")


def test_capitalised_common_words_are_not_names() -> None:
    sentence = "The Ministers condemned the taking of hostages."
    question = "Who were the hostages?"
    assert offers("name", question, sentence)                      # "Ministers" looks like a name
    common = lowercase_words(["the ministers met", sentence])
    assert not offers("name", question, sentence, common)          # ... but is written lower too
    assert offers("name", question, "Minister Gen Nakatani met the ministers.", common)


def test_acronyms_are_not_names() -> None:
    question = "Who was Japan's defence minister?"
    common = lowercase_words(["the talks"])
    assert not offers("name", question, "The UK and Japan discussed ISIL.", common)
    assert offers("name", question, "The UK met Defence Minister Gen Nakatani.", common)
