"""Erase one person's conversations: every row, in one transaction (docs/design.md, invariant 6).

A person's data lives in Rasa's `events`, the assistant's `callback_requests`,
the live handoffs' `handoff_messages` (a copy of what was said) and `handoffs`,
and the staff tables (reviews, tags, notes, corrections, callback history,
and the index `staff_conversations`/`staff_messages` that staff_review.sync
rebuilds from `events`). `erase_conversations` deletes all of it for the
given conversation ids in one transaction, on SQLite and PostgreSQL alike: a
failure part-way leaves everything as it was.

What stays is the fact of the erase: one audit row (who, when, and the
conversation's pseudonym, the same "conv-..." a redacted export shows,
keyed with the staff app's secret), and earlier audit rows about the
conversation keep who-read-what with the id replaced by that pseudonym.
Nothing else about the conversation survives.

People are found by conversation id, by a callback request's reference
(CB-...) or by a phone number (parsed with `phonenumbers`, any format):

    make erase CONVERSATION=web-...      (or REFERENCE=CB-... or PHONE="(619) 555-0142")
    python -m staff_review.erase --conversation ID --by admin-name

Staff admins erase from a transcript's page; the person can ask the bot
("delete my conversation"), and the REST channel erases after the turn.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from typing import Dict, Iterable, List, Optional

import sqlalchemy as sa

from staff_review import db, secret_key
from staff_review.exports import pseudonym
from storage import handoffs, phone_numbers
from storage.checkpoints import tracker_checkpoints

# Every table that holds a conversation's data, by the column naming it.
BY_CONVERSATION = (
    (db.events, db.events.c.sender_id),
    (db.reviews, db.reviews.c.conversation_id),
    (db.tags, db.tags.c.conversation_id),
    (db.notes, db.notes.c.conversation_id),
    (db.corrections, db.corrections.c.conversation_id),
    (db.messages, db.messages.c.conversation_id),
    (db.conversations, db.conversations.c.conversation_id),
    (db.test_traffic, db.test_traffic.c.conversation_id),
    (db.alert_outbox, db.alert_outbox.c.conversation_id),
    # The messages before their handoffs (they name them).
    (handoffs.handoff_messages, handoffs.handoff_messages.c.conversation_id),
    (handoffs.handoffs, handoffs.handoffs.c.conversation_id),
    # A long conversation's state as of one event (storage/tracker_store.py).
    (tracker_checkpoints, tracker_checkpoints.c.sender_id),
)


class NothingToErase(LookupError):
    pass


def conversations_with_reference(connection, reference: str) -> List[str]:
    query = sa.select(db.callback_requests.c.conversation_id).where(
        db.callback_requests.c.reference == reference.strip().upper()
    )
    return [row[0] for row in connection.execute(query)]


def conversations_with_phone(connection, phone: str) -> List[str]:
    """Conversations whose callback request has this number (stored as E.164, any extension)."""
    e164 = phone_numbers.e164_for_lookup(phone)
    if e164 is None:
        return []
    query = sa.select(db.callback_requests.c.conversation_id).where(
        phone_numbers.stored_as(db.callback_requests.c.phone, e164)
    )
    return sorted({row[0] for row in connection.execute(query)})


def erase_conversations(
    conversation_ids: Iterable[str], by: str, via: str, remote_addr: Optional[str] = None,
    pseudonym_key: Optional[str] = None, url: Optional[str] = None,
) -> Dict[str, int]:
    """Delete every row of these conversations; one audit row each. Rows deleted, by table.

    `pseudonym_key` is the staff app's secret key (the one its exports use); `url` the database.
    """
    ids = sorted(set(conversation_ids))
    if not ids:
        raise NothingToErase("No conversation to erase.")
    key = pseudonym_key or secret_key()
    deleted: Dict[str, int] = {}
    with db.engine(url).begin() as connection:
        callback_ids = [
            row[0]
            for row in connection.execute(
                sa.select(db.callback_requests.c.id).where(db.callback_requests.c.conversation_id.in_(ids))
            )
        ]
        if callback_ids:
            for table in (db.callback_history, db.callback_attempts):  # the attempts' notes are about the person
                result = connection.execute(table.delete().where(table.c.callback_id.in_(callback_ids)))
                deleted[table.name] = result.rowcount
        result = connection.execute(db.callback_requests.delete().where(db.callback_requests.c.conversation_id.in_(ids)))
        deleted[db.callback_requests.name] = result.rowcount
        present = set(sa.inspect(connection).get_table_names())  # `events` only once Rasa has run
        for table, column in BY_CONVERSATION:
            if table.name in present:
                deleted[table.name] = connection.execute(table.delete().where(column.in_(ids))).rowcount
        if not any(deleted.values()):
            raise NothingToErase("No rows belong to these conversations.")  # and nothing is written
        now = datetime.now(timezone.utc)
        for conversation_id in ids:
            stand_in = pseudonym(conversation_id, key)
            # Who read it stays known; which conversation it was, only by its pseudonym.
            connection.execute(
                db.audit_log.update()
                .where(db.audit_log.c.conversation_id == conversation_id)
                .values(conversation_id=stand_in)
            )
            connection.execute(
                db.audit_log.insert().values(
                    at=now, username=by, action="erase", conversation_id=stand_in,
                    detail=f"erased ({via}): " + ", ".join(f"{name} {count}" for name, count in sorted(deleted.items()) if count),
                    remote_addr=remote_addr,
                )
            )
    return deleted


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Erase a person's conversations and callback requests.")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--conversation", help="a conversation id")
    which.add_argument("--reference", help="a callback request's reference, CB-...")
    which.add_argument("--phone", help="the phone number a callback request gave")
    parser.add_argument("--by", default="command line", help="who asked for the erase (for the audit log)")
    args = parser.parse_args(argv)
    if not any(value and value.strip() for value in (args.conversation, args.reference, args.phone)):
        parser.error("say whose: make erase CONVERSATION=<id> (or REFERENCE=CB-... or PHONE=...)")
    with db.engine().connect() as connection:
        if args.conversation:
            ids = [args.conversation.strip()]
        elif args.reference:
            ids = conversations_with_reference(connection, args.reference)
        else:
            ids = conversations_with_phone(connection, args.phone)
    try:
        deleted = erase_conversations(ids, by=args.by, via="command line")
    except NothingToErase:
        print("Found no conversation to erase.", file=sys.stderr)
        return 1
    key = secret_key()
    print(f"Erased {len(ids)} conversation(s): {', '.join(pseudonym(i, key) for i in ids)}")
    print("Rows deleted: " + ", ".join(f"{name} {count}" for name, count in sorted(deleted.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
