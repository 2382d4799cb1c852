"""The dashboard's figures: counts that link to the lists they count, and the bars that draw them.

Every number of conversations is counted by the conversations list's own
query (`conversations._query`: its FROM and WHERE, with count columns in
place of the row's), over the dashboard's span read as the list's date
filters read it: UTC days, a conversation counting when it had any activity
in the span. So a count and the list its link opens can't disagree (test
traffic, say, is left out of both), and each link carries the span
(`start`, `end`) and one filter (`flag`, `channel` or `intent`):

* per day: the conversations active that day (started on or before it, last
  active on or after it: what the list finds for start=end=that day), from
  the span's conversations grouped by those two days; one that goes on past
  midnight counts on both days (the days don't add up to the span's total);
* top intents: conversations with at least one message of the intent (what
  the list's intent filter finds), not messages;
* the fallback rate is a share of messages (of these conversations' user
  messages, those NLU gave up on: nlu_fallback and ask_unplaced), so it is no link; the
  number of conversations that hit a fallback is.

Callbacks, for the requests made in the span (since the first day's UTC
midnight; requests of test traffic left out, as from the counts above):

* requested: all of them;
* reached: those with a call attempt whose outcome means someone spoke with
  the person (`callback_queue.OUTCOMES`, reached=True), at any time since;
* closed: those closed now, by any final outcome, reached or not (a wrong
  number, a duplicate).

A request the old buttons moved to "contacted" has no call attempt, so it
counts as requested and not reached: nobody recorded speaking with the
person. These three are not links: they count requests by the day they were
made, and the queue lists requests by their state. The queue's own counts
(`callback_queue.counts`, which its tabs show) are shown beside them, each a
link to its view; the response-time report (staff_review/response_times.py)
has the requests week by week.

Every chart's values are on the page as text (a table beside the bars):
bars are drawn server-side as SVG, with no script and no inline style, so
the page works under the app's strict Content-Security-Policy.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlencode

import sqlalchemy as sa

from knowledge import clinic
from staff_review import callback_queue, conversations, db
from staff_review.conversations import FLAGS, Filters
from staff_review.sync import FALLBACK_INTENTS

TOP_INTENTS = 10
DAY_SECONDS = 86400
# The queue's views the dashboard links to, with what each holds (staff_review/callback_queue.py).
QUEUE_VIEWS = (
    ("open", "open"),
    ("overdue", "overdue"),
    ("unassigned", "not taken"),
    ("mine", "yours"),
    ("today", "made today"),
    ("closed", "closed"),
    ("all", "in all"),
)


@dataclass
class Bar:
    """One bar of a per-day chart (SVG geometry, in the chart's viewBox)."""

    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    shown: str
    args: Dict[str, str] = field(default_factory=dict)


@dataclass
class Row:
    """One row of a bar table: a label, its count (a link to `args`' list, if any) and its bar."""

    label: str
    value: int
    percent: float  # of the table's largest value: the bar's length
    args: Dict[str, str] = field(default_factory=dict)  # the conversations list's filters; {} = not a link

    @property
    def query(self) -> str:
        """`args` as a query string: the template adds it to the list's URL (url_for per row of a
        year's days would cost more than the rest of the page)."""
        return urlencode(self.args)


def vertical_bars(series: List[Tuple[str, float, Dict[str, str]]], width: int = 640, height: int = 160) -> List[Bar]:
    top = max((value for _, value, _ in series), default=0) or 1
    step = width / max(len(series), 1)
    bars = []
    for index, (label, value, args) in enumerate(series):
        bar_height = height * value / top
        bars.append(Bar(label, value, index * step + 1, height - bar_height, max(step - 2, 1), bar_height,
                        f"{value:g}", args))
    return bars


def rows(series: List[Tuple[str, int, Dict[str, str]]]) -> List[Row]:
    top = max((value for _, value, _ in series), default=0) or 1
    return [Row(label, value, round(100 * value / top, 2), args) for label, value, args in series]


def _count_of(filters: Filters, *columns):
    """The list's query for `filters`, selecting `columns` instead of its rows."""
    return conversations._query(filters).with_only_columns(*columns)


def _day_number(column, dialect: str):
    """Which UTC day (days since 1970-01-01) an epoch-seconds column falls on."""
    days = column / sa.literal_column(str(DAY_SECONDS))  # a literal: PostgreSQL matches GROUP BY to the SELECT by text
    return sa.func.floor(days) if dialect == "postgresql" else sa.cast(days, sa.Integer)  # SQLite's CAST truncates


def _number(day: date) -> int:
    return int(conversations.epoch(day) // DAY_SECONDS)


def _per_day(groups, since: date, until: date) -> Dict[date, int]:
    """Conversations active on each day of the span, from the span's conversations grouped by the
    days they started and last had activity: active on day d when started on or before d and
    last active on or after d, as the list counts them for start=end=d. (A difference array:
    each group adds its count from its first day in the span to its last.)"""
    first, last = _number(since), _number(until)
    change = [0] * (last - first + 2)
    for started, ended, count in groups:
        change[max(int(started), first) - first] += count
        change[min(int(ended), last) - first + 1] -= count
    found, running = {}, 0
    for offset in range(last - first + 1):
        running += change[offset]
        found[since + timedelta(days=offset)] = running
    return found


def _intents(connection, period: Filters, in_period: int) -> Dict[Optional[str], Tuple[int, int]]:
    """For each intent, over the span's conversations: how many conversations have a message of
    it (what the list's intent filter finds with the span's dates), and how many messages.

    When most conversations are in the span (a year's dashboard), every conversation's messages
    are counted from the (intent, conversation_id) index alone, less those of the conversations
    the span leaves out, which are few: far cheaper than checking each message's conversation
    against the span. Every message's conversation has its row (staff_review.sync writes them
    together, an erase deletes them together), so the difference is exact."""
    c, m = db.conversations, db.messages
    listed = _count_of(period, c.c.conversation_id)

    def per_intent(*conditions) -> Dict[Optional[str], Tuple[int, int]]:
        # count(DISTINCT): PostgreSQL then reads (intent, conversation_id) in index order, where a
        # DISTINCT subquery would have it hash every pair (and spill to disk for a year of them).
        query = sa.select(m.c.intent, sa.func.count(sa.distinct(m.c.conversation_id)), sa.func.count())
        return {intent: (conversations_, messages) for intent, conversations_, messages in
                connection.execute(query.where(*conditions).group_by(m.c.intent))}

    everyone = connection.execute(sa.select(sa.func.count()).select_from(c)).scalar()
    if 2 * in_period <= everyone:
        return per_intent(m.c.conversation_id.in_(listed))
    shown = listed.subquery()
    left_out = sa.select(c.c.conversation_id).where(~sa.exists().where(shown.c.conversation_id == c.c.conversation_id))
    found = per_intent()
    for intent, (conversations_, messages) in per_intent(m.c.conversation_id.in_(left_out)).items():
        found[intent] = (found[intent][0] - conversations_, found[intent][1] - messages)
    return found


def _not_test_traffic(column):
    return ~sa.exists().where(db.test_traffic.c.conversation_id == column)


def figures(days: int, username: str, now: Optional[datetime] = None) -> Dict:
    now = now or datetime.now(timezone.utc)
    today = now.astimezone(timezone.utc).date()
    since_day = today - timedelta(days=days - 1)
    since = datetime.combine(since_day, datetime.min.time(), tzinfo=timezone.utc)
    span = {"start": since_day.isoformat(), "end": today.isoformat()}
    period = Filters(start=since_day, end=today)
    c, cb, a = db.conversations, db.callback_requests, db.callback_attempts

    def flagged(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    flag_conditions = {
        "crisis": c.c.crisis.is_(True), "crisis_suspected": c.c.crisis_suspected.is_(True),
        "callback": c.c.callback.is_(True), "fallback": c.c.fallback.is_(True), "low_confidence": c.c.low_confidence > 0,
    }
    reached_outcomes = [outcome.key for outcome in callback_queue.OUTCOMES if outcome.reached]
    with db.engine().connect() as connection:
        dialect = connection.dialect.name
        started_day, last_day = _day_number(c.c.started_at, dialect), _day_number(c.c.last_at, dialect)
        # The span's conversations, as the list finds them, in one pass: grouped by the days they
        # started and last had activity, and by channel, with each flag's count.
        groups = connection.execute(
            _count_of(period, started_day, last_day, c.c.channel, sa.func.count(),
                      *(flagged(condition) for condition in flag_conditions.values()))
            .group_by(started_day, last_day, c.c.channel)
        ).all()
        total = sum(group[3] for group in groups)
        intents = _intents(connection, period, total)
        requested, reached, closed = connection.execute(
            sa.select(
                sa.func.count(),
                flagged(sa.exists().where(a.c.callback_id == cb.c.id, a.c.outcome.in_(reached_outcomes))),
                flagged(cb.c.status == callback_queue.CLOSED),
            ).where(cb.c.created_at >= since, _not_test_traffic(cb.c.conversation_id))
        ).one()
    queue = callback_queue.counts(username, now=now)
    by_intent = sorted(((intent, n) for intent, (n, _) in intents.items() if intent is not None and n > 0),
                       key=lambda item: (-item[1], item[0]))[:TOP_INTENTS]
    messages = sum(count for _, count in intents.values())
    fallback_messages = sum(intents.get(name, (0, 0))[1] for name in FALLBACK_INTENTS)
    flag_counts = {flag: sum(group[4 + index] for group in groups) for index, flag in enumerate(flag_conditions)}
    channel_counts: Dict[str, int] = {}
    for group in groups:
        channel_counts[group[2]] = channel_counts.get(group[2], 0) + group[3]
    by_channel = sorted(channel_counts.items(), key=lambda item: (-item[1], item[0]))
    per_day = _per_day([(group[0], group[1], group[3]) for group in groups], since_day, today)
    day_series = [(day.isoformat(), per_day[day], {"start": day.isoformat(), "end": day.isoformat()})
                  for day in sorted(per_day)]
    return {
        "days": days,
        "since": since_day,
        "until": today,
        "span": span,
        "conversations": total,
        "crisis": flag_counts["crisis"],
        "fallback_conversations": flag_counts["fallback"],
        "messages": messages,
        "fallback_rate": fallback_messages / messages if messages else 0.0,
        "per_day": vertical_bars(day_series),
        "per_day_rows": rows(list(reversed(day_series))),  # the same values as text, newest first
        "flags": rows([(FLAGS[flag], flag_counts[flag], {**span, "flag": flag}) for flag in flag_conditions]),
        "channels": rows([(conversations.channel_label(channel), n, {**span, "channel": channel})
                          for channel, n in by_channel]),  # named as the list names them ("Website")
        "top_intents": rows([(intent, n, {**span, "intent": intent}) for intent, n in by_intent]),
        "callbacks": rows([("requested", requested, {}), ("reached", reached, {}), ("closed", closed, {})]),
        "callbacks_requested": requested,
        "callbacks_reached": reached,
        "callbacks_closed": closed,
        "queue": [(view, label, queue.get(view, 0)) for view, label in QUEUE_VIEWS],
        "target_hours": clinic().callback_target_hours,
    }
