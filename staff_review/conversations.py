"""Finding conversations: the filtered, paginated list and the full-text search.

Queries run on the derived tables (see staff_review.sync), never by parsing
`events`. Search is a case-insensitive substring match over what people
wrote: ILIKE with a trigram index on PostgreSQL, LIKE on SQLite; `%`, `_`
and `\\` typed in the box are escaped, and every value is a bound parameter.

The list is ordered by last activity, most recent first, so a conversation
that goes on (a reviewed one included) comes back to the top. The date
filters select by activity too, in UTC days: a conversation matches
From..To when it had any activity in that span (it started on or before To
and its last activity was on or after From).

"Reviewed" means reviewed through the conversation's last event: newer
activity makes it not reviewed again (shown as "new activity" in the list).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, timezone
from typing import Dict, List, Optional, Tuple

import sqlalchemy as sa

from staff_review import db

PAGE_SIZE = 50
MAX_PAGE = 10_000  # deeper pages are clamped (a huge number would overflow the OFFSET)
FLAGS = {
    "crisis": "Crisis",
    "crisis_suspected": "Crisis suspected",
    "callback": "Callback requested",
    "fallback": "Fallback hit",
    "low_confidence": "Low-confidence turns",
}


# How staff know the channels Rasa names ("rest" is the website's chat widget).
CHANNEL_LABELS = {"rest": "Website", "telegram": "Telegram", "cmdline": "Terminal"}
PREVIEW_CHARS = 90
TEST_TRAFFIC = {"": "hidden", "show": "shown", "only": "only test traffic"}


# Control and format characters (NUL, bidirectional overrides, ...): nobody searches for them, SQLite
# cuts a LIKE pattern at a NUL (matching everything) and PostgreSQL refuses one outright.
_UNSEARCHABLE = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def search_words(text: str, limit: int = 200) -> str:
    """What staff typed in a search box, made safe to search for: no control characters, bounded."""
    return " ".join(_UNSEARCHABLE.sub(" ", text or "").split())[:limit]


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, channel)


@dataclass
class Filters:
    start: Optional[date] = None
    end: Optional[date] = None
    channel: str = ""
    intent: str = ""
    flag: str = ""
    reviewed: str = ""  # "yes", "no" or "" (either)
    q: str = ""
    test: str = ""  # conversations marked as test traffic: "" hidden, "show" listed too, "only"

    @classmethod
    def from_args(cls, args) -> "Filters":
        def day(name: str) -> Optional[date]:
            try:
                return date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None

        flag = args.get("flag", "")
        reviewed = args.get("reviewed", "")
        test = args.get("test", "")
        return cls(
            start=day("start"), end=day("end"), channel=args.get("channel", "")[:64],
            intent=args.get("intent", "")[:255], flag=flag if flag in FLAGS else "",
            reviewed=reviewed if reviewed in ("yes", "no") else "", q=search_words(args.get("q", "")),
            test=test if test in TEST_TRAFFIC else "",
        )

    def args(self) -> Dict[str, str]:
        """The non-empty filters, as query-string arguments (for links and exports)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value.isoformat() if isinstance(value, date) else value for name, value in values.items() if value}

    def describe(self) -> str:
        """The filters for the audit log: everything but the search words."""
        described = {name: value for name, value in self.args().items() if name != "q"}
        if self.q:
            described["q"] = "(search)"
        return ", ".join(f"{name}={value}" for name, value in described.items()) or "all"


def epoch(day: date) -> float:
    return datetime.combine(day, time.min, tzinfo=timezone.utc).timestamp()


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def clamp_page(page: int) -> int:
    return min(max(page, 1), MAX_PAGE)


def is_test_traffic(c=db.conversations):
    return sa.exists().where(db.test_traffic.c.conversation_id == c.c.conversation_id)


def _query(filters: Filters):
    c, r, m = db.conversations, db.reviews, db.messages
    current = r.c.reviewed_through >= c.c.last_event_id
    query = sa.select(
        c, r.c.reviewed_by, r.c.reviewed_at, sa.case((current, True), else_=False).label("reviewed"),
    ).select_from(c.outerjoin(r, r.c.conversation_id == c.c.conversation_id))
    if filters.test == "only":
        query = query.where(is_test_traffic(c))
    elif filters.test != "show":
        query = query.where(~is_test_traffic(c))
    if filters.start:
        query = query.where(c.c.last_at >= epoch(filters.start))
    if filters.end:
        query = query.where(c.c.started_at < epoch(filters.end + timedelta(days=1)))
    if filters.channel:
        query = query.where(c.c.channel == filters.channel)
    if filters.flag == "low_confidence":
        query = query.where(c.c.low_confidence > 0)
    elif filters.flag:
        query = query.where(c.c[filters.flag].is_(True))
    if filters.reviewed == "yes":
        query = query.where(current)
    elif filters.reviewed == "no":
        query = query.where(sa.or_(r.c.conversation_id.is_(None), r.c.reviewed_through < c.c.last_event_id))
    if filters.intent:
        query = query.where(
            sa.exists().where(m.c.conversation_id == c.c.conversation_id, m.c.intent == filters.intent)
        )
    if filters.q:
        query = query.where(
            sa.exists().where(
                m.c.conversation_id == c.c.conversation_id, m.c.text.ilike(like_pattern(filters.q), escape="\\")
            )
        )
    return query


