"""Which user messages answered a form's question, read from a conversation's events.

"Morning" typed at "When is the best time to reach you?" is an answer, not
a greeting; a phone number is not a message the NLU failed to understand.
The intent the NLU gave such a message means nothing, so staff see it as
"Answer to: best time to call", and it counts neither as a low-confidence
nor as a fallback turn (staff_review.sync), nor can it become training data.

A message answered slot X when, as Rasa stored it:

1. it arrived while a form was active (`active_loop` event) and asking for X
   (the last `requested_slot` slot event);
2. the form's slot mapping took its text for X (a `slot` event for X right
   after it, before any action ran): a crisis message, "stop" or "delete my
   conversation" are not taken (`not_intent` in domain.yml), and neither is a
   message the crisis checks answered;
3. the form did not answer it as a question: in the middle of a form the
   validation actions answer a clear guide question ("what is IOP?") and ask
   again (actions/answers.py, answer_digression). So every bot message the
   form says in reply, until it listens again or ends, must be a question
   (`utter_ask_<slot>`) or a validation message ("Please type just the
   name...", VALIDATION_RESPONSES); any other reply means the message was a
   question, shown with its intent.

Reading the events takes two steps, so that the sync need not read every
bot message's JSON: `Reader` walks the events in id order and keeps the
candidates (the bot event ids of each one's reply), then `answered()` decides
with those bot messages' response names (`metadata.utter_action`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Optional

# What the form's validation says to an answer it can't use (actions/callback.py, actions/triage.py):
# the message was still an answer. Besides these, any response ending in "_invalid".
VALIDATION_RESPONSES = {"utter_answer_yes_or_no", "utter_callback_note_too_long"}


def is_form_reply(utter_action: Optional[str]) -> bool:
    """A bot message a form says to an answer: its next question, or why the answer can't be used."""
    if not utter_action:
        return True  # not a named response: no sign of an answer to a question
    return utter_action.startswith("utter_ask_") or utter_action.endswith("_invalid") or utter_action in VALIDATION_RESPONSES


@dataclass
class Candidate:
    event_id: int  # the user message
    slot: str  # what the form was asking for when it arrived
    taken: bool = False  # the slot mapping took its text
    replies: List[int] = field(default_factory=list)  # ids of the bot messages the form said in reply


class Reader:
    """Feed a conversation's events in id order; `candidates` are the messages that may have answered."""

    def __init__(self) -> None:
        self.active: Optional[str] = None
        self.requested: Optional[str] = None
        self.candidates: List[Candidate] = []
        self._open: Optional[Candidate] = None
        self._replying = False

    def feed(self, row, data: Optional[dict] = None) -> None:
        """One event: a row with id, type_name and action_name (Rasa stores a slot's or a form's
        name there); `data` its JSON, needed for user messages and requested_slot events only."""
        kind, name = row.type_name, row.action_name
        if kind == "session_started":
            self.active = self.requested = self._open = None
        elif kind == "user":
            self._open = None
            parse = (data or {}).get("parse_data") or {}
            crisis = parse.get("crisis_safety_net") or (parse.get("intent") or {}).get("name") == "crisis"
            if self.active and self.requested and not crisis:
                self._open = Candidate(row.id, self.requested)
                self._replying = False
                self.candidates.append(self._open)
        elif kind == "slot":
            if self._open and not self._replying and name == self._open.slot:
                self._open.taken = True
            if name == "requested_slot":
                self.requested = (data or {}).get("value")
        elif kind == "action":
            if name == "action_listen":
                self._open = None
            self._replying = True
        elif kind == "active_loop":
            self.active = name
            if not name:
                self.requested = None
                self._open = None  # what follows the form's end is not its reply
        elif kind == "bot" and self._open and self._replying:
            self._open.replies.append(row.id)

    def reply_ids(self) -> List[int]:
        """The bot messages whose response names `answered` needs."""
        return [event_id for c in self.candidates if c.taken for event_id in c.replies]


def answered(candidates: Iterable[Candidate], utter_actions: Mapping[int, Optional[str]]) -> Dict[int, str]:
    """{user message event id: the slot it answered}, given the response name of each reply."""
    return {
        c.event_id: c.slot for c in candidates
        if c.taken and all(is_form_reply(utter_actions.get(event_id)) for event_id in c.replies)
    }


def utter_action(data: Optional[str]) -> Optional[str]:
    """The response a bot event came from, from the event's JSON."""
    try:
        return ((json.loads(data or "{}").get("metadata")) or {}).get("utter_action")
    except ValueError:
        return None
