"""UnplacedQuestions: a plain question the classifier couldn't place gets an honest answer.

Runs after LevelMentions and before the crisis net (config.yml). A message the
intent classifier left as `nlu_fallback` that names no level but plainly asks
something ("im not religious, is iop going to push god on me", "ok what about
payment plans", "how do I even get him to agree to go?") is a question the
guide doesn't answer: its intent becomes `ask_unplaced`, whose reply
(domain.yml utter_unplaced_question) says so honestly, gives the admissions
number and, as "could you say that another way?" does, the crisis lines (a
question nobody could place may hide a danger nobody recognised); then a
callback offer. Issue #11 asks for this: the two-step fallback stays for
gibberish and statements.

What it leaves alone:
* a message the classifier thought might be a crisis (any crisis guess of
  CRISIS_GUESS_FLOOR or more) or withdrawal symptoms (among its best two):
  the crisis net, after it, decides those;
* a message in Spanish, which has its own reply;
* short messages ("why?", "and?"), which lean on the last turn, and keyboard
  mash with a question mark ("jfjf kdkd lala?"): most of a question's words
  are English words.

The rules treat `ask_unplaced` as `nlu_fallback` where that matters for
safety: right after the crisis reply or the check-in question, it gets the
crisis reply again (data/rules/crisis.yml). The confidence stays the
fallback's, and staff see the turn flagged as a fallback (staff_review/sync.py).
Inside a form, such a question ending in "?" is answered and the form's
question asked again (actions/answers.py `confidence_needed`).
"""
from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from answer_words.languages import looks_spanish
from answer_words.questions import UNPLACED_INTENT, WORD, asks_something
from crisis_detection import intents
from intent_classifier.untrained import UntrainedComponent
from intent_classifier.verdict import override_intent
from spacy_pipeline.english_words import known_english_words

CRISIS_GUESSES = intents.CRISIS_REPLY | {intents.CHECK_IN}
# A crisis guess this sure, anywhere in the ranking, leaves the message to the crisis
# net and the fallback's reply ("will anyone even notice", "does it even matter").
CRISIS_GUESS_FLOOR = 0.1
WITHDRAWAL_INTENT = "report_withdrawal"
MIN_WORDS = 3
# Words a question is made of that spaCy's lemma table (english_words) leaves out.
FUNCTION_WORDS = frozenset("a an the to of it its my your our his her him me you i he she we they them this that "
                           "what whats im u ur".split())


def mostly_english(words: List[str]) -> bool:
    known = sum(word in FUNCTION_WORDS or word in known_english_words() for word in words)
    return known >= 2 and known * 2 >= len(words)


def is_an_unplaced_question(message: Message) -> bool:
    if (message.get(INTENT) or {}).get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME:
        return False
    ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME]
    if any(r.get("name") in CRISIS_GUESSES and (r.get("confidence") or 0.0) >= CRISIS_GUESS_FLOOR for r in ranking):
        return False
    if WITHDRAWAL_INTENT in {r.get("name") for r in ranking[:2]}:
        return False
    text = message.get(TEXT) or ""
    words = WORD.findall(text.lower())
    return len(words) >= MIN_WORDS and mostly_english(words) and not looks_spanish(text) and asks_something(text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class UnplacedQuestions(UntrainedComponent):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if is_an_unplaced_question(message):
                override_intent(message, UNPLACED_INTENT, (message.get(INTENT) or {}).get("confidence", 0.0))
        return messages
