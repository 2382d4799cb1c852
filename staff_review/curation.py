"""What staff add to a conversation (curation): the reviewed mark, tags, notes, and intent corrections."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import List

import sqlalchemy as sa

from staff_review import db

TAG = re.compile(r"^[\w\- ]{1,40}$")
MAX_NOTE = 5000


def _now() -> datetime:
    return datetime.now(timezone.utc)


def review_of(conversation_id: str):
    with db.engine().connect() as connection:
        return connection.execute(sa.select(db.reviews).where(db.reviews.c.conversation_id == conversation_id)).first()


def set_reviewed(conversation_id: str, username: str, reviewed: bool, through: int = 0) -> None:
    """Mark reviewed through event `through` (the newest event the reviewer saw), or unmark."""
    with db.engine().begin() as connection:
        connection.execute(db.reviews.delete().where(db.reviews.c.conversation_id == conversation_id))
        if reviewed:
            connection.execute(db.reviews.insert().values(conversation_id=conversation_id, reviewed_by=username,
                                                          reviewed_at=_now(), reviewed_through=through))


def tags_of(conversation_id: str) -> List[str]:
    with db.engine().connect() as connection:
        return list(connection.execute(
            sa.select(db.tags.c.tag).where(db.tags.c.conversation_id == conversation_id).order_by(db.tags.c.tag)
        ).scalars())


def add_tag(conversation_id: str, tag: str, username: str) -> bool:
    tag = " ".join(tag.split()).lower()
    if not TAG.match(tag):
        return False
    try:
        with db.engine().begin() as connection:
            connection.execute(db.tags.insert().values(conversation_id=conversation_id, tag=tag, added_by=username,
                                                       added_at=_now()))
    except sa.exc.IntegrityError:
        pass  # already tagged so
    return True


def remove_tag(conversation_id: str, tag: str) -> None:
    with db.engine().begin() as connection:
        connection.execute(db.tags.delete().where(db.tags.c.conversation_id == conversation_id, db.tags.c.tag == tag))


def notes_of(conversation_id: str) -> List:
    with db.engine().connect() as connection:
        return list(connection.execute(
            sa.select(db.notes).where(db.notes.c.conversation_id == conversation_id).order_by(db.notes.c.id)
        ))


def add_note(conversation_id: str, body: str, username: str) -> bool:
    body = body.strip()[:MAX_NOTE]
    if not body:
        return False
    with db.engine().begin() as connection:
        connection.execute(db.notes.insert().values(conversation_id=conversation_id, author=username, body=body,
                                                    created_at=_now()))
    return True


def corrections_of(conversation_id: str) -> dict:
    """{event id: correction row} for one conversation."""
    with db.engine().connect() as connection:
        rows = connection.execute(sa.select(db.corrections).where(db.corrections.c.conversation_id == conversation_id))
        return {row.event_id: row for row in rows}


class NotTrainable(ValueError):
    """A message that must not become training data: a form answer (a name, a number) or a button payload."""


def correct_intent(conversation_id: str, event_id: int, intent: str, username: str) -> bool:
    """Record what a user message meant; the text and predicted intent come from the event itself.

    False if there is no such message; NotTrainable for answers to a form's
    questions (names, phone numbers, notes) and button payloads."""
    from staff_review.transcript import load

    transcript = load(conversation_id)
    message = next((i for i in (transcript.items if transcript else []) if i.kind == "user" and i.event_id == event_id), None)
    if message is None or not message.text.strip():
        return False
    if message.asked_for or message.text.startswith("/"):
        raise NotTrainable(event_id)
    values = {"conversation_id": conversation_id, "text": message.text, "predicted_intent": message.intent,
              "intent": intent, "corrected_by": username, "corrected_at": _now()}
    with db.engine().begin() as connection:
        updated = connection.execute(
            db.corrections.update().where(db.corrections.c.event_id == event_id).values(**values)
        ).rowcount
        if not updated:
            connection.execute(db.corrections.insert().values(event_id=event_id, **values))
    return True


def all_corrections() -> List:
    with db.engine().connect() as connection:
        return list(connection.execute(
            sa.select(db.corrections).order_by(db.corrections.c.intent, db.corrections.c.id)
        ))


def delete_correction(correction_id: int) -> None:
    with db.engine().begin() as connection:
        connection.execute(db.corrections.delete().where(db.corrections.c.id == correction_id))
