"""Whether a message asks something: by its "?", or by how a sentence or clause opens.

The forms use `is_a_question` to tell a question asked in the middle of them
from an answer ("are you open on weekends?" is no best time to call). The NLU
pipeline uses the stricter `asks_something` to give a question it couldn't
place the honest "our guide doesn't say" instead of "could you say that
another way?" (intent_classifier/unplaced_questions.py): there a statement
taken for a question would get an answer to something nobody asked.
"""
from __future__ import annotations

import re

# The intent a plain question gets when the classifier can't place it
# (intent_classifier/unplaced_questions.py); the rules, the forms and staff read it.
UNPLACED_INTENT = "ask_unplaced"

SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")
# Words split at apostrophes, as the forms have always read a question's first word ("what's" -> "what").
WORD_PARTS = re.compile(r"[^\W\d_']+")
# Words, contractions kept whole: "can't talk during work hours" opens with "can't", not "can".
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# First words of a question typed without "?", or of a request for an answer ("tell me about ...").
QUESTION_WORDS = frozenset(
    "what whats how why where when who which is are do does can could will would should tell explain describe".split())
# Where a question may open inside a message: a new sentence or clause ("im not religious,
# is iop going to push god on me", "ok ty. and what do they teach you"). Not at "and" or
# "but": "he relapsed and is using again" asks nothing.
CLAUSE_START = re.compile(r"[.,;:!?\n]+")
# Words said on the way into a question: "ok what about payment plans", "um, how long".
LEAD_IN = frozenset("ok okay k so and but um umm uh hmm well also oh alright right sorry lol cool great thanks ty".split())
# A question without "?" opens with an auxiliary before its subject ("can i even go",
# "is iop going to"), or a question word before a verb or a measure ("how long",
# "what about", "where is"): "when i drink i forget", "Will do" and "who cares anymore" ask nothing.
AUXILIARIES = frozenset("is are am was were do does did can could will would should has have".split())
SUBJECTS = frozenset("i you u he she it we they there this that these those the a an my your ur his her our their "
                     "iop php anyone anybody someone somebody people insurance".split())
QUESTION_HEADS = frozenset("what how why where when who which".split())
# A question word with its verb in it: "what's the difference", "hows it work".
CONTRACTED_HEADS = frozenset("whats what's hows how's wheres where's whos who's".split())
AFTER_A_QUESTION_WORD = AUXILIARIES | frozenset("about if kind sort else much many long often happens happen "
                                                 "exactly".split())
REQUESTS = frozenset("tell explain describe".split())


def starts_like_a_question(text: str) -> bool:
    words = WORD_PARTS.findall(text.lower())
    return bool(words and words[0] in QUESTION_WORDS)


def is_a_question(text: str) -> bool:
    return text.rstrip().endswith("?") or starts_like_a_question(text)


def _opens_a_question(words: list) -> bool:
    first, second = (words + ["", ""])[:2]
    return (
        first in CONTRACTED_HEADS
        or (first in AUXILIARIES and second in SUBJECTS)
        or (first in QUESTION_HEADS and second in AFTER_A_QUESTION_WORD)
        or (first in REQUESTS and second in {"me", "us", "about"})
    )


def asks_something(text: str) -> bool:
    """A question anywhere in the message: one ending in "?", or a sentence or clause that
    opens like one after the words said on the way ("ok what about payment plans",
    "im 17. can i even go to your place")."""
    if text.rstrip().endswith("?"):
        return True
    for clause in CLAUSE_START.split(text.lower().replace("’", "'")):
        words = WORD.findall(clause)
        while words and words[0] in LEAD_IN:
            words.pop(0)
        if _opens_a_question(words):
            return True
    return False


# "what program would help me with my drinking", "if she agrees what program would she need":
# which help, asked without "?" and mid-sentence.
ASKS_WHICH_HELP = re.compile(r"\b(what|which) (program|level|kind|type|treatment|help)\b", re.IGNORECASE)


def asks_a_question(text: str) -> bool:
    """Any sign of a question: looser than `asks_something`, for telling a question from a
    statement where both get an answer (after the crisis reply, a statement gets the crisis reply
    again: actions/crisis.py; a question about calls is no request for one:
    intent_classifier/unplaced_questions.py)."""
    return asks_something(text) or is_a_question(text) or bool(ASKS_WHICH_HELP.search(text))
