"""What kind of answer a question asks for, and whether a sentence offers one.

A classic factoid-QA check: "how many" wants a number, "when" a date, "who" a name, "how
much does it cost" an amount of money, "what does X stand for" an expansion of X. A sentence
offers an answer only with such a token that the question does not already contain, which
is how near-miss questions ("on which day in November 2014…") are told from answerable ones.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

MONTHS = ("january february march april may june july august september october november "
          "december jan feb mar apr jun jul aug sep sept oct nov dec").split()
# "one" is left out: it is mostly a pronoun ("building one").
NUMBER_WORDS = ("two three four five six seven eight nine ten eleven twelve dozen dozens "
                "hundred hundreds thousand thousands million millions billion billions "
                "half several").split()
CURRENCY = re.compile(r"[$£€¥]|\b(?:dollars?|pounds?|euros?|yen|usd|gbp|eur)\b", re.I)
_NUMBER = re.compile(r"(?<![\w-])\d+(?:[,.]\d+)*(?![\w-])")
_ORDINAL_DAY = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)\b", re.I)
_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")
_CAPITALISED = re.compile(r"\b[A-Z][\w’'-]*[A-Za-z]")
_LOWER = re.compile(r"\b[a-z][\w’'-]*")
_ACRONYM_Q = re.compile(r"\bdoes\s+([A-Z][A-Z0-9-]{1,})\s+stand\s+for\b")

_TYPES: list[tuple[str, re.Pattern[str]]] = [
    ("acronym", re.compile(r"\bstand\s+for\b", re.I)),
    ("money", re.compile(r"\bhow\s+much\b|\bcost\b|\bprice\b|\bworth\b|\bvalue\b|\bbudget\b",
                         re.I)),
    ("quantity", re.compile(r"\bhow\s+(?:many|tall|high|long|far|old|big|large|heavy)\b|"
                            r"\bnumber\s+of\b|\bpopulation\b|\bpercentage\b", re.I)),
    ("date", re.compile(r"^\s*when\b|\b(?:what|which)\s+(?:year|date|day|month|time)\b|"
                        r"\bon\s+what\s+date\b|\bin\s+what\s+(?:year|month)\b", re.I)),
    ("name", re.compile(r"^\s*(?:who|whom|whose)\b|\b(?:what|which)\s+is\s+the\s+name\b|"
                        r"\bfirst\s+name\b|\bnamed?\b|\bnames\b", re.I)),
]


def expected_type(question: str) -> str | None:
    """The answer type a question asks for, or None when it does not say."""
    for name, pattern in _TYPES:
        if pattern.search(question):
            return name
    return None


def offers(kind: str | None, question: str, sentence: str,
           common: Collection[str] = frozenset()) -> bool:
    """Whether `sentence` holds an answer of type `kind` that is not already in `question`.
    A capitalised word found in lower case in `common` (the words of the passages around) is
    a capitalised common word ("Ministers", "Staff"), and a word in capitals is an acronym
    ("UK", "ISIL"); neither is taken as a name."""
    if kind is None:
        return True
    asked = question.lower()
    if kind == "acronym":
        match = _ACRONYM_Q.search(question)
        return bool(match) and f"({match.group(1)})".lower() in sentence.lower()  # type: ignore[union-attr]
    if kind == "money":
        return bool(CURRENCY.search(sentence)) and bool(_new(_NUMBER.findall(sentence), asked)
                                                         or _words(sentence, NUMBER_WORDS, asked))
    if kind == "quantity":
        numbers = [n for n in _NUMBER.findall(sentence) if not _YEAR.fullmatch(n)]
        return bool(_new(numbers, asked) or _words(sentence, NUMBER_WORDS, asked))
    if kind == "date":
        found = _YEAR.findall(sentence) + _ORDINAL_DAY.findall(sentence)
        return bool(_new(found, asked) or _words(sentence, MONTHS, asked)
                    or re.search(r"\b(?:last|next|this)\s+(?:year|month|week)\b|\btoday\b",
                                 sentence, re.I) and "today" not in asked)
    return any(w.lower() not in common and not w.isupper()
               for w in _new(_CAPITALISED.findall(sentence), asked))


def lowercase_words(texts: Iterable[str]) -> set[str]:
    """The words that `texts` write in lower case (what `offers` takes as common words)."""
    return {w for text in texts for w in _LOWER.findall(text)}


def _new(tokens: list[str], asked: str) -> list[str]:
    return [t for t in tokens if t.lower() not in asked]


def _words(sentence: str, vocabulary: list[str], asked: str) -> bool:
    words = set(re.findall(r"[a-z]+", sentence.lower()))
    return any(w in words and not re.search(rf"\b{w}\b", asked) for w in vocabulary)
