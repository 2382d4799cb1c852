"""Live handoffs: a conversation handed from the assistant to a person on the admissions team.

One row in `handoffs` per request for a person, moving waiting -> live -> ended
(or waiting -> ended when nobody took it in time). At most one is open
(waiting or live) per conversation: a partial unique index enforces it even
for two tabs asking at once, and `take` is one conditional UPDATE, so two
staff can never take the same conversation.

`handoff_messages` is the delivery line while a handoff is open: what the
visitor typed (for the staff member's screen), and what the staff member and
the assistant said (for the widget's and the Telegram bridge's polls), each
bubble as a client receives it. The conversation's record of all of it is
Rasa's tracker (the staff member's turns are BotUttered events marked with
who wrote them; channels/handoff.py appends them); these rows are a copy for
polling by id, erased with the conversation (staff_review/erase.py).

`staff_presence` says who is available for live chat: a staff member marks
themselves available in the staff app, whose pages keep `seen_at` fresh while
open. Someone counts as available only while seen within PRESENCE_SECONDS, so
a closed laptop takes nobody's availability with it for long.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from storage import engine

metadata = sa.MetaData()

WAITING, LIVE, ENDED = "waiting", "live", "ended"
OPEN_STATES = (WAITING, LIVE)
# Why a handoff ended.
HANDED_BACK, NOBODY_CAME, VISITOR_LEFT = "handed_back", "nobody_came", "visitor_left"
# Who said a handoff message.
VISITOR, STAFF, ASSISTANT = "visitor", "staff", "assistant"

# How long a request for a person waits for someone to take it (HANDOFF_WAIT_SECONDS).
DEFAULT_WAIT_SECONDS = 180
# A staff member marked available counts only while a staff page has been seen this recently.
PRESENCE_SECONDS = 90
MAX_STAFF_MESSAGE_CHARS = 4000
# The name visitors see ("Maria from our admissions team has joined"): letters (any alphabet),
# single spaces, hyphens and apostrophes between them: "Maria", "Anne-Marie", "O'Neil".
CHAT_NAME = re.compile(r"[^\W\d_]+(?:[ '’-][^\W\d_]+)*")
MAX_CHAT_NAME_CHARS = 40

handoffs = sa.Table(
    "handoffs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("channel", sa.String(16), nullable=False),  # "rest" (the widget) or "telegram"
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("staff_user", sa.String(64), nullable=True),  # the staff username who took it
    sa.Column("staff_name", sa.String(40), nullable=True),  # the name the visitor sees
    sa.Column("end_reason", sa.String(16), nullable=True),
    sa.Index(
        "one_open_handoff_per_conversation",
        "conversation_id",
        unique=True,
        sqlite_where=sa.text("state IN ('waiting', 'live')"),
        postgresql_where=sa.text("state IN ('waiting', 'live')"),
    ),
)

handoff_messages = sa.Table(
    "handoff_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("handoff_id", sa.Integer, sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("author", sa.String(16), nullable=False),  # visitor, staff or assistant
    sa.Column("bubble", sa.JSON, nullable=False),  # {"text", "buttons"?, "custom"?, "response"?, "staff_name"?, ...}
    sa.Column("crisis", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

staff_presence = sa.Table(
    "staff_presence",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("available", sa.Boolean, nullable=False),
    sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Handoff:
    id: int
    conversation_id: str
    channel: str
    state: str
    requested_at: datetime
    taken_at: Optional[datetime]
    ended_at: Optional[datetime]
    staff_user: Optional[str]
    staff_name: Optional[str]
    end_reason: Optional[str]

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES

    @classmethod
    def of(cls, row: Any) -> "Handoff":
        return cls(**{name: _aware(getattr(row, name)) for name in cls.__dataclass_fields__})


def _aware(value: Any) -> Any:
    """SQLite gives back naive datetimes: they were stored in UTC."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _now() -> datetime:
    return datetime.now(timezone.utc)


def wait_seconds() -> int:
    try:
        return max(10, int(os.environ.get("HANDOFF_WAIT_SECONDS", DEFAULT_WAIT_SECONDS)))
    except ValueError:
        return DEFAULT_WAIT_SECONDS


# Handoffs ---------------------------------------------------------------------------


def request(conversation_id: str, channel: str, url: Optional[str] = None) -> Handoff:
    """The conversation's open handoff, or a new waiting one."""
    for _attempt in range(3):
        existing = open_handoff(conversation_id, url)
        if existing:
            return existing
        try:
            with engine(url).begin() as connection:
                connection.execute(
                    handoffs.insert().values(conversation_id=conversation_id, channel=channel, state=WAITING,
                                             requested_at=_now())
                )
        except sa.exc.IntegrityError:
            continue  # another tab asked at the same moment: take theirs
    found = open_handoff(conversation_id, url)
    if not found:
        raise RuntimeError("could not open a handoff")
    return found


def open_handoff(conversation_id: str, url: Optional[str] = None) -> Optional[Handoff]:
    with engine(url).connect() as connection:
        row = connection.execute(
            sa.select(handoffs).where(handoffs.c.conversation_id == conversation_id,
                                      handoffs.c.state.in_(OPEN_STATES))
        ).first()
    return Handoff.of(row) if row else None


def get(handoff_id: int, url: Optional[str] = None) -> Optional[Handoff]:
    with engine(url).connect() as connection:
        row = connection.execute(sa.select(handoffs).where(handoffs.c.id == handoff_id)).first()
    return Handoff.of(row) if row else None


