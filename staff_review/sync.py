"""Keep the derived tables (staff_conversations, staff_messages) up to date with `events`.

Rasa appends events; this reads the ones past a watermark (the last event id
seen), and rebuilds each conversation they belong to from all of its events.
Rebuilding a whole conversation makes a sync idempotent: running it twice, or
re-reading events, changes nothing. The app runs it before every list,
search and dashboard page, where it costs one indexed query when nothing is
new; the first run over a large database is a bulk job (`python -m
staff_review.sync`).

On PostgreSQL, transactions can commit out of id order: event 101 may become
visible after 102. The watermark therefore stops before a gap in the ids that
is less than a minute old, so a late commit is picked up by the next sync.

The database may be a SQLite file shared with Rasa's tracker store, which
gives up on a locked database after about 5 seconds and then loses the
events. So a sync never holds the write lock while it reads or computes:
each batch (BATCH events) is read and summarised outside any write
transaction, then written in one short transaction that first moves the
watermark on, conditionally (`WHERE last_event_id = <the one read>`); if
another process synced meanwhile, the batch is dropped and read again.

A conversation is flagged "callback" only when a callback request was
stored for it (a callback_requests row), not when the form merely started.

Only user messages reach staff_messages (search, intent filters, top
intents): bot replies are the assistant's own canned text. A message that
answered a form's question ("Morning" at the best-time question, a phone
number) keeps the slot it answered in `answers_slot`
(staff_review.form_answers): it counts neither as low-confidence nor as a
fallback, whatever the NLU said of it, and its intent is not indexed (NULL), so intent
filters and the dashboard's intent counts pass it by.

During a live handoff (Rasa's `pause` ... `resume`, docs/handoff.md) the
visitor writes to a person, not to the assistant: those messages are indexed
and searchable as always, and a crisis among them flags the conversation,
but they count neither as low-confidence nor as fallback turns (nobody asked
the NLU to understand "thanks Maria"). What the staff member wrote is a bot
event (metadata `staff_user`): like the assistant's replies, not indexed;
the transcript and exports name it (staff_review.transcript).
"""
from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Dict, Iterable, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from answer_words.questions import UNPLACED_INTENT
from crisis_detection import intents
from staff_review import db
from staff_review.form_answers import Reader, answered, utter_action

BATCH = 1000
SENDER_CHUNK = 400
GAP_GRACE_SECONDS = 60
LOW_CONFIDENCE = 0.6  # the top intent's confidence below which a turn counts as low-confidence (shown in transcripts too)
CRISIS_ACTION = "action_crisis_response"
# A crisis, and one the classifier finds likely: inside a form the assistant takes that as an
# answer and names the lines, but staff see a crisis either way.
CRISIS_INTENTS = sorted(intents.CRISIS_REPLY)
# What the NLU could not place: its fallback, and a plain question it answered honestly
# for want of anything better (intent_classifier/unplaced_questions.py).
FALLBACK_INTENTS = ("nlu_fallback", UNPLACED_INTENT)
FALLBACK_ACTIONS = {"action_default_fallback", "action_two_stage_fallback", "utter_ask_rephrase"}
ADVISORY_LOCK_KEY = 746_153_902  # any constant shared by every app process

_lock = threading.Lock()


@dataclass
class Summary:
    conversation_id: str
    started_at: float = 0.0
    last_at: float = 0.0
    last_event_id: int = 0
    channel: str = ""
    turns: int = 0
    sessions: int = 0
    crisis: bool = False
    crisis_suspected: bool = False
    callback: bool = False
    fallback: bool = False
    low_confidence: int = 0
    messages: List[dict] = field(default_factory=list)

    def row(self) -> dict:
        day = datetime.fromtimestamp(self.started_at, timezone.utc).strftime("%Y-%m-%d")
        return {
            "conversation_id": self.conversation_id, "started_at": self.started_at, "started_day": day,
            "last_at": self.last_at, "last_event_id": self.last_event_id, "channel": self.channel or "unknown",
            "turns": self.turns,
            "sessions": self.sessions, "crisis": self.crisis, "crisis_suspected": self.crisis_suspected,
            "callback": self.callback, "fallback": self.fallback, "low_confidence": self.low_confidence,
        }


@dataclass
class Event:
    """An event row, its JSON parsed (None where it wasn't read)."""
    id: int
    type_name: str
    timestamp: Optional[float]
    action_name: Optional[str]
    data: Optional[dict]


def _events(rows: Iterable) -> List[Event]:
    return [Event(row.id, row.type_name, row.timestamp, row.action_name, json.loads(row.data) if row.data else None)
            for row in rows]


def _reader(events: Sequence[Event]) -> Reader:
    """The first step of finding form answers (staff_review.form_answers)."""
    reader = Reader()
    for event in events:
        reader.feed(event, event.data)
    return reader


