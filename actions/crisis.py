"""The crisis reply: resources first, the conversation flagged, any form stopped.

Text comes from knowledge/crisis_resources.yml only, and it never repeats what
the person wrote (no method details, ever). The `custom` payload lets clients
render tap-to-call and tap-to-text links and mark the reply as urgent.
"""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import knowledge

FLAG_SLOT = "crisis_flagged"


def crisis_reply() -> Dict[str, Any]:
    intro, resources, outro = knowledge.crisis_resources()
    lines = [intro, ""]
    lines += [f"- **{resource.action}**: {resource.label}." for resource in resources]
    lines += ["", outro]
    links = [resource.as_dict() for resource in resources]
    return {"text": "\n".join(lines), "custom": {"crisis": True, "resources": links}}


class ActionCrisisResponse(Action):
    def name(self) -> Text:
        return "action_crisis_response"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        reply = crisis_reply()
        dispatcher.utter_message(text=reply["text"], json_message=reply["custom"])
        events: List[EventType] = [SlotSet(FLAG_SLOT, True)]
        if tracker.active_loop_name:
            # A form in progress (triage, callback) is not the priority now.
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events
