"""What the validation of every form does before reading an answer.

An answer the crisis net found worrying, but not enough to interrupt a form
(`crisis_likely`, or `crisis_check_in`: crisis_detection/component.py), is
taken as the answer, and the crisis lines come before the next question. The
quiet answers the classifier calls a crisis ("he lives with me, its safe")
lose nothing, and someone who said something darker in the middle of the
questions still has the lines in front of them. The lexicon, and a classifier
sure of a crisis, end the form instead (data/rules/crisis.yml). Staff are alerted
as for a crisis on `crisis_likely` (staff_review/sync.py, CRISIS_INTENTS); a
`crisis_check_in` answer is flagged "crisis suspected" for review.
"""
from abc import abstractmethod
from typing import Any, Dict, List, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

import knowledge
from actions.crisis import message_language, utter_in_language
from crisis_detection import intents  # domain.yml: in no not_intent, so a form takes them


def answer_is_worrying(tracker: Tracker) -> bool:
    """The latest message answers a question of the form in progress, and worried the crisis net."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    return intent in intents.FORM_ANSWERS and bool(tracker.active_loop_name) and bool(tracker.get_slot("requested_slot"))


class SafeFormValidationAction(FormValidationAction):
    """The base of the forms' validation actions (abstract, so rasa_sdk doesn't register it)."""

    @abstractmethod
    def name(self) -> Text:
        ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if answer_is_worrying(tracker):
            language = message_language(tracker)  # Spanish when the crisis net read the answer so
            utter_in_language(dispatcher, language, "utter_crisis_lines_in_form", crisis_lines=knowledge.crisis_lines(language))
        return await super().run(dispatcher, tracker, domain)
