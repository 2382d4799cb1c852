"""One conversation as staff read it, built from its events in `events` (always current).

Items, in order: session boundaries, user messages (with predicted intent,
confidence, entities and the crisis checks' verdict, or the form question
they answered: staff_review.form_answers), bot messages (with their buttons;
`html` renders their markdown safely: staff_review.bot_text), actions, form
steps and slot values. action_listen and featurization events carry nothing a
reader needs and are left out.

A live handoff (docs/handoff.md) shows as its start and end (Rasa's `pause`
and `resume` events); what the staff member wrote is a `BotUttered` whose
metadata names them (`staff_user`, `staff_name`): an item of kind "staff",
shown as "Maria (admissions team)", never as the assistant. The visitor's
messages meanwhile are user messages as always, marked `to_staff`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from markupsafe import Markup

from staff_review import bot_text, db, domain
from staff_review.form_answers import Reader, answered

HIDDEN_ACTIONS = {"action_listen", "action_session_start"}
HIDDEN_EVENTS = {"user_featurization", "action_execution_rejected"}
# Slots the assistant sets for itself at every session start: noise in a transcript.
QUIET_SLOTS = {"clinic_name", "clinic_phone", "crisis_flagged", "requested_slot"}


@dataclass
class Item:
    kind: str  # session, user, bot, staff, handoff, action, form, slot
    timestamp: float
    text: str = ""
    event_id: Optional[int] = None
    intent: Optional[str] = None
    confidence: Optional[float] = None
    entities: List[dict] = field(default_factory=list)
    buttons: List[str] = field(default_factory=list)
    crisis: bool = False
    crisis_source: str = ""  # "lexicon" or "classifier": which check gave the crisis reply
    crisis_suspected: bool = False
    crisis_mentioned: bool = False  # crisis words told as a past story: the ordinary answer was given
    name: str = ""
    value: Any = None
    detail: str = ""
    asked_for: Optional[str] = None  # the slot the form was asking for when this message came
    answered: Optional[str] = None  # the slot this message answered (not a question asked mid-form)
    to_staff: bool = False  # a user message written while a person from admissions had the conversation

    @property
    def time(self) -> str:
        """When, to the second, in the clinic's time zone (as every time the app shows)."""
        from staff_review.callback_queue import clinic_zone

        return datetime.fromtimestamp(self.timestamp, timezone.utc).astimezone(clinic_zone()).strftime("%Y-%m-%d %H:%M:%S %Z")

    @property
    def answer_to(self) -> str:
        """What the question this message answered asks ("best time to call"), or ""."""
        return domain.answer_label(self.answered) if self.answered else ""

    @property
    def speaker(self) -> str:
        """Who said it, as transcripts and exports name them."""
        if self.kind == "staff":
            return staff_label(self.name)
        return self.kind

    @property
    def plain(self) -> str:
        """The text without markdown (a bot message's "**" and links as text), for short views."""
        return bot_text.to_plain(self.text) if self.kind == "bot" else self.text

    @property
    def html(self) -> Markup:
        """A bot message's markdown as safe HTML (a user's text is never rendered: the template escapes it)."""
        return bot_text.to_html(self.text)


def staff_label(staff_name: Optional[str]) -> str:
    """How a staff member's turn is named: "Maria (admissions team)"."""
    return f"{staff_name or 'Staff'} (admissions team)"


def staff_author(data: dict) -> Optional[dict]:
    """A bot event's staff member ({"staff_user", "staff_name"}), if a person wrote it. The
    assistant's "Maria from admissions has joined" names the staff member too, but is one of
    its own responses (`utter_action`): the assistant's line, not the person's."""
    metadata = data.get("metadata") or {}
    if not isinstance(metadata, dict) or metadata.get("utter_action"):
        return None
    return metadata if metadata.get("staff_user") else None


