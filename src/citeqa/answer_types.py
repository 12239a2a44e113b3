"""What kind of answer a question asks for, and whether a sentence offers one.

A classic factoid-QA check: "how many" wants a number, "when" a date, "who" a name, "how
much does it cost" an amount of money ("how much memory" a number), "what does X stand for"
an expansion of X; "why" asks for a reason, no kind. A sentence
offers an answer only with such a token that the question does not already contain, which
is how near-miss questions ("on which day in November 2014…") are told from answerable ones.
`values` lists those tokens (and places, for "where" questions), so two sentences that give
different ones can be told to disagree. "How do I…" and "why" ask for no kind, but hint at
one (`hinted_kind`): in documentation a sentence that names a command, an option or a key
answers "how do I…", and one that gives a cause answers "why".
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

MONTHS = ("january february march april may june july august september october november "
          "december jan feb mar apr jun jul aug sep sept oct nov dec").split()
# "one" is left out: it is mostly a pronoun ("building one"). A share is an amount too:
# "How much of the population died?" "About a third."
NUMBER_WORDS = ("two three four five six seven eight nine ten eleven twelve dozen dozens "
                "hundred hundreds thousand thousands million millions billion billions "
                "half several third thirds quarter quarters fifth fifths sixth sixths "
                "eighth eighths tenth tenths").split()
CURRENCY = re.compile(r"[$£€¥₹₽]|\b(?:dollars?|pounds?|euros?|yen|usd|gbp|eur|lira|lire|francs?|"
                      r"marks?|rupees?|yuan|renminbi|roubles?|rubles?|pesos?|krona|kronor|krone|"
                      r"kroner|shillings?|guineas?|florins?|ducats?|won|rand|reais|real)\b", re.I)
_NUMBER = re.compile(r"(?<![\w-])\d+(?:[,.]\d+)*(?![\w-])")
# "one" as a count, where a word before it says so: "at most one distribution".
_ONE = re.compile(r"\b(?:at\s+(?:most|least)|only|exactly|just|no\s+more\s+than)\s+one\b", re.I)
_ORDINAL_DAY = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)\b", re.I)
_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")     # a number that reads as a year, not a count
_YEAR_DIGITS = r"(?:1\d|20)\d\d"                  # a year a date may give: "by autumn 1347"
_DECADE = r"1\d{2}0s|20\d0s"                      # "the 1960s"
_DATE_YEAR = re.compile(r"\b" + _YEAR_DIGITS + r"\b")
# A decade or a century is a date too ("the 1960s", "the 17th century", "the nineteenth century").
_ERA = re.compile(r"\b(?:" + _DECADE + r")\b|\b(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|"
                  r"fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|"
                  r"fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|"
                  r"twentieth|twenty-first)[\s-]+century\b", re.I)
_CAPITALISED = re.compile(r"\b[A-Z][\w’'-]*[A-Za-z]")
# A name in technical writing: a word joined by "-", "_", "." or "::" ("dist-upgrade", "pip.conf").
_IDENTIFIER = re.compile(r"(?<![\w.-])[A-Za-z]\w*(?:(?:-|_|\.|::)\w+)+(?![\w-])")
_ASKS_NAME = re.compile(r"\b(?:named?|names|called)\b", re.I)
# A name given in lower case when a name is asked for: "shore power, also called cold ironing".
_ALIAS = re.compile(r"\b(?:called|known\s+as|referred\s+to\s+as|named|nicknamed|dubbed|"
                    r"a\.?k\.?a\.?)\s+[\"“']?([\w’'-]+)", re.I)
_POSSESSIVE = re.compile(r"[’']s?$")
_LOWER = re.compile(r"\b[a-z][\w’'-]*")
# "What does BCJ stand for?"; a lower-case abbreviation in quotes: "What does “pmb” stand for?"
_ACRONYM_Q = re.compile(r"\b([A-Z][A-Z0-9-]{1,})\s+stands?\s+for\b|"
                        r"[\"“‘'`]([A-Za-z][\w-]{1,})[\"”’'`]\s+stands?\s+for\b")
_WORD = re.compile(r"[^\W\d_][\w’']*")
_PLACE_NOUNS = r"(?:city|country|countries|place|town|location|venue|state|region|continent|island)"
_PLACE_Q = re.compile(rf"^\s*where\b|\b(?:what|which|in\s+which)\s+{_PLACE_NOUNS}\b", re.I)
# A place is a capitalised run after a locative preposition: "in Tokyo", "at Lancaster House".
_PLACE = re.compile(r"\b(?:in|at|near|from|to)\s+(?:the\s+)?([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)")
_MONTH_NAMES = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_NAMES})")
_MONTH_DAY = re.compile(rf"\b({_MONTH_NAMES})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!\d)")
_DAY_RANGE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s*(?:-|–|to|and)\s*\d{{1,2}}(?:st|nd|rd|th)?\s+"
                        rf"(?:of\s+)?{_MONTH_NAMES}")
_LOCATIVE = re.compile(r"\b(?:in|at|near|from|to|of)\s+(?:the\s+)?$")
_NAME_RUN = re.compile(r"\b[A-Z][\w’'-]*[A-Za-z](?:\s+[A-Z][\w’'-]*[A-Za-z])*")

# "How much" asks for money only with one of these ("how much did it cost", "how much was
# spent"); otherwise it asks for an amount of something ("how much memory", "how much smaller").
_MONEY_WORDS = ("costs?|priced?|prices|pay|pays|paid|spend|spends|spent|charged?|charges|fees?|"
                "earn|earns|earned|money|funds?|funded|funding|salary|wages?|revenue|income|"
                "sell|sells|sold|buy|buys|bought|invest|invests|invested|afford|donated?|raised?")

# "How long" is answered by a number of units or by one unit: "usually around a day".
_HOW_LONG = re.compile(r"\bhow\s+long\b", re.I)
# ... or by when it began or ends: "How long has the government done it?" "Since 2001."
_SINCE = re.compile(r"\b(?:since|until|till)\s+(?:the\s+)?(?:[A-Za-z]+\s+)*?"
                    r"(" + _YEAR_DIGITS + r"|\d{1,2}(?:st|nd|rd|th)\s+century|" + _DECADE + ")",
                    re.I)
_DURATION = re.compile(r"\b(?:an?|one|a\s+few)\s+(?:second|minute|hour|day|week|fortnight|month|"
                       r"year|decade|century)\b", re.I)

_TYPES: list[tuple[str, re.Pattern[str]]] = [
    ("acronym", re.compile(r"\bstands?\s+for\b", re.I)),
    ("date", re.compile(r"^\s*when\b|\b(?:what|which)\s+(?:year|date|day|month|time)\b|"
                        r"\bon\s+what\s+date\b|\bin\s+what\s+(?:year|month)\b", re.I)),
    # "the price of oil", "how much did it cost?"; not "the safety cost level" of a program.
    ("money", re.compile(rf"\b(?:cost|price|worth|budget)\s+(?:of|for|to)\b|"
                         rf"\bhow\s+much\b.*\b(?:{_MONEY_WORDS})\b", re.I)),
    ("quantity", re.compile(r"\bhow\s+(?:many|much|tall|high|long|far|old|big|large|heavy)\b|"
                            r"\bnumber\s+of\b|\bpopulation\b|\bpercentage\b", re.I)),
    ("name", re.compile(r"^\s*(?:who|whom|whose)\b|\b(?:what|which)\s+is\s+the\s+name\b|"
                        r"\bfirst\s+name\b|\bnamed?\b|\bnames\b", re.I)),
]
_HOW_TO = re.compile(r"\bhow\s+(?:do|can|could|should|would|may|might|must)\s+(?:i|you|we|one)\b"
                     r"|\bhow\s+to\b", re.I)
_COMMAND = re.compile("|".join((
    r"`[^`\n]+`",                                           # a code span: `pip cache dir`
    r"(?<![\w-])--?[A-Za-z][\w-]*(?:=\S+)?",                 # an option: -s, --no-deps=x
    r"\\[A-Za-z]+",                                         # a TeX command: \QuestionIndicative
    r"\b[A-Za-z_]\w*\(\)",                                  # a call: deflateInit2()
    r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b",                        # an environment variable
    r"(?<![\w/])(?:~|\.{1,2})?/[\w.-]+(?:/[\w.-]*)*",         # a path: ~/.cache/pip
    r"\b(?:Ctrl|Control|Alt|Shift|Meta|Cmd)[+-]\w",         # a key: Ctrl+c
)))
_WHY = re.compile(r"(?:^|[.,;])\W*(?:why|how\s+come)\b|\bwhat\s+(?:is|was|are)\s+the\s+reasons?\b",
                  re.I)
_CAUSE = re.compile(r"\b(?:because|since|due\s+to|owing\s+to|so\s+that|in\s+order\s+to|to\s+avoid|"
                    r"to\s+prevent|otherwise|reasons?|therefore|thus|hence|caused\s+by|results?\s+in|"
                    r"leads?\s+to|means?\s+that)\b|^\W*as\s", re.I)
# "What is the default…", "…unless told otherwise", "If I leave out the option…": a question
# about what holds when nothing is chosen, answered by a sentence that says so.
_ASKS_DEFAULT = re.compile(r"\bdefault\b|\bunless\s+(?:told|set|given|specified|chosen)\b|"
                           r"\bwhen\s+none\s+is\b|\bout\s+of\s+the\s+box\b|"
                           r"\b(?:if|when)\s+(?:i|you|we)\s+(?:leave\s+out|omit|"
                           r"(?:do\s+not|don[’']t|never)\s+(?:set|choose|pick|configure|specify|"
                           r"select|change|give|pass)|(?:have\s+not|haven[’']t)\s+(?:set|chosen|"
                           r"configured|specified|selected))\b|"
                           r"\bwithout\s+(?:setting|choosing|configuring|specifying|selecting)\b",
                           re.I)
_STATES_DEFAULT = re.compile(r"\bdefault(?:s|ed)?\b|\bunless\b|\bwithout\s+(?:this|the|that|any)\b|"
                             r"\bif\s+(?:not|omitted|unset|absent)\b|\botherwise\b", re.I)
_REASON = re.compile(r"^\s*(?:why|how\s+come)\b", re.I)   # a reason is no typed answer
# "When the tests run as root, which account…": a clause that sets a condition, then the question.
_CONDITION = re.compile(r"\s*(?:when|whenever|if|once|while|after|before)\b[^?]*?,\s*"
                        r"(?=(?:what|which|who|whom|whose|where|when|how|why)\b)", re.I)
_WH = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.I)


def expected_type(question: str) -> str | None:
    """The answer type a question asks for, or None when it does not say. It is read from the
    main clause, after a leading condition and up to a second wh-word: "what do I type to see
    how much space it needs?" asks for a key, not a quantity, and "When the tests run as
    root, which account do they use?" for an account, not a date."""
    if _REASON.search(question):
        return None
    condition = _CONDITION.match(question)
    if condition:
        question = question[condition.end():]
    second = list(_WH.finditer(question))[1:2]
    main = question[:second[0].start()] if second else question
    for name, pattern in _TYPES:
        if pattern.search(main):
            return name
    return None