@dataclass(frozen=True)
class Listed:
    """A conversation as the list shows it: its summary row, its first message, and the name
    given for a callback. Attributes of the row are reachable directly (listed.turns)."""

    row: object
    preview: str
    visitor_name: str
    test_traffic: bool

    def __getattr__(self, name):
        return getattr(self.row, name)


def find(filters: Filters, page: int = 1, page_size: int = PAGE_SIZE) -> Tuple[List[Tuple[Listed, List[str]]], bool]:
    """One page of conversations, most recent activity first, and whether there is a next page.

    No total count: counting every match of a common search word would cost
    more than the page itself."""
    c = db.conversations
    query = (
        _query(filters)
        .order_by(c.c.last_at.desc(), c.c.conversation_id)
        .limit(page_size + 1)
        .offset((clamp_page(page) - 1) * page_size)
    )
    with db.engine().connect() as connection:
        rows = list(connection.execute(query))
        return _listed(connection, rows[:page_size]), len(rows) > page_size


def _listed(connection, rows) -> List[Tuple[Listed, List[str]]]:
    """The page's rows with what the list shows beside them, fetched for the page's rows only
    (as columns of the list's query they would be computed for every row an OFFSET skips)."""
    ids = [row.conversation_id for row in rows]
    tags = _tags(connection, ids)
    m, cb, t = db.messages, db.callback_requests, db.test_traffic
    previews: Dict[str, str] = {}
    names: Dict[str, str] = {}
    tests = set()
    if ids:
        first = (
            sa.select(m.c.conversation_id, sa.func.min(m.c.event_id).label("event_id"))
            .where(m.c.conversation_id.in_(ids)).group_by(m.c.conversation_id).subquery()
        )
        previews = dict(connection.execute(
            sa.select(m.c.conversation_id, sa.func.substr(m.c.text, 1, PREVIEW_CHARS + 1))
            .join(first, m.c.event_id == first.c.event_id)
        ).all())
        for conversation_id, name in connection.execute(
            sa.select(cb.c.conversation_id, cb.c.name).where(cb.c.conversation_id.in_(ids)).order_by(cb.c.created_at)
        ):
            names[conversation_id] = name  # the latest request's name
        tests = set(connection.execute(sa.select(t.c.conversation_id).where(t.c.conversation_id.in_(ids))).scalars())
    return [
        (Listed(row, previews.get(row.conversation_id, ""),
                names.get(row.conversation_id, ""), row.conversation_id in tests), tags.get(row.conversation_id, []))
        for row in rows
    ]


def find_ids(conversation_ids: List[str]) -> List:
    """These conversations as the list shows them (test traffic included), with their tags."""
    if not conversation_ids:
        return []
    query = _query(Filters(test="show")).where(db.conversations.c.conversation_id.in_(sorted(set(conversation_ids))))
    with db.engine().connect() as connection:
        return _listed(connection, list(connection.execute(query)))


def ids_for_export(filters: Filters, limit: int) -> List[str]:
    c = db.conversations
    query = _query(filters).order_by(c.c.last_at.desc(), c.c.conversation_id).limit(limit)
    with db.engine().connect() as connection:
        return [row.conversation_id for row in connection.execute(query)]


def _tags(connection, conversation_ids: List[str]) -> Dict[str, List[str]]:
    if not conversation_ids:
        return {}
    found: Dict[str, List[str]] = {}
    rows = connection.execute(
        sa.select(db.tags.c.conversation_id, db.tags.c.tag)
        .where(db.tags.c.conversation_id.in_(conversation_ids))
        .order_by(db.tags.c.tag)
    )
    for row in rows:
        found.setdefault(row.conversation_id, []).append(row.tag)
    return found


def channels() -> List[str]:
    with db.engine().connect() as connection:
        return list(connection.execute(sa.select(db.conversations.c.channel).distinct().order_by(db.conversations.c.channel)).scalars())


def mark_test_traffic(conversation_id: str, username: str, is_test: bool) -> bool:
    """Mark (or unmark) a conversation as test traffic; whether anything changed."""
    t = db.test_traffic
    with db.engine().begin() as connection:
        marked = connection.execute(sa.select(t.c.conversation_id).where(t.c.conversation_id == conversation_id)).first()
        if is_test and not marked:
            connection.execute(t.insert().values(conversation_id=conversation_id, marked_by=username,
                                                 marked_at=datetime.now(timezone.utc)))
            return True
        if not is_test and marked:
            connection.execute(t.delete().where(t.c.conversation_id == conversation_id))
            return True
    return False


def test_traffic(conversation_id: str):
    with db.engine().connect() as connection:
        return connection.execute(sa.select(db.test_traffic).where(db.test_traffic.c.conversation_id == conversation_id)).first()


def summary(conversation_id: str):
    with db.engine().connect() as connection:
        return connection.execute(
            sa.select(db.conversations).where(db.conversations.c.conversation_id == conversation_id)
        ).first()
