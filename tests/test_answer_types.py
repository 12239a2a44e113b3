"""The expected answer type of a question, and whether a sentence offers an answer of it."""

from __future__ import annotations

import pytest

from citeqa.answer_types import (
    asks_default,
    expected_type,
    gives,
    hinted_kind,
    lowercase_words,
    offers,
    states_default,
)


@pytest.mark.parametrize(("question", "kind"), [
    ("What does IMCMEX stand for?", "acronym"),
    ("How much did the study cost?", "money"),
    ("How many ships took part?", "quantity"),
    ("When was the study launched?", "date"),
    ("In what year did Japan ban arms exports?", "date"),
    ("Who led the Battle Staff?", "name"),
    ("Which venue hosted the meeting?", None),
    # "How much" asks for money only when the question is about paying or costs.
    ("How much memory can the encoder use?", "quantity"),
    ("By how much will emissions fall?", "quantity"),
    ("How much did Saudi Arabia spend on the campaign?", "money"),
    ("What is the default value of the limit?", None),
    # The wh-word decides before a money word does; a reason has no type.
    ("When did they raise the price of oil?", "date"),
    ("Which year did the price of oil drop?", "date"),
    ("Why did OPEC raise the price of oil?", None),
    # A leading condition is not the question: the wh-word after it asks.
    ("When the tests run as root, which account do they use?", None),
    ("If the ships left in May, how many returned?", "quantity"),
    ("When the talks ended, when did the ships leave?", "date"),
    ("What does LGM stands for?", "acronym"),
    # A program's "cost" is no price: money only for "the cost of", "how much … cost".
    ("What is the total cost of attendance?", "money"),
    ("What default safety cost level applies to removals?", None),
    ("With the cost 2*removals, what does a solution with four removals cost?", None),
    # The type is the main clause's: after a second wh-word, "how much" is part of the topic.
    ("At the prompt, what do I type to see how much disk space each package needs?", None),
    ("How many people live in the city where Bach was born?", "quantity"),
    ("Who was president when the wall fell?", "name"),
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


def test_one_is_a_count_only_where_a_word_before_it_says_so() -> None:
    question = "How many distributions of a project may be present in a working set?"
    assert offers("quantity", question, "At most one distribution may be present.")
    assert offers("quantity", question, "Only one of them is active.")
    assert not offers("quantity", question, "Building one takes a while.")
    assert not offers("quantity", "Is only one allowed, and how many are there?", "Only one.")


def test_a_share_is_an_amount() -> None:
    question = "How much of the population died of the plague?"
    assert offers("quantity", question, "In the Middle East, about a third died.")
    assert not offers("quantity", question, "Many died in the Middle East.")


def test_money_can_be_in_lira() -> None:
    assert offers("money", "How much money could he claim?", "He could claim 6 million Lira.")
    assert not offers("money", "How much money could he claim?", "He could claim 6 million.")


def test_an_amount_can_be_written_in_words_and_units() -> None:
    question = "How much memory can a few hundred bytes of XML tie up?"
    assert offers("quantity", question, "An attacker can occupy several Gigabytes of memory.")
    assert offers("quantity", "By how much will emissions fall?", "They fall by 60 per cent.")
    assert not offers("quantity", question, "An attacker can occupy memory.")


def test_how_long_is_answered_by_one_unit_of_time() -> None:
    question = "How long until my message shows up on the list?"
    assert offers("quantity", question, "Messages are moderated: usually around a day.")
    assert offers("quantity", question, "It may take an hour or so.")
    assert not offers("quantity", question, "Messages are moderated and may take a while.")
    # "a day" is no count of things.
    assert not offers("quantity", "How many messages reach the list?", "Few arrive a day late.")
    # ... or by when it began: "since 2001", "since the Treaty of Rome 1957".
    since = "How long has the government countered it?"
    assert offers("quantity", since, "Since 2001, the government has countered it.")
    assert offers("quantity", since, "Trade was central since the Treaty of Rome 1957.")
    assert not offers("quantity", since, "The government has countered it in 2001.")
    assert not offers("quantity", "How many ships came?", "Ships came since 2001.")


def test_a_name_in_the_possessive_is_the_name_the_question_holds() -> None:
    question = "Who originally wrote GNU Wget?"
    assert not offers("name", question, "the home page is Wget's own site.")
    assert offers("name", question, "Wget was originally written by Hrvoje Niksic.")


def test_an_expansion_may_follow_or_precede_the_acronym() -> None:
    for question in ("What does BCJ stand for?", "What does the acronym BCJ stand for?"):
        assert offers("acronym", question, "Put a BCJ (Branch/Call/Jump) filter first.")
        assert offers("acronym", question, "A Branch/Call/Jump (BCJ) filter.")
        assert not offers("acronym", question, "A BCJ filter (see below) comes first.")


def test_an_expansion_may_be_said_in_words_or_spelled_out_without_brackets() -> None:
    """A lower-case abbreviation asked about in quotes, expanded by "stands for" or by words
    whose initials spell it; a sentence that only uses it, or two words that happen to begin
    with a two-letter acronym's letters, offer nothing."""
    question = "What does “pmb” stand for?"
    assert expected_type(question) == "acronym"
    assert offers("acronym", question, "“pmb” stands for “poor man’s bold”, and it works.")
    assert offers("acronym", question, "Use a poor man’s bold when no bold font exists.")
    assert not offers("acronym", question, "The pmb command prints its argument in bold.")
    assert offers("acronym", "What does LGM stand for?", "At the Last Glacial Maximum it shrank.")
    assert not offers("acronym", "What does IT stand for?", "It is kept in the harbour.")

@pytest.mark.parametrize("sentence", [
    "It was accidentally introduced in the late 1980s.",
    "The population recovered in the 17th century.",
    "They used French names well into the nineteenth century.",
    "By autumn 1347, the plague reached Alexandria.",
])
def test_decades_and_centuries_are_dates(sentence: str) -> None:
    assert offers("date", "When did it happen?", sentence)
    assert not offers("date", "When did it happen?", "It happened after the war.")


def test_a_medieval_year_is_a_date_but_still_a_count() -> None:
    # "1347" gives a date, and a number of people too: only 1500-2099 reads as a year alone.
    assert offers("quantity", "How many people died?", "In all, 1347 people died.")
    assert not offers("quantity", "How many people died?", "In 1947, people died.")


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


def test_a_name_in_technical_writing_may_be_an_identifier() -> None:
    question = "What was full-upgrade originally named?"
    common = lowercase_words(["this command, the rest"])
    assert offers("name", question, "This command was originally named dist-upgrade.", common)
    assert offers("name", question, "It reads pip.conf first.", common)
    assert not offers("name", question, "This command was renamed long ago.", common)
    assert not offers("name", question, "The full-upgrade command was renamed.", common)  # asked


def test_a_name_given_after_called_or_known_as_may_be_lower_case() -> None:
    question = "What is another name for shore power?"
    common = lowercase_words(["it is shore power that lets a docked ship switch off"])
    assert offers("name", question, "Shore power, also called cold ironing, is cheap.", common)
    assert offers("name", question, "Shore power is known as cold ironing.", common)
    assert not offers("name", question, "Shore power lets a docked ship switch off.", common)
    assert not offers("name", question, "It is called shore power.", common)   # the asked name


@pytest.mark.parametrize(("question", "hint"), [
    ("How do I stop pip from installing dependencies?", "how-to"),
    ("A question broke after the exam. How can I neutralise it?", "how-to"),
    ("how to get longer stack traces", "how-to"),
    ("Why can't pip work out the whole tree first?", "reason"),
    ("The build fails. Why?", "reason"),
    ("What is the reason for the delay?", "reason"),
    ("How did the Romans build their roads?", None),
    ("Who asked why?", None),
])
def test_hinted_kind(question: str, hint: str | None) -> None:
    assert hinted_kind(question) == hint


@pytest.mark.parametrize("sentence", [
    "This can be disabled by passing `--no-deps` to pip.",
    "Use the option --no-deps.",
    "To cancel a question use \\QuestionIndicative.",
    "Call deflateInit2() with a window size.",
    "Set PIP_NO_CACHE_DIR in the environment.",
    "The cache lives in ~/Library/Caches/pip.",
    "Press Ctrl+c to stop it.",
])
def test_a_how_to_is_answered_by_a_command_option_path_or_key(sentence: str) -> None:
    assert gives("how-to", "How do I make it stop?", sentence)


def test_prose_and_the_questions_own_commands_do_not_instruct() -> None:
    assert not gives("how-to", "How do I stop it?", "Pip resolves the dependencies of packages.")
    assert not gives("how-to", "How do I stop it?", "It is fine - and/or an e-mail will do.")
    assert not gives("how-to", "How do I use --no-deps?", "Pass --no-deps to pip.")


@pytest.mark.parametrize(("sentence", "cause"), [
    ("As downloading is costly, pip cannot compute the tree first.", True),
    ("Pip cannot do it, because downloads are costly.", True),
    ("Hashes are excluded to avoid a false sense of security.", True),
    ("The delay was due to rain.", True),
    ("Pip downloads several versions of a package.", False),
    ("It works as expected.", False),
])
def test_a_reason_is_given_by_a_causal_link(sentence: str, cause: bool) -> None:
    assert gives("reason", "Why?", sentence) is cause


@pytest.mark.parametrize(("question", "asks"), [
    ("What is the default darkness threshold?", True),
    ("In what order are packages listed unless told otherwise?", True),
    ("If I leave out the Lang option, what language is used?", True),
    ("Which typeface is used when none is chosen?", True),
    ("If I don't specify a collation for a column, which one is used?", True),
    ("Which HTML theme does Sphinx use when I don’t choose one?", True),
    ("What order is used without setting the option?", True),
    ("Which typeface is used for Arabic?", False),
    ("How do I choose a theme?", False),
])
def test_asks_default(question: str, asks: bool) -> None:
    assert asks_default(question) is asks


@pytest.mark.parametrize(("sentence", "states"), [
    ("Default value is Rasheeq.", True),
    ("By default, packages are sorted by name.", True),
    ("Without this option, English will be selected.", True),
    ("The cache defaults to ~/.cache/pip.", True),
    ("Packages are sorted by name.", False),
])
def test_states_default(sentence: str, states: bool) -> None:
    assert states_default(sentence) is states