def _spelled_out(acronym: str, sentence: str) -> bool:
    """Whether words of `sentence` in a row begin with the acronym's letters ("poor man’s
    bold" for pmb, "Branch/Call/Jump" for BCJ); three letters at least, since two match
    any "in the"."""
    letters = acronym.replace("-", "").lower()
    if len(letters) < 3 or not letters.isalpha():
        return False
    return letters in "".join(w[0] for w in _WORD.findall(sentence)).lower()


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
        if not match:
            return False
        acronym = match.group(1) or match.group(2)
        escaped = re.escape(acronym)       # "Long Name (LN)", "LN (Long Name)", "LN stands for"
        return bool(re.search(rf"\({escaped}\)|\b{escaped}\s+\(|\b{escaped}\W{{0,2}}\s+"
                              r"(?:stands?\s+for|is\s+short\s+for)\b", sentence, re.I)) \
            or _spelled_out(acronym, sentence)
    if kind == "money":
        return bool(CURRENCY.search(sentence)) and bool(_new(_NUMBER.findall(sentence), asked)
                                                         or _words(sentence, NUMBER_WORDS, asked))
    if kind == "quantity":
        numbers = [n for n in _NUMBER.findall(sentence) if not _YEAR.fullmatch(n)]
        return bool(_new(numbers, asked) or _words(sentence, NUMBER_WORDS, asked)
                    or _new(_ONE.findall(sentence), asked)
                    or _HOW_LONG.search(question) and _new(_DURATION.findall(sentence)
                                                           + _SINCE.findall(sentence), asked))
    if kind == "date":
        found = (_DATE_YEAR.findall(sentence) + _ORDINAL_DAY.findall(sentence)
                 + _ERA.findall(sentence))
        return bool(_new(found, asked) or _words(sentence, MONTHS, asked)
                    or re.search(r"\b(?:last|next|this)\s+(?:year|month|week)\b|\btoday\b",
                                 sentence, re.I) and "today" not in asked)
    return any(w.lower() not in common and not w.isupper()
               for w in _new(_CAPITALISED.findall(sentence), asked)) or \
        bool(_new(_IDENTIFIER.findall(sentence), asked)) or \
        bool(asks_for_names(question) and _new(_ALIAS.findall(sentence), asked))