def open_handoffs(url: Optional[str] = None) -> List[Handoff]:
    """Every waiting and live handoff, waiting first, oldest first (the staff app's live queue)."""
    with engine(url).connect() as connection:
        rows = connection.execute(
            sa.select(handoffs).where(handoffs.c.state.in_(OPEN_STATES))
            .order_by(sa.case((handoffs.c.state == WAITING, 0), else_=1), handoffs.c.requested_at)
        ).all()
    return [Handoff.of(row) for row in rows]


def waiting_count(url: Optional[str] = None) -> int:
    with engine(url).connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).select_from(handoffs).where(handoffs.c.state == WAITING)
        ).scalar_one()


def take(handoff_id: int, staff_user: str, staff_name: str, url: Optional[str] = None) -> bool:
    """Whether `staff_user` now has the handoff: one UPDATE, so only one of two can."""
    with engine(url).begin() as connection:
        taken = connection.execute(
            handoffs.update()
            .where(handoffs.c.id == handoff_id, handoffs.c.state == WAITING)
            .values(state=LIVE, staff_user=staff_user, staff_name=staff_name, taken_at=_now())
        ).rowcount
    return taken == 1


def end(handoff_id: int, reason: str, staff_user: Optional[str] = None, only_waiting: bool = False,
        url: Optional[str] = None) -> bool:
    """End an open handoff (only its own staff member's, when `staff_user` is given; only one nobody
    has taken, with `only_waiting`); whether it was ended here. One conditional UPDATE."""
    condition = [handoffs.c.id == handoff_id, handoffs.c.state.in_((WAITING,) if only_waiting else OPEN_STATES)]
    if staff_user is not None:
        condition += [handoffs.c.state == LIVE, handoffs.c.staff_user == staff_user]
    with engine(url).begin() as connection:
        ended = connection.execute(
            handoffs.update().where(*condition).values(state=ENDED, end_reason=reason, ended_at=_now())
        ).rowcount
    return ended == 1


def overdue(now: Optional[datetime] = None, url: Optional[str] = None) -> List[Handoff]:
    """Waiting handoffs nobody took within wait_seconds()."""
    cutoff = (now or _now()) - timedelta(seconds=wait_seconds())
    with engine(url).connect() as connection:
        rows = connection.execute(
            sa.select(handoffs).where(handoffs.c.state == WAITING, handoffs.c.requested_at <= cutoff)
        ).all()
    return [Handoff.of(row) for row in rows]


# Messages ---------------------------------------------------------------------------


def add_message(handoff: Handoff, author: str, bubble: Dict[str, Any], crisis: bool = False,
                url: Optional[str] = None) -> int:
    with engine(url).begin() as connection:
        return connection.execute(
            handoff_messages.insert().values(
                handoff_id=handoff.id, conversation_id=handoff.conversation_id, channel=handoff.channel,
                author=author, bubble=bubble, crisis=crisis, created_at=_now(),
            )
        ).inserted_primary_key[0]


def messages(conversation_id: Optional[str] = None, channel: Optional[str] = None, after: int = 0,
             handoff_id: Optional[int] = None, authors: Optional[List[str]] = None, limit: int = 200,
             url: Optional[str] = None) -> List[Any]:
    """Handoff messages with an id above `after`, oldest first, filtered as asked."""
    query = sa.select(handoff_messages).where(handoff_messages.c.id > after)
    if conversation_id is not None:
        query = query.where(handoff_messages.c.conversation_id == conversation_id)
    if channel is not None:
        query = query.where(handoff_messages.c.channel == channel)
    if handoff_id is not None:
        query = query.where(handoff_messages.c.handoff_id == handoff_id)
    if authors is not None:
        query = query.where(handoff_messages.c.author.in_(authors))
    with engine(url).connect() as connection:
        return connection.execute(query.order_by(handoff_messages.c.id).limit(limit)).all()


def last_message_id(url: Optional[str] = None) -> int:
    with engine(url).connect() as connection:
        return connection.execute(sa.select(sa.func.coalesce(sa.func.max(handoff_messages.c.id), 0))).scalar_one()


# Presence ---------------------------------------------------------------------------


def set_available(username: str, available: bool, url: Optional[str] = None) -> None:
    now = _now()
    with engine(url).begin() as connection:
        updated = connection.execute(
            staff_presence.update().where(staff_presence.c.username == username).values(available=available, seen_at=now)
        ).rowcount
        if not updated:
            connection.execute(staff_presence.insert().values(username=username, available=available, seen_at=now))


def seen(username: str, url: Optional[str] = None) -> None:
    """A staff page was open just now (its polls call this)."""
    with engine(url).begin() as connection:
        connection.execute(staff_presence.update().where(staff_presence.c.username == username).values(seen_at=_now()))


def is_available(username: str, url: Optional[str] = None) -> bool:
    with engine(url).connect() as connection:
        row = connection.execute(sa.select(staff_presence).where(staff_presence.c.username == username)).first()
    return bool(row and row.available and _aware(row.seen_at) >= _now() - timedelta(seconds=PRESENCE_SECONDS))


def someone_available(url: Optional[str] = None) -> bool:
    """Whether any staff member is marked available and has a staff page open."""
    cutoff = _now() - timedelta(seconds=PRESENCE_SECONDS)
    with engine(url).connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).select_from(staff_presence)
            .where(staff_presence.c.available.is_(True), staff_presence.c.seen_at >= cutoff)
        ).scalar_one() > 0
