"""Correcting one earlier answer, in the triage questions or the callback request.

The person picks the answer (buttons carry it as the `answer_field` entity)
or names it in words; the answer is cleared and `answer_form` tells the rules
(data/rules/) which form asks it again. The form then finishes as before:
the orientation, or the callback summary, is shown again with the new answer.
A callback answer given with the correction ("wrong name, its Kimberly", "no the
time is wrong, evenings are better") is taken at once: the form has nothing to
ask, and the summary comes straight back.
"""
import re
from typing import List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.callback import FIELDS as CALLBACK_FIELDS
from actions.callback import MAX_TIME_CHARS, TIME_WORDS, clean_name
from actions.triage import QUESTIONS
from storage import phone_numbers

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


# "wrong name, its Kimberly", "the name should be Kym": the new name ends the message.
NEW_NAME = re.compile(
    r"\b(?i:it'?s|it is|is|should be|spelled|spelt|to)\s+([A-Z][^\W\d_]+(?:[ '’\-][A-Z][^\W\d_]+){0,2})[.!]?\s*$")
# The clauses of a correction: "no the time is wrong, evenings are better". No
# `\s+` around the dash: on a long run of spaces it backtracks quadratically, and
# each clause is stripped anyway.
CLAUSES = re.compile(r"[,;.!]|\s-\s")
# A clause about the correction, not the new answer: "the time is wrong", "time is wrong now".
ABOUT_THE_CORRECTION = re.compile(r"\b(time|wrong|incorrect|change|fix|mistake)\b", re.IGNORECASE)


def new_answer(field: str, text: str) -> Optional[str]:
    """The corrected callback answer said with the correction itself, when there is one."""
    if field == "callback_name":
        said = NEW_NAME.search(text)
        return clean_name(said.group(1)) if said else None
    if field == "callback_phone":
        mention = phone_numbers.first_in(text)
        return mention.number.stored if mention else None
    if field == "callback_best_time":
        times = [
            clause.strip() for clause in CLAUSES.split(text)
            if TIME_WORDS.search(clause) and not ABOUT_THE_CORRECTION.search(clause)
            and not phone_numbers.first_in(clause)
        ]
        return times[-1] if times and len(times[-1]) <= MAX_TIME_CHARS else None
    return None


def field_to_change(tracker: Tracker, fields: List[str]) -> Optional[str]:
    """The answer the latest message picks (a button) or names in words, among `fields`."""
    field = next(tracker.get_latest_entity_values("answer_field"), None)
    if field in fields:
        return field
    text = (tracker.latest_message.get("text") or "").lower()
    # Whole words at their start: "who will call me?" names no "who" answer of the callback.
    return next((slot for word, slot in KEYWORDS if slot in fields and re.search(rf"\b{word}", text)), None)


class ActionChangeAnswer(Action):
    def name(self) -> Text:
        return "action_change_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        callback_started = any(tracker.get_slot(slot) for slot in CALLBACK_FIELDS)
        # At the callback request's summary, only its answers: the triage's were given before it.
        field = field_to_change(tracker, CALLBACK_FIELDS if callback_started else CALLBACK_FIELDS + TRIAGE_FIELDS)
        if field is None:
            # Offer the answers of the form the person is in, as buttons.
            dispatcher.utter_message(
                response="utter_callback_what_to_change" if callback_started else "utter_triage_what_to_change"
            )
            return [SlotSet("answer_form", None)]  # no form until an answer is picked
        form = "callback_form" if field in CALLBACK_FIELDS else "triage_form"
        return [SlotSet(field, new_answer(field, tracker.latest_message.get("text") or "")), SlotSet("answer_form", form)]