def dissent_kind(question: str) -> str | None:
    """The kind of answer whose values two sources can disagree on: the asked-for type, or a
    place for "where" questions (not a type of `expected_type`, whose gate it would change)."""
    return expected_type(question) or ("place" if _PLACE_Q.search(question) else None)


def values(kind: str | None, question: str, sentence: str,
           common: Collection[str] = frozenset()) -> set[str]:
    """The answers of type `kind` that `sentence` gives and `question` does not hold, lower
    case: years, months and days for a date, numbers for a quantity or amount (not the day of
    a date), the words of runs of two or more capitalised words for a name, and capitalised
    words after "in", "at", "near", "from" or "to" for a place; never a sentence's first word.
    Empty for questions of no kind and for expansions."""
    asked = question.lower()
    if kind == "date":
        years = {f"year:{y}" for y in _DATE_YEAR.findall(sentence) if y not in asked}
        months = {f"month:{w.lower()[:3]}" for w in re.findall(r"\b[A-Z][a-z]+", sentence)
                  if w.lower() in MONTHS and w.lower() not in asked}
        days = {f"day:{m[:3].lower()} {int(d)}" for d, m in _DAY_MONTH.findall(sentence)} | \
            {f"day:{m[:3].lower()} {int(d)}" for m, d in _MONTH_DAY.findall(sentence)}
        return years | months | days
    if kind == "money" and not CURRENCY.search(sentence):
        return set()
    if kind in ("quantity", "money"):
        days = {d for d, _ in _DAY_MONTH.findall(sentence)} | \
            {d for _, d in _MONTH_DAY.findall(sentence)} | \
            set(_DAY_RANGE.findall(sentence))            # "14 March", "5 to 7 August": no quantity
        numbers = {n.replace(",", "") for n in _new(_NUMBER.findall(sentence), asked)
                   if n not in days}
        return {n for n in numbers if not _YEAR.fullmatch(n)}
    # A sentence's first word is capitalised whatever it is, so it is no name.
    body = sentence.lstrip()
    body = body[len(body.split(maxsplit=1)[0]):] if body else body
    if kind == "place":
        found = (w for run in _PLACE.findall(body) for w in run.split())
    elif kind == "name":       # a full name, not a place: one capitalised word is too often one
        found = (w for m in _NAME_RUN.finditer(body) if len(m.group().split()) > 1
                 and not _LOCATIVE.search(body, max(0, m.start() - 12), m.start())
                 for w in m.group().split())
    else:
        return set()
    return {w.lower() for w in found
            if w.lower() not in asked and w.lower() not in common and not w.isupper()
            and w.lower().rstrip('.') not in MONTHS}


