"""The crisis reply: resources first, the conversation flagged, any form stopped.
And the check-in, for a crisis the classifier suspects but isn't sure of.

The wording is `utter_crisis` (or `utter_crisis_es` when the crisis net read
the message as Spanish) in domain.yml; the lines it lists come from
knowledge/crisis_resources.yml. It never repeats what the person wrote (no
method details, ever). The `custom` payload lets clients render tap-to-call
and tap-to-text links and mark the reply as urgent.
"""
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import knowledge
from actions.recent_turns import latest_user_events
from answer_words.emergency_calls import MENTIONS_CALLING, names_emergency_services
from answer_words.questions import asks_a_question
from answer_words.unsure import UNSURE
from crisis_detection.intents import crisis_language

FLAG_SLOT = "crisis_flagged"


def message_language(tracker: Tracker) -> str:
    """The language of the crisis: the latest message's, or, for a tap on the check-in's
    "yes" button or a message after the crisis reply, that of the message before."""
    for event in latest_user_events(tracker, 3):
        parse = event.get("parse_data") or {}
        if (parse.get("intent") or {}).get("name") == "spanish":
            return "es"  # "está en su cuarto ahora", after the crisis reply
        language = crisis_language(parse)
        if language:
            return language
    return "en"


def utter_in_language(dispatcher: CollectingDispatcher, language: str, response: str, **kwargs: Any) -> None:
    """Say `response`, or its Spanish twin (`response`_es) for a Spanish crisis."""
    dispatcher.utter_message(response=f"{response}_es" if language == "es" else response, **kwargs)


class ActionCrisisResponse(Action):
    def name(self) -> Text:
        return "action_crisis_response"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        return crisis_reply(dispatcher, tracker)


def crisis_reply(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    language = message_language(tracker)
    utter_in_language(
        dispatcher, language, "utter_crisis",
        crisis_lines=knowledge.crisis_lines(language), json_message=knowledge.crisis_payload(),
    )
    events: List[EventType] = [SlotSet(FLAG_SLOT, True)]
    if tracker.active_loop_name:
        # A form in progress (triage, callback) is not the priority now.
        events += [ActiveLoop(None), SlotSet("requested_slot", None)]
    return events


class LinesInTheCrisisLanguage(Action, ABC):
    """Says `response` with the crisis lines, in the language of the crisis (abstract:
    rasa_sdk registers only its subclasses)."""

    response = ""

    @abstractmethod
    def name(self) -> Text:
        ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = message_language(tracker)
        utter_in_language(dispatcher, language, self.response, crisis_lines=knowledge.crisis_lines(language))
        return []


class ActionCrisisCheckIn(LinesInTheCrisisLanguage):
    """Ask directly whether the person is thinking of suicide or self-harm, with the lines.

    Only outside a form: in the middle of one, the classifier's unsure crisis
    is nearly always an answer ("he lives with me and it is safe"), and the form
    takes it as one, with the lines before its next question (actions/forms.py);
    the lexicon and a sure classifier still interrupt any form."""

    response = "utter_crisis_check_in"

    def name(self) -> Text:
        return "action_crisis_check_in"


class ActionSafeAfterCheckIn(Action):
    """"No, I'm safe": thanks, in the language the check-in was asked in.

    A "no" that isn't sure ("maybe", "not sure", "idk"), which the classifier often
    reads as a no, is taken as a yes, as safe-messaging practice advises: the crisis
    reply. A "no" to calling anyone ("not gonna call any hotline") doesn't answer the
    question: the lines without pressure. What the classifier can't place after the
    question gets the crisis reply itself (data/rules/crisis.yml)."""

    def name(self) -> Text:
        return "action_safe_after_check_in"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        if UNSURE.search(text):
            return crisis_reply(dispatcher, tracker)
        language = message_language(tracker)
        if MENTIONS_CALLING.search(text):
            utter_in_language(dispatcher, language, ActionAfterCrisisNo.response,
                              crisis_lines=knowledge.crisis_lines(language))
            return []
        utter_in_language(dispatcher, language, "utter_safe_to_carry_on")
        return []


class ActionAfterCrisisNo(LinesInTheCrisisLanguage):
    """"No" right after the crisis reply ("i dont want to call anyone"): the lines once more,
    without pressure, in the crisis's language, and room to say it was a misreading."""

    response = "utter_crisis_no_pressure"

    def name(self) -> Text:
        return "action_after_crisis_no"


class ActionAcknowledgeCall(Action):
    """"ok calling 911", "I'll call the 988 number" (intent_classifier/emergency_calls.py).

    After the crisis reply or the check-in question: the best news the conversation
    can bring. An acknowledgement, with the lines in the crisis's language; no second
    script, and no callback questions. With no crisis before, a call to emergency
    services is one: the crisis reply. "calling now" after the admissions number
    is just that."""

    def name(self) -> Text:
        return "action_acknowledge_call"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if tracker.get_slot(FLAG_SLOT) or _asked_to_check_in(tracker):
            language = message_language(tracker)
            lines = knowledge.crisis_lines(language)
            utter_in_language(dispatcher, language, "utter_crisis_calling", crisis_lines=lines)
            return [SlotSet(FLAG_SLOT, True)]
        if names_emergency_services(tracker.latest_message.get("text") or ""):
            # The crisis action itself, so that the rules after a crisis reply, staff's flag and
            # alert, and the channels' own crisis reply (channels/replies.py) all see one.
            return [FollowupAction(ActionCrisisResponse().name())]
        dispatcher.utter_message(response="utter_anything_else")  # "ok calling now", the admissions number
        return []


class ActionAfterCrisisReply(Action):
    """The message right after the crisis reply, which the classifier read as an everyday
    request: the admissions number, a question about the centre, help choosing a program.

    Told as a statement ("I'm driving there", "no i havent taken anything", "i'm alone",
    "i dont know if i can call anyone"), it is still about the danger: the crisis reply
    again. Asked as a question ("ok whats the number", "do you take VA benefits?"), the
    person has moved on (or the crisis reply was a misreading): its rule
    (data/rules/crisis.yml) goes on with the usual answer."""

    def name(self) -> Text:
        return "action_after_crisis_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if asks_a_question(tracker.latest_message.get("text") or ""):
            return []
        return [FollowupAction(ActionCrisisResponse().name())]


def _asked_to_check_in(tracker: Tracker) -> bool:
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") not in ("action_listen", None):
            return event.get("name") == ActionCrisisCheckIn().name()
    return False
