"""The admissions team's callback queue: finding requests, taking one, and logging each call.

Requests are written by the assistant (storage/callbacks.py). A request stays
open (status "new") until a call attempt with a final outcome closes it, so
the person can still change it from the chat meanwhile (storage/callbacks.py
updates the open request). Requests the old buttons left "contacted" count as
open too.

Taking a request is a conditional UPDATE (`WHERE assigned_to IS NULL`), so
two coordinators pressing "Take" at once can't both get it, and only whoever
holds a request may log calls on it: two people never call the same family
without knowing. Closing is conditional on the request still being open, and
each close goes to staff_callback_history too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Optional, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from knowledge import clinic
from staff_review import best_time, db
from storage import phone_numbers

OPEN_STATUSES = ("new", "contacted")
CLOSED = "closed"
MAX_NOTE_CHARS = 500


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str
    final: bool  # closes the request
    reached: bool  # someone spoke with the person
    call: bool = True  # a call was made (the response-time report counts these)


OUTCOMES = (
    Outcome("no_answer", "No answer", final=False, reached=False),
    Outcome("voicemail", "Left voicemail", final=False, reached=False),
    Outcome("booked", "Reached – assessment booked", final=True, reached=True),
    Outcome("not_ready", "Reached – not ready", final=True, reached=True),
    Outcome("wrong_number", "Wrong number", final=True, reached=False),
    Outcome("do_not_call", "Asked not to be called", final=True, reached=True),
    Outcome("duplicate", "Closed without a call (duplicate or test)", final=True, reached=False, call=False),
)
OUTCOME_BY_KEY = {outcome.key: outcome for outcome in OUTCOMES}

# The queue's views: open (the default), today, overdue, mine, unassigned, closed, all.
VIEWS = ("open", "today", "due", "overdue", "mine", "unassigned", "closed", "all")
# The most requests a page lists (the page says when there are more: search or a narrower view finds them).
LIST_LIMIT = 500
REFERENCE = re.compile(r"^\s*cb[\s-]?([0-9a-z]{6})\s*$", re.IGNORECASE)


def clinic_zone() -> ZoneInfo:
    return ZoneInfo(clinic().timezone)


def utc(value: Optional[datetime]) -> Optional[datetime]:
    """SQLite hands back naive datetimes, stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def target() -> timedelta:
    """How soon the team aims to make a first call (knowledge/clinic.yml)."""
    return timedelta(hours=clinic().callback_target_hours)


