"""Live chat, as the staff app sees it: who is available, the name visitors see, and the
handoffs (storage/handoffs.py) as the live queue and the chat page show them.

The state itself is storage's; changing a conversation is the Rasa server's
(staff_review.assistant_client). What is here is reading and naming:

* **Presence.** "Available for live chat" is a flag per staff member, and
  counts only while one of their staff pages has polled within
  storage.handoffs.PRESENCE_SECONDS (the live queue's and the chat page's
  polls call `seen`). The assistant offers a live person only then.
* **Chat name.** Visitors see "<chat name> from our admissions team has
  joined the chat": a first name, set by the staff member (or an admin), the
  username capitalised until then. Letters, spaces, hyphens and apostrophes only: it
  is shown in the widget and on Telegram, so nothing else can ride along.
* **What the queue shows of a waiting conversation**: how long it has
  waited, the channel, and its last few messages (read from `events`, always
  current), plus a short version string, so the live poll resends an entry
  only when it changed.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Optional

import sqlalchemy as sa

from staff_review import bot_text, db, sync, transcript
from staff_review.conversations import channel_label
from storage import handoffs

MAX_CHAT_NAME = handoffs.MAX_CHAT_NAME_CHARS
QUEUE_MESSAGES = 5  # the last few messages a waiting conversation shows in the queue
PAGE_MESSAGES = 30  # how much of the conversation before the handoff the chat page shows
END_REASONS = {
    handoffs.HANDED_BACK: "it was handed back to the assistant",
    handoffs.NOBODY_CAME: "nobody took it in time, so the assistant offered a callback",
    handoffs.VISITOR_LEFT: "the visitor left the chat (started over)",
}
AUTHOR_LABELS = {handoffs.VISITOR: "Visitor", handoffs.ASSISTANT: "Assistant"}


class ChatNameError(ValueError):
    """A chat name that can't be used, with a message for the person."""


# Chat names ------------------------------------------------------------------------------

# Shown for a staff member whose username is no name ("staff2", "m.lopez") and who set none.
UNNAMED = "Someone"


def default_chat_name(username: str) -> str:
    """The username, capitalised, if it reads as a name (the Rasa server takes names only)."""
    name = username[:1].upper() + username[1:MAX_CHAT_NAME]
    return name if handoffs.CHAT_NAME.fullmatch(name) else UNNAMED


def chat_name(username: str) -> str:
    """The name visitors see for this staff member."""
    with db.engine().connect() as connection:
        stored = connection.execute(sa.select(db.users.c.chat_name).where(db.users.c.username == username)).scalar()
    return stored or default_chat_name(username)


def clean_chat_name(typed: str) -> Optional[str]:
    """The chat name as stored (None: back to the default); ChatNameError says what is wrong."""
    name = " ".join((typed or "").split())
    if not name:
        return None
    if len(name) > MAX_CHAT_NAME:
        raise ChatNameError(f"A chat name is at most {MAX_CHAT_NAME} characters.")
    if not handoffs.CHAT_NAME.fullmatch(name):
        raise ChatNameError("A chat name is a first name: letters, spaces, hyphens and apostrophes only.")
    return name


def set_chat_name(username: str, typed: str) -> str:
    """Store a staff member's chat name (empty: the default); the name visitors will now see."""
    name = clean_chat_name(typed)
    with db.engine().begin() as connection:
        changed = connection.execute(db.users.update().where(db.users.c.username == username).values(chat_name=name)).rowcount
    if not changed:
        raise ChatNameError(f"No user called {username}.")
    return name or default_chat_name(username)


# Presence --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Presence:
    available: bool  # this staff member, marked available (and seen just now)
    colleagues: int  # others marked available and seen within PRESENCE_SECONDS

    def as_json(self) -> Dict[str, object]:
        return {"available": self.available, "colleagues": self.colleagues}


