"""Session start: carry the conversation's slots over and load the clinic's details."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import knowledge


def clinic_slots() -> List[EventType]:
    """The clinic_* slots that domain responses interpolate ({clinic_phone})."""
    return [SlotSet(name, value) for name, value in knowledge.clinic_slot_values().items()]


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        carried_over = [
            SlotSet(name, value)
            for name, value in tracker.slots.items()
            if value is not None and not name.startswith("clinic_")
        ]
        # Clinic details are read fresh each session so that an edit to
        # knowledge/clinic.yml reaches every new conversation. A person who has
        # the chat (a live handoff, docs/handoff.md) keeps it: SessionStarted
        # would otherwise end the pause, and the assistant would talk over them.
        paused = [ConversationPaused()] if tracker.is_paused() else []
        return [SessionStarted(), *carried_over, *clinic_slots(), *paused, ActionExecuted("action_listen")]
