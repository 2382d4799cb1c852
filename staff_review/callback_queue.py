"""The admissions team's callback queue: new -> contacted -> closed, with who and when.

Requests are written by the assistant (storage/callbacks.py); staff only move
their status on. A move is a conditional UPDATE (`WHERE status = <from>`),
so two people clicking at once record one change, and each change goes to
staff_callback_history. storage/callbacks.py's one-open-request rule covers
status "new" only: once a request is contacted, the same person asking again
makes a new request, which is what the team needs to see.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Dict, List, Optional, Sequence

import sqlalchemy as sa

from staff_review import db

STATUSES = ("new", "contacted", "closed")
MOVES = {"new": ("contacted", "closed"), "contacted": ("closed",), "closed": ()}


def requests(status: Optional[str] = None, conversation_id: Optional[str] = None,
             conversation_ids: Optional[Sequence[str]] = None) -> List:
    c = db.callback_requests
    query = sa.select(c)
    if status:
        query = query.where(c.c.status == status)
    if conversation_id:
        query = query.where(c.c.conversation_id == conversation_id)
    if conversation_ids is not None:
        if not conversation_ids:
            return []
        query = query.where(c.c.conversation_id.in_(list(conversation_ids)))
    # The oldest new request is the most urgent; the rest, newest first.
    query = query.order_by(c.c.created_at.asc() if status == "new" else c.c.created_at.desc())
    with db.engine().connect() as connection:
        return list(connection.execute(query))


def counts() -> Dict[str, int]:
    c = db.callback_requests
    with db.engine().connect() as connection:
        rows = connection.execute(sa.select(c.c.status, sa.func.count()).group_by(c.c.status))
        found = {status: count for status, count in rows}
    return {status: found.get(status, 0) for status in STATUSES}


def history(callback_ids: List[int]) -> Dict[int, List]:
    if not callback_ids:
        return {}
    h = db.callback_history
    found: Dict[int, List] = {}
    with db.engine().connect() as connection:
        for row in connection.execute(sa.select(h).where(h.c.callback_id.in_(callback_ids)).order_by(h.c.id)):
            found.setdefault(row.callback_id, []).append(row)
    return found


def move(callback_id: int, from_status: str, to_status: str, username: str) -> bool:
    """Move one request on; False if it was no longer in `from_status` (someone else moved it)."""
    if to_status not in MOVES.get(from_status, ()):
        return False
    now = datetime.now(timezone.utc)
    c = db.callback_requests
    with db.engine().begin() as connection:
        moved = connection.execute(
            c.update().where(c.c.id == callback_id, c.c.status == from_status).values(status=to_status, updated_at=now)
        ).rowcount
        if moved:
            connection.execute(db.callback_history.insert().values(
                callback_id=callback_id, from_status=from_status, to_status=to_status, changed_by=username,
                changed_at=now,
            ))
    return bool(moved)


def get(callback_id: int):
    with db.engine().connect() as connection:
        return connection.execute(sa.select(db.callback_requests).where(db.callback_requests.c.id == callback_id)).first()
