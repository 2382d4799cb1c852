"""EmergencyCalls: "ok calling 911" is news, not a request to be called.

Runs after UnplacedQuestions and before the crisis net (config.yml). The
classifier reads "calling 911 now", "someone called the ambulance" or "I'll
call the 988 number" as a callback request, contact details or a goodbye; a
message that says a call for help is being made (answer_words/emergency_calls.py)
gets the intent `calling_for_help` instead, whose action reads the conversation
(actions/crisis.py `ActionAcknowledgeCall`).

What it leaves alone: a message the classifier's first guess calls withdrawal,
or a crisis unless it names emergency services (the crisis net decides those,
after it; and its lexicon still overrides any intent), Spanish (its own rules keep
the lines in Spanish), and any message that says more than the call: a question
("should i call 911?"), a call refused ("i won't call anyone"), a story ("we
called an ambulance last year"), despair ("called 988 already, they can't help
me"). A faint crisis guess further down the ranking, which makes the other
components step aside (intent_classifier/verdict.py), does not here: the whole
message is the call, and the classifier's faint "crisis" is its word "911".
"""
from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from answer_words.emergency_calls import CALLING_INTENT, calling_for_help, names_emergency_services
from crisis_detection import intents
from intent_classifier.untrained import UntrainedComponent
from intent_classifier.verdict import WITHDRAWAL_INTENT, override_intent

# What the classifier's first guess must not be: these have their own replies (the crisis
# net reads the first two).
LEFT_ALONE = {intents.CRISIS, WITHDRAWAL_INTENT, "spanish", "non_english"}


def is_a_call_for_help(message: Message) -> bool:
    text = message.get(TEXT) or ""
    if not calling_for_help(text):
        return False
    name = (message.get(INTENT) or {}).get("name")
    # "calling 911" is the classifier's faint crisis (its word "911"), which the net would make
    # "say it another way": said of emergency services, the call gets the crisis reply, or after
    # one the acknowledgement, either way with the lines (actions/crisis.py).
    if name == intents.CRISIS:
        return names_emergency_services(text)
    return name not in LEFT_ALONE


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmergencyCalls(UntrainedComponent):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if is_a_call_for_help(message):
                override_intent(message, CALLING_INTENT, (message.get(INTENT) or {}).get("confidence", 0.0))
        return messages