def summarise(conversation_id: str, rows: Iterable, answers: Optional[Dict[int, str]] = None) -> Summary:
    """One conversation's summary and user messages, from its events in id order.

    `answers` ({user event id: slot}) are the messages that answered a form's
    question; by default they are found from the rows, whose bot events must
    then carry their JSON."""
    events = _events(rows)
    if answers is None:
        responses = {e.id: ((e.data or {}).get("metadata") or {}).get("utter_action") for e in events if e.type_name == "bot"}
        answers = answered(_reader(events).candidates, responses)
    return _summarise(conversation_id, events, answers)


def _summarise(conversation_id: str, events: Sequence[Event], answers: Dict[int, str]) -> Summary:
    summary = Summary(conversation_id)
    paused = False  # a person from admissions has the conversation
    for event in events:
        stamp = event.timestamp or 0.0
        if not summary.started_at:
            summary.started_at = stamp
        summary.last_at = max(summary.last_at, stamp)
        summary.last_event_id = max(summary.last_event_id, event.id)
        kind, name = event.type_name, event.action_name
        if kind in ("pause", "resume"):
            paused = kind == "pause"
        if kind == "session_started":
            summary.sessions += 1
        elif kind == "action" and name == CRISIS_ACTION:
            summary.crisis = True
        if name in FALLBACK_ACTIONS:
            summary.fallback = True
        if kind == "user":
            _add_user_message(summary, event, answers.get(event.id), to_staff=paused)
    return summary


def _add_user_message(summary: Summary, event: Event, answers_slot: Optional[str], to_staff: bool = False) -> None:
    data = event.data or {}
    parse = data.get("parse_data") or {}
    intent = parse.get("intent") or {}
    text = data.get("text") or ""
    confidence = intent.get("confidence")
    summary.turns += 1
    summary.channel = summary.channel or data.get("input_channel") or ""
    verdict_moot = bool(answers_slot) or to_staff  # the NLU's verdict means nothing here
    if intent.get("name") in FALLBACK_INTENTS and not verdict_moot:
        summary.fallback = True
    if intent.get("name") in CRISIS_INTENTS or parse.get(intents.VERDICT_KEY):
        summary.crisis = True
    if parse.get(intents.SUSPECTED_KEY):
        summary.crisis_suspected = True
    if confidence is not None and confidence < LOW_CONFIDENCE and not text.startswith("/") and not verdict_moot:
        summary.low_confidence += 1
    summary.messages.append(
        {
            "event_id": event.id, "conversation_id": summary.conversation_id, "timestamp": event.timestamp or 0.0,
            # An answer's intent is noise ("Morning" as greet): kept out of the index, so intent filters
            # and the dashboard's intent counts pass it by without looking at answers_slot.
            "text": text, "intent": None if answers_slot else intent.get("name"), "confidence": confidence,
            "answers_slot": answers_slot,
        }
    )


def summaries_of(connection: Connection, conversation_ids: Sequence[str]) -> List[Summary]:
    """Read and summarise these conversations from their events (no writes)."""
    e = db.events
    found: List[Summary] = []
    for start in range(0, len(conversation_ids), SENDER_CHUNK):
        chunk = list(conversation_ids[start:start + SENDER_CHUNK])
        # Only the JSON of user events and of requested_slot events is read: the flags come from the
        # plain columns. Form answers need the response names of a few bot events, read after.
        needs_data = sa.or_(e.c.type_name == "user", sa.and_(e.c.type_name == "slot", e.c.action_name == "requested_slot"))
        rows = connection.execute(
            sa.select(e.c.id, e.c.sender_id, e.c.type_name, e.c.timestamp, e.c.action_name,
                      sa.case((needs_data, e.c.data), else_=sa.null()).label("data"))
            .where(e.c.sender_id.in_(chunk))
            .order_by(e.c.id)
        ).all()
        by_sender: Dict[str, list] = {}
        for row in rows:
            by_sender.setdefault(row.sender_id, []).append(row)
        by_sender = {sender: _events(events) for sender, events in by_sender.items()}
        readers = {sender: _reader(events) for sender, events in by_sender.items()}
        responses = _responses(connection, [i for reader in readers.values() for i in reader.reply_ids()])
        with_request = set(
            connection.execute(
                sa.select(db.callback_requests.c.conversation_id).where(
                    db.callback_requests.c.conversation_id.in_(chunk)
                )
            ).scalars()
        )
        for sender, events in by_sender.items():
            summary = _summarise(sender, events, answered(readers[sender].candidates, responses))
            summary.callback = sender in with_request
            found.append(summary)
    return found