@dataclass
class Transcript:
    conversation_id: str
    items: List[Item]
    slots: Dict[str, Any]
    last_event_id: int = 0  # the newest event shown: a review covers the transcript up to here

    @property
    def known_names(self) -> List[str]:
        """Names the person gave (slot values), for redaction."""
        return [str(item.value) for item in self.items if item.kind == "slot" and item.name == "callback_name" and item.value]


def build(conversation_id: str, rows) -> Transcript:
    items: List[Item] = []
    slots: Dict[str, Any] = {}
    requested: Optional[str] = None
    session_start = False  # the slots set before a session's first message are defaults
    paused = False  # a person from admissions has the conversation (Rasa's pause ... resume)
    last_event_id = 0
    reader, responses = Reader(), {}
    for row in rows:
        last_event_id = max(last_event_id, row.id)
        data = json.loads(row.data or "{}")
        stamp = row.timestamp or 0.0
        kind = row.type_name
        reader.feed(row, data)
        if kind in HIDDEN_EVENTS:
            continue
        if kind == "session_started":
            items.append(Item("session", stamp))
            session_start = True
        elif kind == "user":
            session_start = False
            parse = data.get("parse_data") or {}
            intent = parse.get("intent") or {}
            items.append(Item(
                "user", stamp, text=data.get("text") or "", event_id=row.id, intent=intent.get("name"),
                confidence=intent.get("confidence"), entities=parse.get("entities") or [],
                crisis=bool(parse.get("crisis_safety_net")), crisis_suspected=bool(parse.get("crisis_suspected")),
                crisis_source=(parse.get("crisis_safety_net") or {}).get("source", "lexicon"),
                crisis_mentioned=bool(parse.get("crisis_mentioned")), asked_for=requested, to_staff=paused,
            ))
        elif kind in ("pause", "resume"):
            paused = kind == "pause"
            items.append(Item("handoff", stamp, detail="started" if paused else "ended"))
        elif kind == "bot" and staff_author(data):
            items.append(Item("staff", stamp, text=data.get("text") or "", name=str(staff_author(data).get("staff_name") or "")))
        elif kind == "bot":
            responses[row.id] = (data.get("metadata") or {}).get("utter_action")
            buttons = ((data.get("data") or {}).get("buttons")) or []
            items.append(Item("bot", stamp, text=data.get("text") or "",
                              buttons=[str(b.get("title", "")) for b in buttons if isinstance(b, dict)]))
        elif kind == "action" and row.action_name not in HIDDEN_ACTIONS:
            policy = data.get("policy") or ""
            items.append(Item("action", stamp, name=row.action_name or "", detail=policy))
        elif kind == "active_loop":
            name = data.get("name")
            items.append(Item("form", stamp, name=name or "", detail="started" if name else "ended"))
            if not name:
                requested = None
        elif kind == "slot":
            name, value = data.get("name"), data.get("value")
            slots[name] = value
            if name == "requested_slot":
                requested = value
                if value:
                    items.append(Item("form", stamp, name=value, detail="asks for"))
            elif name not in QUIET_SLOTS and not session_start:
                items.append(Item("slot", stamp, name=name, value=value))
    answers = answered(reader.candidates, responses)
    for item in items:
        if item.kind == "user":
            item.answered = answers.get(item.event_id)
    return Transcript(conversation_id, items, slots, last_event_id)


def load(conversation_id: str) -> Optional[Transcript]:
    transcripts = load_many([conversation_id])
    return transcripts.get(conversation_id)


def load_many(conversation_ids: List[str]) -> Dict[str, Transcript]:
    e = db.events
    found: Dict[str, list] = {}
    with db.engine().connect() as connection:
        for start in range(0, len(conversation_ids), 400):
            chunk = conversation_ids[start:start + 400]
            rows = connection.execute(
                sa.select(e.c.id, e.c.sender_id, e.c.type_name, e.c.timestamp, e.c.action_name, e.c.data)
                .where(e.c.sender_id.in_(chunk))
                .order_by(e.c.id)
            )
            for row in rows:
                found.setdefault(row.sender_id, []).append(row)
    return {sender: build(sender, rows) for sender, rows in found.items()}
