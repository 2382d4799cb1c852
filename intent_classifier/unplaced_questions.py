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

A question the classifier took for a request to be called that asks for no call
("how soon will they call?", "who sees my callback info", "can i call without
giving my name") is a question about the centre too: `ask_admissions_info`, or
`ask_contact` when the person means to call ("can i just call you instead?";
answer_words/callback_requests.py).

A call refused, which the classifier took for a request because it names one ("i dont
want to call anyone", "please don't call me"), is a no (`deny`): right after the crisis
reply, the lines without pressure (data/rules/crisis.yml); elsewhere, "no problem". It
never starts the callback questions.

A question only a clinician should answer ("what's the taper schedule", "is that
depression?", "like librium? how much"), left unplaced or taken for a question
about the centre, gets the medical-advice refusal and referral instead
(`ask_medical_advice`; answer_words/medical.py).

What it leaves alone:
* a message the classifier thought might be a crisis (any crisis guess of
  CRISIS_GUESS_FLOOR or more, crisis_detection/intents.py) or withdrawal symptoms
  (among its best two):
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
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from answer_words.callback_requests import asks_about_calls, calling_the_centre, refuses_a_call
from answer_words.languages import looks_spanish
from answer_words.medical import asks_for_medical_advice
from answer_words.questions import UNPLACED_INTENT, WORD, asks_a_question, asks_something
from intent_classifier.untrained import UntrainedComponent
from intent_classifier.verdict import left_to_the_crisis_net, override_intent
from spacy_pipeline.english_words import known_english_words

MEDICAL_INTENT = "ask_medical_advice"
CALLBACK_INTENT, CENTRE_INTENT, CONTACT_INTENT = "request_callback", "ask_admissions_info", "ask_contact"
DENY_INTENT = "deny"
# What the classifier may have made of a medical question it missed ("like librium? how much"
# as a question about the centre).
MEDICAL_FROM = (DEFAULT_NLU_FALLBACK_INTENT_NAME, "ask_admissions_info")
MIN_WORDS = 3
# Words a question is made of that spaCy's lemma table (english_words) leaves out.
FUNCTION_WORDS = frozenset("a an the to of it its my your our his her him me you i he she we they them this that "
                           "what whats im u ur".split())


def mostly_english(words: List[str]) -> bool:
    known = sum(word in FUNCTION_WORDS or word in known_english_words() for word in words)
    return known >= 2 and known * 2 >= len(words)


def is_an_unplaced_question(message: Message) -> bool:
    if (message.get(INTENT) or {}).get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME or left_to_the_crisis_net(message):
        return False
    text = message.get(TEXT) or ""
    words = WORD.findall(text.lower())
    return len(words) >= MIN_WORDS and mostly_english(words) and not looks_spanish(text) and asks_something(text)


def is_a_medical_question(message: Message) -> bool:
    """A dose, a taper, what to take, whether it's safe or normal (answer_words/medical.py), which
    the classifier couldn't place or took for a question about the centre."""
    if (message.get(INTENT) or {}).get("name") not in MEDICAL_FROM or left_to_the_crisis_net(message):
        return False
    text = message.get(TEXT) or ""
    return not looks_spanish(text) and asks_for_medical_advice(text)


def question_about_calls(message: Message) -> bool:
    """A question read as a request to be called back that asks for no call."""
    if (message.get(INTENT) or {}).get("name") != CALLBACK_INTENT or left_to_the_crisis_net(message):
        return False
    text = message.get(TEXT) or ""
    return asks_a_question(text) and asks_about_calls(text) and not looks_spanish(text)


def a_call_refused(message: Message) -> bool:
    """A message read as a request to be called back that refuses a call."""
    if (message.get(INTENT) or {}).get("name") != CALLBACK_INTENT or left_to_the_crisis_net(message):
        return False
    return refuses_a_call(message.get(TEXT) or "")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class UnplacedQuestions(UntrainedComponent):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            confidence = (message.get(INTENT) or {}).get("confidence", 0.0)
            if is_a_medical_question(message):
                override_intent(message, MEDICAL_INTENT, confidence)
            elif is_an_unplaced_question(message):
                override_intent(message, UNPLACED_INTENT, confidence)
            elif a_call_refused(message):
                override_intent(message, DENY_INTENT, confidence)
            elif question_about_calls(message):
                calls_us = calling_the_centre(message.get(TEXT) or "")
                override_intent(message, CONTACT_INTENT if calls_us else CENTRE_INTENT, confidence)
        return messages
