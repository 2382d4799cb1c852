"""Callback response times, week by week: how soon the admissions team first calls, and
first reaches, the people who ask to be called.

Weeks are ISO weeks (Monday to Sunday) in the clinic's time zone
(knowledge/clinic.yml's `timezone`); a request belongs to the week it was made
in (callback_requests.created_at). Requests of conversations marked as test
traffic are left out. For each week's requests:

* requests: how many were made;
* first call, median and 90th percentile: from the request to its first call
  attempt (an attempt whose outcome is a call: `callback_queue.OUTCOMES` with
  call=True, so closing a duplicate is not one), over the requests called;
* first reach, median: from the request to the first attempt that reached the
  person (reached=True), over the requests reached;
* reached within the target: of the requests that are settled, those reached
  within `callback_target_hours`, the team's own target (nothing the assistant
  promises anyone). Settled means reached, or closed, or older than the
  target: a request still open and younger than the target may yet be reached
  in time, so it is in neither count. Requests closed without any call
  (duplicates, tests) are left out: there was nobody to reach;
* waiting for a first call: requests still open with no call attempt, now.

Median: the middle time (the mean of the two middle ones for an even count);
90th percentile: nearest rank, the smallest time that at least 90% of the
times are at or under. Times are shown to the minute ("3 h 20 min", "2 d 4 h").

Requests the old buttons moved to "contacted" (staff_callback_history) were
called before attempts were logged, at a time nobody recorded: they count as
requests and in none of the other figures, and the page says how many.

The figures are aggregates only: no names, numbers, references or
conversation ids leave this module. They are computed in Python over the
period's requests and their attempts (three indexed queries, the same on
SQLite and PostgreSQL): a clinic's few hundred requests a week are nothing.
"""
from __future__ import annotations

import csv
import io
import math
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Dict, List, Optional, Sequence

import sqlalchemy as sa

from knowledge import clinic
from staff_review import callback_queue, db
from staff_review.callback_queue import clinic_zone, utc

DEFAULT_WEEKS = 12
WEEK_CHOICES = (4, 12, 26, 52)
LEGACY_STATUS = "contacted"  # the old buttons' move; no attempt holds its time


@dataclass
class Week:
    label: str  # ISO week, "2026-W48"; "all" for the whole period
    start: date  # its Monday (the clinic's)
    end: date  # its Sunday
    requests: int = 0
    first_calls: List[timedelta] = field(default_factory=list)
    first_reaches: List[timedelta] = field(default_factory=list)
    within_target: int = 0
    settled: int = 0  # the share's denominator
    waiting: int = 0
    legacy: int = 0

    @property
    def called(self) -> int:
        return len(self.first_calls)

    @property
    def reached(self) -> int:
        return len(self.first_reaches)

    @property
    def first_call_median(self) -> Optional[timedelta]:
        return median(self.first_calls)

    @property
    def first_call_p90(self) -> Optional[timedelta]:
        return percentile(self.first_calls, 90)

    @property
    def first_reach_median(self) -> Optional[timedelta]:
        return median(self.first_reaches)

    @property
    def within_target_share(self) -> Optional[float]:
        return self.within_target / self.settled if self.settled else None


@dataclass
class Report:
    weeks: List[Week]  # newest first
    total: Week  # the whole period
    target_hours: int
    zone: str
    now: datetime


def median(values: Sequence[timedelta]) -> Optional[timedelta]:
    if not values:
        return None
    return timedelta(seconds=statistics.median(value.total_seconds() for value in values))


