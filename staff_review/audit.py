"""The audit log: who looked at or exported which conversation, and who changed what.

One row per page that shows a person's data, and per export: a transcript
view or a one-conversation export names its conversation; a list, a search,
the callback queue, the corrections and a many-conversation export say how
many they showed. Pages without personal data (the dashboard's counts, the
login page) write nothing. Details never hold message text, names or phone
numbers: only ids, counts and the filters used (the search words themselves
are left out, since people search for names).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable, List, Optional

import sqlalchemy as sa
from flask import g, request

from staff_review import db

PAGE_SIZE = 100


def record(action: str, conversation_id: Optional[str] = None, detail: Optional[str] = None,
           username: Optional[str] = None) -> None:
    record_many(action, [conversation_id], detail, username)


def record_many(action: str, conversation_ids: Iterable[Optional[str]], detail: Optional[str] = None,
                username: Optional[str] = None) -> None:
    """One row per conversation; one row with no conversation if there is none (the view is still recorded)."""
    conversation_ids = list(conversation_ids) or [None]
    user = username or (g.user.username if getattr(g, "user", None) else "-")
    now = datetime.now(timezone.utc)
    rows = [
        {"at": now, "username": user, "action": action, "conversation_id": conversation_id, "detail": detail,
         "remote_addr": request.remote_addr}
        for conversation_id in conversation_ids
    ]
    with db.engine().begin() as connection:
        connection.execute(db.audit_log.insert(), rows)


def entries(page: int = 1, conversation_id: Optional[str] = None, username: Optional[str] = None,
            action: Optional[str] = None) -> List:
    query = sa.select(db.audit_log)
    if conversation_id:
        query = query.where(db.audit_log.c.conversation_id == conversation_id)
    if username:
        query = query.where(db.audit_log.c.username == username)
    if action:
        query = query.where(db.audit_log.c.action == action)
    query = query.order_by(db.audit_log.c.id.desc()).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    with db.engine().connect() as connection:
        return list(connection.execute(query))