def presence(username: str) -> Presence:
    p = handoffs.staff_presence
    cutoff = datetime.now(timezone.utc) - timedelta(seconds=handoffs.PRESENCE_SECONDS)
    with db.engine().connect() as connection:
        colleagues = connection.execute(
            sa.select(sa.func.count()).select_from(p)
            .where(p.c.available.is_(True), p.c.seen_at >= cutoff, p.c.username != username)
        ).scalar_one()
    return Presence(handoffs.is_available(username), colleagues)


# Handoffs as shown -----------------------------------------------------------------------

def waited(since: datetime, now: datetime) -> str:
    """"45 s", "3 min", "1 h 5 min": a live chat's wait is counted in seconds at first."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def said(items: List[transcript.Item]) -> List[transcript.Item]:
    """The messages of a transcript: what the visitor, the assistant and staff said (a button's
    payload, "/live_chat", says nothing to a reader: the bot's line after it does)."""
    return [item for item in items
            if item.kind in ("bot", "staff") or (item.kind == "user" and not item.text.startswith("/"))]


def queue_items(username: str, now: Optional[datetime] = None) -> List[Dict]:
    """The open handoffs (waiting first, oldest first) as the live queue shows them."""
    now = now or datetime.now(timezone.utc)
    found = handoffs.open_handoffs()
    if not found:
        return []
    sync.sync()  # a conversation that started seconds ago is in the index (its list entry, the dashboard) too
    transcripts = transcript.load_many(sorted({h.conversation_id for h in found}))
    items = []
    for handoff in found:
        read = transcripts.get(handoff.conversation_id)
        last = said(read.items)[-QUEUE_MESSAGES:] if read else []
        since = handoff.requested_at if handoff.state == handoffs.WAITING else (handoff.taken_at or handoff.requested_at)
        item = {
            "handoff": handoff, "channel": channel_label(handoff.channel), "waited": waited(since, now),
            "messages": last, "mine": handoff.staff_user == username,
        }
        # What the entry shows that can change: its HTML is resent only when this does.
        shows = "|".join([handoff.state, handoff.staff_user or "", item["waited"], str(read.last_event_id if read else 0)])
        item["version"] = hashlib.sha1(shows.encode()).hexdigest()[:12]
        items.append(item)
    return items


def before_handoff(handoff: handoffs.Handoff) -> List[transcript.Item]:
    """The conversation up to the request for a person (what the visitor said after it is the live part)."""
    read = transcript.load(handoff.conversation_id)
    if read is None:
        return []
    cutoff = handoff.requested_at.timestamp() + 1  # the request's own turn, stored a moment before the row
    return said([item for item in read.items if item.timestamp <= cutoff])[-PAGE_MESSAGES:]


def message_json(row, handoff: handoffs.Handoff) -> Dict[str, object]:
    """One handoff message for the chat page's script (which shows it with textContent)."""
    bubble = row.bubble if isinstance(row.bubble, dict) else {}
    if row.author == handoffs.STAFF:
        who = transcript.staff_label(bubble.get("staff_name") or handoff.staff_name)
    else:
        who = AUTHOR_LABELS.get(row.author, row.author)
    buttons = [str(b.get("title", "")) for b in bubble.get("buttons") or [] if isinstance(b, dict)]
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=timezone.utc)
    text = str(bubble.get("text") or "")
    if row.author == handoffs.ASSISTANT:
        text = bot_text.to_plain(text)  # the assistant's markdown, as text (the page shows text only)
    return {
        "id": row.id, "author": row.author, "who": who, "text": text, "buttons": buttons,
        "crisis": bool(row.crisis), "time": _clock(created),
    }


def _clock(moment: datetime) -> str:
    from staff_review.callback_queue import clinic_zone

    return moment.astimezone(clinic_zone()).strftime("%H:%M:%S")


def messages_after(handoff: handoffs.Handoff, after: int = 0) -> List[Dict[str, object]]:
    return [message_json(row, handoff) for row in handoffs.messages(handoff_id=handoff.id, after=after)]


def ended_because(handoff: handoffs.Handoff) -> str:
    return END_REASONS.get(handoff.end_reason or "", "it has ended")