def conflict(a: set[str], b: set[str]) -> bool:
    """Two sentences' answers of one kind disagree: each gives some, and they share none.
    Dates are compared at each precision both give ("year:", "month:", "day:"), so "January
    2015" and "21 January" agree while "14 March 2019" and "21 March 2019" do not."""
    groups = {v.split(":", 1)[0] for v in a if ":" in v} & {v.split(":", 1)[0] for v in b if ":" in v}
    if groups:
        return any(not {v for v in a if v.startswith(g + ":")} & {v for v in b if v.startswith(g + ":")}
                   for g in groups)
    return bool(a) and bool(b) and not a & b


def lowercase_words(texts: Iterable[str]) -> set[str]:
    """The words that `texts` write in lower case (what `offers` takes as common words)."""
    return {w for text in texts for w in _LOWER.findall(text)}


def _new(tokens: list[str], asked: str) -> list[str]:
    """The tokens the question does not hold; a possessive is the name it is of ("Wget's" is
    in "Who wrote Wget?")."""
    return [t for t in tokens if _POSSESSIVE.sub("", t.lower()) not in asked]


def _words(sentence: str, vocabulary: list[str], asked: str) -> bool:
    words = set(re.findall(r"[a-z]+", sentence.lower()))
    return any(w in words and not re.search(rf"\b{w}\b", asked) for w in vocabulary)


def hinted_kind(question: str) -> str | None:
    """What a question that asks for no kind hints its answer holds: "how-to" for "How do I
    stop pip from…?", "reason" for "Why does…?"; None for neither. A sentence that holds one
    (`gives`) is likelier the answer, but none is required."""
    if _HOW_TO.search(question):
        return "how-to"
    if _WHY.search(question):
        return "reason"
    return None


def gives(hint: str, question: str, sentence: str) -> bool:
    """Whether `sentence` holds what `hint` asks for: for "how-to" a command, option, path,
    variable or key that `question` does not name ("…by passing `--no-deps`"), for "reason"
    a causal link ("because", "since", "due to", "in order to", a sentence opening "As…")."""
    if hint == "how-to":
        return bool(_new(_COMMAND.findall(sentence), question.lower()))
    return bool(_CAUSE.search(sentence))


def asks_default(question: str) -> bool:
    """Whether the question asks what holds when nothing is chosen ("What is the default
    darkness threshold?", "In what order are packages listed unless told otherwise?")."""
    return bool(_ASKS_DEFAULT.search(question))


def states_default(sentence: str) -> bool:
    """Whether the sentence says what holds when nothing is chosen ("Default value is
    Rasheeq", "Without this option, English will be selected")."""
    return bool(_STATES_DEFAULT.search(sentence))


def asks_for_names(question: str) -> bool:
    """Whether the question asks for names in so many words ("What were the names of…",
    "what is X called?"), so that a role or a group ("an architect") does not answer it."""
    return bool(_ASKS_NAME.search(question))
