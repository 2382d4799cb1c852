"""Correcting one earlier answer, in the triage questions or the callback request.

The person picks the answer (buttons carry it as the `answer_field` entity)
or names it in words; the answer is cleared and `answer_form` tells the rules
(data/rules/) which form asks it again. The form then finishes as before:
the orientation, or the callback summary, is shown again with the new answer.
"""
from typing import List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.callback import FIELDS as CALLBACK_FIELDS
from actions.triage import QUESTIONS

TRIAGE_FIELDS = [f"triage_{question}" for question in QUESTIONS]
# Words that name an answer, for typed corrections ("my phone number is wrong").
KEYWORDS = [
    ("name", "callback_name"), ("phone", "callback_phone"), ("number", "callback_phone"),
    ("time", "callback_best_time"), ("note", "callback_note"),
    ("withdraw", "triage_withdrawal"), ("daily", "triage_withdrawal"), ("home", "triage_safe_home"),
    ("attend", "triage_can_attend"), ("days a week", "triage_can_attend"), ("mental", "triage_mental_health"),
    ("depress", "triage_mental_health"), ("anxi", "triage_mental_health"), ("before", "triage_prior_treatment"),
    ("who", "triage_for_whom"), ("for me", "triage_for_whom"),
]


def field_to_change(tracker: Tracker) -> Optional[str]:
    field = next(tracker.get_latest_entity_values("answer_field"), None)
    if field in CALLBACK_FIELDS or field in TRIAGE_FIELDS:
        return field
    text = (tracker.latest_message.get("text") or "").lower()
    return next((slot for word, slot in KEYWORDS if word in text), None)


class ActionChangeAnswer(Action):
    def name(self) -> Text:
        return "action_change_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        field = field_to_change(tracker)
        callback_started = any(tracker.get_slot(slot) for slot in CALLBACK_FIELDS)
        if field is None:
            # Offer the answers of the form the person is in, as buttons.
            dispatcher.utter_message(
                response="utter_callback_what_to_change" if callback_started else "utter_triage_what_to_change"
            )
            return [SlotSet("answer_form", None)]  # no form until an answer is picked
        form = "callback_form" if field in CALLBACK_FIELDS else "triage_form"
        return [SlotSet(field, None), SlotSet("answer_form", form)]
