"""Asking for a person: what the assistant can offer depends on whether the admissions team is in.

The clinic file's opening hours (knowledge/opening_hours.py) say when the team is in, and the
staff app says who is available for live chat right now (storage/handoffs.py). When the team is
in and someone is available, the assistant offers "Chat with our admissions team now"
(docs/handoff.md); pressing it opens a handoff and pauses the conversation (Rasa's
ConversationPaused), so the assistant stays quiet while a person talks. With no hours known, a
staff member marked available is enough: they said so themselves.

Otherwise, as before: with no hours known, it can't hand the chat to a person, here is the phone
number. During hours it says the team is in now, so a call reaches someone. Outside them it says
when the team is back, and, as every reply that can't put a person on the line, where help is
right now (the crisis lines in one sentence). The rules that run these (data/rules/admissions.yml)
offer the callback request after them.
"""
from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

import knowledge
from actions.recent_turns import last_reply
from storage import handoffs

logger = logging.getLogger(__name__)

CHANNELS = ("rest", "telegram")  # the channels whose clients can show a live chat (docs/handoff.md)


def live_chat_possible(now: datetime, channel: Optional[str], hours: Optional[knowledge.OpeningHours] = None) -> bool:
    """Whether a person could join this chat now: open (when hours are known) and someone available."""
    hours = hours or knowledge.clinic().opening_hours
    if channel not in CHANNELS or (hours.known and not hours.is_open(now)):
        return False
    try:
        return handoffs.someone_available()
    except Exception as problem:  # the database is away: offer what needs no one (the phone)
        logger.error("Could not read staff availability: %s.", type(problem).__name__)
        return False


def reply_for_a_person(now: datetime, hours: Optional[knowledge.OpeningHours] = None) -> Dict[str, str]:
    """The named response (and its variables) for someone asking for a person at `now`, with no live chat."""
    hours = hours or knowledge.clinic().opening_hours
    if not hours.known:
        return {"response": "utter_human"}
    if hours.is_open(now):
        return {"response": "utter_human_team_in"}
    back = hours.back_when(now)
    # Both end with {clinic_crisis_sentence}, the crisis lines in one sentence (a slot).
    return {"response": "utter_human_after_hours" if back else "utter_human_team_away", "team_back": back}


# The offers whose button sends /live_chat.
OFFERS = ("utter_human_live", "utter_live_chat_offer")
# Waiting chats at most (HANDOFF_MAX_WAITING): beyond, a new one is told no one is free, so one
# client sending /live_chat from many conversations can't bury real visitors (or flood alerts).
DEFAULT_MAX_WAITING = 10


def just_offered(tracker: Tracker) -> bool:
    """Whether the assistant offered the live chat in its last turn (a typed or replayed
    /live_chat without the offer on screen opens nothing)."""
    return any(name in OFFERS for name in last_reply(tracker))


def room_in_the_queue() -> bool:
    try:
        limit = int(os.environ.get("HANDOFF_MAX_WAITING", DEFAULT_MAX_WAITING))
    except ValueError:
        limit = DEFAULT_MAX_WAITING
    try:
        return handoffs.waiting_count() < limit
    except Exception as problem:
        logger.error("Could not count the waiting chats: %s.", type(problem).__name__)
        return False


class ActionOfferAPerson(Action):
    """Someone asked for a person: the live chat when possible, else the phone and when the team is in."""

    def name(self) -> Text:
        return "action_offer_a_person"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        now = datetime.now(timezone.utc)
        if live_chat_possible(now, tracker.get_latest_input_channel()):
            dispatcher.utter_message(response="utter_human_live")
        else:
            dispatcher.utter_message(**reply_for_a_person(now))
        return []


class ActionOfferLiveChat(Action):
    """After triage or a second misunderstanding: the live chat button when possible, nothing otherwise."""

    def name(self) -> Text:
        return "action_offer_live_chat"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if live_chat_possible(datetime.now(timezone.utc), tracker.get_latest_input_channel()):
            dispatcher.utter_message(response="utter_live_chat_offer")
        return []


class ActionStartLiveChat(Action):
    """"Chat with our admissions team now": open a handoff and pause, or say why not and offer a callback."""

    def name(self) -> Text:
        return "action_start_live_chat"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        now = datetime.now(timezone.utc)
        channel = tracker.get_latest_input_channel()
        if live_chat_possible(now, channel) and just_offered(tracker) and room_in_the_queue():
            try:
                handoffs.request(tracker.sender_id, channel)
            except Exception as problem:
                logger.error("Could not open a handoff: %s.", type(problem).__name__)
            else:
                dispatcher.utter_message(response="utter_live_chat_waiting")
                # Paused, the assistant reads and stores what is said but answers nothing
                # (the REST channel still answers a crisis: channels/handoff.py). The
                # action_listen ends the turn as a normal one would.
                return [ConversationPaused(), ActionExecuted("action_listen")]
        hours = knowledge.clinic().opening_hours
        if hours.known and not hours.is_open(now):
            dispatcher.utter_message(**reply_for_a_person(now))
        else:
            dispatcher.utter_message(response="utter_live_chat_unavailable")
        return [FollowupAction("utter_offer_callback")]