def _responses(connection: Connection, bot_event_ids: List[int]) -> Dict[int, Optional[str]]:
    """{bot event id: the response it came from} for these events."""
    found: Dict[int, Optional[str]] = {}
    for start in range(0, len(bot_event_ids), SENDER_CHUNK):
        chunk = bot_event_ids[start:start + SENDER_CHUNK]
        for event_id, data in connection.execute(sa.select(db.events.c.id, db.events.c.data).where(db.events.c.id.in_(chunk))):
            found[event_id] = utter_action(data)
    return found


def write(connection: Connection, conversation_ids: Sequence[str], summaries: Sequence[Summary]) -> None:
    """Replace these conversations' derived rows (inside the caller's transaction)."""
    for start in range(0, len(conversation_ids), SENDER_CHUNK):
        chunk = list(conversation_ids[start:start + SENDER_CHUNK])
        connection.execute(db.messages.delete().where(db.messages.c.conversation_id.in_(chunk)))
        connection.execute(db.conversations.delete().where(db.conversations.c.conversation_id.in_(chunk)))
    if summaries:
        connection.execute(db.conversations.insert(), [s.row() for s in summaries])
    all_messages = [m for s in summaries for m in s.messages]
    if all_messages:
        connection.execute(db.messages.insert(), all_messages)


def rebuild(connection: Connection, conversation_ids: Sequence[str]) -> None:
    """Recompute the derived rows of these conversations from their events."""
    write(connection, conversation_ids, summaries_of(connection, conversation_ids))


def _watermark(connection: Connection) -> int:
    value = connection.execute(sa.select(db.sync_state.c.last_event_id).where(db.sync_state.c.id == 1)).scalar()
    if value is None:
        connection.execute(db.sync_state.insert().values(id=1, last_event_id=0))
        return 0
    return value


def safe_watermark(rows: Sequence, previous: int, now: float) -> int:
    """The highest id up to which every event is visible (see the module docstring)."""
    expected = previous + 1
    for row in rows:
        if row.id != expected and (row.timestamp or 0) > now - GAP_GRACE_SECONDS:
            return expected - 1
        expected = row.id + 1
    return rows[-1].id if rows else previous


_with_events: set = set()  # database URLs where Rasa's table is known to exist


def _events_exist(engine: Engine) -> bool:
    """Rasa creates `events` when its server first starts, which may be after this app."""
    key = str(engine.url)
    if key not in _with_events and sa.inspect(engine).has_table("events"):
        _with_events.add(key)
    return key in _with_events


def sync(engine: Optional[Engine] = None, batch: int = BATCH) -> int:
    """Bring the derived tables up to date; the number of new events read."""
    engine = engine or db.engine()
    seen = 0
    if not _events_exist(engine):
        return seen
    e, state = db.events, db.sync_state
    with _lock:
        while True:
            # Read and compute with no write lock held (see the module docstring).
            with engine.connect() as connection:
                previous = connection.execute(sa.select(state.c.last_event_id).where(state.c.id == 1)).scalar()
                if previous is None:
                    connection.rollback()
                    try:
                        with engine.begin() as writer:
                            previous = _watermark(writer)
                    except sa.exc.IntegrityError:
                        continue  # another process made the row first
                rows = connection.execute(
                    sa.select(e.c.id, e.c.sender_id, e.c.timestamp).where(e.c.id > previous).order_by(e.c.id).limit(batch)
                ).all()
                if not rows:
                    return seen
                senders = sorted({row.sender_id for row in rows})
                summaries = summaries_of(connection, senders)
                connection.rollback()  # end the read transaction (and its snapshot) before writing
            mark = safe_watermark(rows, previous, time.time())
            # Write: one short transaction, which first claims the batch.
            with engine.begin() as connection:
                if db.is_postgres(connection):
                    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
                claimed = connection.execute(
                    state.update().where(state.c.id == 1, state.c.last_event_id == previous).values(last_event_id=mark)
                ).rowcount
                if claimed:
                    write(connection, senders, summaries)
            if not claimed:
                continue  # another process indexed these events meanwhile: read again from its watermark
            seen += len(rows)
            if len(rows) < batch or mark < rows[-1].id:
                return seen


def reset(engine: Optional[Engine] = None) -> None:
    """Empty the derived tables, so that the next sync rebuilds them from `events`."""
    engine = engine or db.engine()
    with engine.begin() as connection:
        for table in (db.messages, db.conversations, db.sync_state):
            connection.execute(table.delete())


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="Bring the staff app's conversation index up to date.")
    parser.add_argument("--rebuild", action="store_true", help="drop the index and rebuild it from events")
    args = parser.parse_args(argv)
    from storage.migrate import upgrade

    upgrade()
    if args.rebuild:
        reset()
    started = time.perf_counter()
    count = sync()
    print(f"Indexed {count} new events in {time.perf_counter() - started:.1f} s.")


if __name__ == "__main__":
    main()