def percentile(values: Sequence[timedelta], percent: float) -> Optional[timedelta]:
    """Nearest rank: the smallest value that at least `percent`% of the values are at or under."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(percent / 100 * len(ordered)), 1) - 1]


def minutes(value: Optional[timedelta]) -> Optional[int]:
    return None if value is None else int(round(value.total_seconds() / 60))


def duration(value: Optional[timedelta]) -> str:
    """"3 h 20 min", "2 d 4 h", "45 min"; "–" for no value. To the nearest minute (the nearest hour past a day)."""
    total = minutes(value)
    if total is None:
        return "–"
    days, rest = divmod(total, 24 * 60)
    if days:
        return f"{days} d {int(round(rest / 60))} h" if rest >= 30 else f"{days} d"
    hours, mins = divmod(rest, 60)
    return f"{hours} h {mins} min" if hours else f"{mins} min"


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clinic_zone()).astimezone(timezone.utc)


def _new_week(monday: date) -> Week:
    year, number, _ = monday.isocalendar()
    return Week(f"{year}-W{number:02d}", monday, monday + timedelta(days=6))


def _count(week: Week, created: datetime, first_call: Optional[datetime], first_reach: Optional[datetime],
           closed: bool, legacy: bool, now: datetime, target: timedelta) -> None:
    week.requests += 1
    if legacy:
        week.legacy += 1
        return
    if first_call is not None:
        week.first_calls.append(max(first_call - created, timedelta(0)))
    elif not closed:
        week.waiting += 1
    if first_reach is not None:
        week.first_reaches.append(max(first_reach - created, timedelta(0)))
    if first_call is None and closed:
        return  # closed without a call: a duplicate or a test, nobody to reach
    if first_reach is not None or closed or now - created >= target:
        week.settled += 1
        week.within_target += first_reach is not None and first_reach - created <= target


def weekly(weeks: int = DEFAULT_WEEKS, now: Optional[datetime] = None) -> Report:
    """The last `weeks` ISO weeks, this one included, newest first, and their total."""
    now = now or datetime.now(timezone.utc)
    target = callback_queue.target()
    this_monday = week_start(now.astimezone(clinic_zone()).date())
    first_monday = this_monday - timedelta(weeks=weeks - 1)
    since = _local_midnight_utc(first_monday)
    c, a, h = db.callback_requests, db.callback_attempts, db.callback_history
    in_period = sa.select(c.c.id).where(
        c.c.created_at >= since,
        ~sa.exists().where(db.test_traffic.c.conversation_id == c.c.conversation_id),
    )
    calls = [outcome.key for outcome in callback_queue.OUTCOMES if outcome.call]
    reaches = [outcome.key for outcome in callback_queue.OUTCOMES if outcome.reached]
    with db.engine().connect() as connection:
        requests = connection.execute(
            sa.select(c.c.id, c.c.created_at, c.c.status).where(c.c.id.in_(in_period))
        ).all()
        attempts = connection.execute(
            sa.select(a.c.callback_id, a.c.made_at, a.c.outcome).where(a.c.callback_id.in_(in_period))
        ).all()
        legacy = set(connection.execute(
            sa.select(h.c.callback_id).where(h.c.callback_id.in_(in_period), h.c.to_status == LEGACY_STATUS)
        ).scalars())
    first_call: Dict[int, datetime] = {}
    first_reach: Dict[int, datetime] = {}
    for attempt in attempts:
        made_at = utc(attempt.made_at)
        if attempt.outcome in calls and (attempt.callback_id not in first_call or made_at < first_call[attempt.callback_id]):
            first_call[attempt.callback_id] = made_at
        if attempt.outcome in reaches and (attempt.callback_id not in first_reach or made_at < first_reach[attempt.callback_id]):
            first_reach[attempt.callback_id] = made_at
    by_monday = {first_monday + timedelta(weeks=n): _new_week(first_monday + timedelta(weeks=n)) for n in range(weeks)}
    total = Week("all", first_monday, this_monday + timedelta(days=6))
    for row in requests:
        created = utc(row.created_at)
        monday = week_start(created.astimezone(clinic_zone()).date())
        if monday not in by_monday:
            continue  # made after `now` (a report for an earlier moment)
        for week in (by_monday[monday], total):
            _count(week, created, first_call.get(row.id), first_reach.get(row.id), row.status == callback_queue.CLOSED,
                   row.id in legacy, now, target)
    return Report(
        weeks=[by_monday[monday] for monday in sorted(by_monday, reverse=True)], total=total,
        target_hours=clinic().callback_target_hours, zone=clinic_zone().key, now=now,
    )


CSV_COLUMNS = (
    "week", "week_start", "week_end", "requests", "called", "first_call_median_minutes", "first_call_p90_minutes",
    "reached", "first_reach_median_minutes", "reached_within_target", "settled", "reached_within_target_percent",
    "target_hours", "waiting_for_first_call", "recorded_before_call_attempts", "time_zone",
)


def to_csv(report: Report) -> str:
    """The report's figures, one row per week and one for the period: aggregates only."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for week in [*report.weeks, report.total]:
        share = week.within_target_share
        writer.writerow([
            week.label, week.start.isoformat(), week.end.isoformat(), week.requests, week.called,
            _blank(minutes(week.first_call_median)), _blank(minutes(week.first_call_p90)), week.reached,
            _blank(minutes(week.first_reach_median)), week.within_target, week.settled,
            "" if share is None else f"{100 * share:.1f}", report.target_hours, week.waiting, week.legacy, report.zone,
        ])
    return out.getvalue()


def _blank(value: Optional[int]) -> str:
    return "" if value is None else str(value)
