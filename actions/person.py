"""Asking for a person: what the assistant can offer depends on whether the admissions team is in.

The clinic file's opening hours (knowledge/opening_hours.py) say when the team is in. With
none known (the guide gives none), the assistant says what it always said: it can't hand the
chat to a person, here is the phone number. During hours it says the team is in now, so a call
reaches someone. Outside them it says when the team is back, and, as every reply that can't
put a person on the line, where help is right now (the crisis lines in one sentence). The
rule that runs this (data/rules/admissions.yml) offers the callback request after it.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

import knowledge


class ActionOfferAPerson(Action):
    def name(self) -> Text:
        return "action_offer_a_person"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(**reply_for_a_person(datetime.now(timezone.utc)))
        return []


def reply_for_a_person(now: datetime, hours: Optional[knowledge.OpeningHours] = None) -> Dict[str, str]:
    """The named response (and its variables) for someone asking for a person at `now`."""
    hours = hours or knowledge.clinic().opening_hours
    if not hours.known:
        return {"response": "utter_human"}
    if hours.is_open(now):
        return {"response": "utter_human_team_in"}
    back = hours.back_when(now)
    # Both end with {clinic_crisis_sentence}, the crisis lines in one sentence (a slot).
    return {"response": "utter_human_after_hours" if back else "utter_human_team_away", "team_back": back}