def waiting(created_at: datetime, now: datetime) -> str:
    """"2 h 10 min", "3 d 4 h", "5 min": how long a request has waited."""
    minutes = max(0, int((now - utc(created_at)).total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _today_start(now: datetime) -> datetime:
    local = now.astimezone(clinic_zone())
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)


def requests(view: str = "open", username: str = "", q: str = "", conversation_id: Optional[str] = None,
             conversation_ids: Optional[Sequence[str]] = None, now: Optional[datetime] = None,
             limit: Optional[int] = LIST_LIMIT) -> List:
    """The requests in a view of the queue, or matching `q` (reference, phone number in any format, or name)."""
    c = db.callback_requests
    now = now or datetime.now(timezone.utc)
    query = sa.select(c)
    is_open = c.c.status.in_(OPEN_STATUSES)
    if conversation_id:
        query = query.where(c.c.conversation_id == conversation_id)
    if conversation_ids is not None:
        if not conversation_ids:
            return []
        query = query.where(c.c.conversation_id.in_(list(conversation_ids)))
    whole_conversation = conversation_id is not None or conversation_ids is not None
    if q:
        query = query.where(search_condition(q))
    elif whole_conversation:
        pass  # every request of these conversations, open or closed
    elif view in ("open", "due"):
        query = query.where(is_open)
    elif view == "today":
        query = query.where(c.c.created_at >= _today_start(now))
    elif view == "overdue":
        query = query.where(is_open, c.c.created_at < now - target())
    elif view == "mine":
        query = query.where(is_open, c.c.assigned_to == username)
    elif view == "unassigned":
        query = query.where(is_open, c.c.assigned_to.is_(None))
    elif view == "closed":
        query = query.where(c.c.status == CLOSED)
    # Open requests oldest first (the longest wait is the most urgent); the rest newest first.
    oldest_first = not q and not whole_conversation and view in ("open", "due", "overdue", "mine", "unassigned")
    query = query.order_by(c.c.created_at.asc() if oldest_first else c.c.created_at.desc())
    # "Due now" is read from each request's words, in Python: the limit applies after it.
    if limit is not None and view != "due":
        query = query.limit(limit)
    with db.engine().connect() as connection:
        rows = list(connection.execute(query))
    if view == "due" and not q and not whole_conversation:
        local_now = now.astimezone(clinic_zone())
        rows = [row for row in rows if best_time.due_now(row.best_time, local_now)][:limit]
    return rows


def search_condition(q: str):
    """Requests whose reference, phone number (typed in any format) or name matches `q`."""
    c = db.callback_requests
    reference = REFERENCE.match(q)
    if reference:
        return c.c.reference == "CB-" + reference.group(1).upper()
    e164 = phone_numbers.e164_for_lookup(q)
    if e164:
        return phone_numbers.stored_as(c.c.phone, e164)
    words = q.strip()[:100].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return c.c.name.ilike(f"%{words}%", escape="\\")


def counts(username: str, now: Optional[datetime] = None) -> Dict[str, int]:
    """How many requests each view of the queue holds."""
    c = db.callback_requests
    now = now or datetime.now(timezone.utc)
    is_open = c.c.status.in_(OPEN_STATUSES)

    def count(*conditions):
        return sa.select(sa.func.count()).select_from(c).where(*conditions).scalar_subquery()

    with db.engine().connect() as connection:
        row = connection.execute(sa.select(
            count(is_open).label("open"),
            count(c.c.created_at >= _today_start(now)).label("today"),
            count(is_open, c.c.created_at < now - target()).label("overdue"),
            count(is_open, c.c.assigned_to == username).label("mine"),
            count(is_open, c.c.assigned_to.is_(None)).label("unassigned"),
            count(c.c.status == CLOSED).label("closed"),
            count().label("all"),
        )).one()
    found = dict(row._mapping)
    found["due"] = len(requests("due", now=now, limit=None))
    return found


def attempts(callback_ids: List[int]) -> Dict[int, List]:
    """Each request's call attempts, oldest first."""
    if not callback_ids:
        return {}
    a = db.callback_attempts
    found: Dict[int, List] = {}
    with db.engine().connect() as connection:
        for row in connection.execute(sa.select(a).where(a.c.callback_id.in_(callback_ids)).order_by(a.c.id)):
            found.setdefault(row.callback_id, []).append(row)
    return found


def get(callback_id: int):
    with db.engine().connect() as connection:
        return connection.execute(sa.select(db.callback_requests).where(db.callback_requests.c.id == callback_id)).first()


def take(callback_id: int, username: str) -> bool:
    """Assign an open, unassigned request to `username`; False if someone has it or it is closed."""
    c = db.callback_requests
    with db.engine().begin() as connection:
        return bool(connection.execute(
            c.update()
            .where(c.c.id == callback_id, c.c.assigned_to.is_(None), c.c.status.in_(OPEN_STATUSES))
            .values(assigned_to=username, assigned_at=datetime.now(timezone.utc))
        ).rowcount)


def release(callback_id: int, username: str, is_admin: bool = False) -> bool:
    """Give a request back to the queue: by whoever holds it, or by an admin (someone went home)."""
    c = db.callback_requests
    condition = [c.c.id == callback_id, c.c.status.in_(OPEN_STATUSES), c.c.assigned_to.is_not(None)]
    if not is_admin:
        condition.append(c.c.assigned_to == username)
    with db.engine().begin() as connection:
        return bool(connection.execute(c.update().where(*condition).values(assigned_to=None, assigned_at=None)).rowcount)


class NotYours(PermissionError):
    """The request is held by someone else, or already closed."""


def log_attempt(callback_id: int, username: str, outcome_key: str, note: str = "") -> Outcome:
    """Record a call attempt by the request's holder (taking it first if nobody has it); a final
    outcome closes the request. Raises NotYours if someone else holds it or it is closed."""
    outcome = OUTCOME_BY_KEY[outcome_key]
    now = datetime.now(timezone.utc)
    c = db.callback_requests
    mine_or_free = sa.or_(c.c.assigned_to.is_(None), c.c.assigned_to == username)
    with db.engine().begin() as connection:
        current = connection.execute(
            sa.select(c.c.status).where(c.c.id == callback_id, c.c.status.in_(OPEN_STATUSES), mine_or_free)
        ).first()
        values = {"assigned_to": username, "updated_at": now}
        if outcome.final:
            values.update(status=CLOSED, outcome=outcome.key)
        # Conditional, so a request taken or closed by someone else meanwhile is not touched.
        changed = connection.execute(
            c.update().where(c.c.id == callback_id, c.c.status.in_(OPEN_STATUSES), mine_or_free).values(**values)
        ).rowcount
        if not changed or current is None:
            raise NotYours(callback_id)
        connection.execute(c.update().where(c.c.id == callback_id, c.c.assigned_at.is_(None)).values(assigned_at=now))
        connection.execute(db.callback_attempts.insert().values(
            callback_id=callback_id, made_by=username, made_at=now, outcome=outcome.key,
            note=(note or "").strip()[:MAX_NOTE_CHARS] or None,
        ))
        if outcome.final:
            connection.execute(db.callback_history.insert().values(
                callback_id=callback_id, from_status=current.status, to_status=CLOSED, changed_by=username,
                changed_at=now,
            ))
    return outcome


def version(row, attempt_rows: Sequence) -> str:
    """What a row of the live queue shows, in one string: the page redraws a row only when it changes."""
    return f"{row.status}|{row.assigned_to}|{row.updated_at}|{len(attempt_rows)}"
