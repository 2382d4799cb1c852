"""The crisis reply: resources first, the conversation flagged, any form stopped.

The wording is `utter_crisis` (or `utter_crisis_es` when the crisis net read
the message as Spanish) in domain.yml; the lines it lists come from
knowledge/crisis_resources.yml. It never repeats what the person wrote (no
method details, ever). The `custom` payload lets clients render tap-to-call
and tap-to-text links and mark the reply as urgent.
"""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import knowledge

FLAG_SLOT = "crisis_flagged"
# Where crisis_detection puts what it found in the parse data (its OUTPUT_KEY).
SAFETY_NET_KEY = "crisis_safety_net"


def message_language(tracker: Tracker) -> str:
    found = tracker.latest_message.get(SAFETY_NET_KEY) or {}
    return "es" if found.get("language") == "es" else "en"


class ActionCrisisResponse(Action):
    def name(self) -> Text:
        return "action_crisis_response"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = message_language(tracker)
        dispatcher.utter_message(
            response="utter_crisis_es" if language == "es" else "utter_crisis",
            crisis_lines=knowledge.crisis_lines(language),
            json_message=knowledge.crisis_payload(),
        )
        events: List[EventType] = [SlotSet(FLAG_SLOT, True)]
        if tracker.active_loop_name:
            # A form in progress (triage, callback) is not the priority now.
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events
