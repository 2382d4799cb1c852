"""When the admissions team is in: opening hours per weekday and days closed, from the clinic
file (knowledge/clinic.yml: `opening_hours`, `closed_on`, in its `timezone`).

The guide gives no hours, so by default none are known: then nothing is said about when the
team is in, and nobody is told "we're closed" on a guess. Once the admissions team confirms
them, the assistant can say whether the team is in now and, when it isn't, when it is back.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d\d)\s*-\s*(\d{1,2}):(\d\d)\s*$")
LOOK_AHEAD_DAYS = 21  # a closure longer than three weeks reads as "no opening known"


@dataclass(frozen=True)
class OpeningHours:
    zone: ZoneInfo
    week: Mapping[int, Tuple[Tuple[time, time], ...]]  # weekday (0 = Monday) -> opening ranges
    closed_on: FrozenSet[date]

    @classmethod
    def from_config(cls, zone: str, opening_hours: Optional[Mapping[str, str]], closed_on: Iterable = ()) -> "OpeningHours":
        """From the clinic file's values; ValueError naming what is wrong."""
        week: Dict[int, Tuple[Tuple[time, time], ...]] = {}
        for day, ranges in (opening_hours or {}).items():
            if str(day).lower() not in WEEKDAYS:
                raise ValueError(f"opening_hours: {day!r} is not a weekday (monday ... sunday)")
            week[WEEKDAYS.index(str(day).lower())] = tuple(_ranges(str(day), str(ranges or "")))
        try:
            closed = frozenset(value if isinstance(value, date) else date.fromisoformat(str(value)) for value in closed_on or ())
        except ValueError:
            raise ValueError("closed_on: each day as YYYY-MM-DD") from None
        return cls(ZoneInfo(zone), week, closed)

    @property
    def known(self) -> bool:
        return any(self.week.values())

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        if local.date() in self.closed_on:
            return False
        return any(start <= local.time() < end for start, end in self.week.get(local.weekday(), ()))

    def next_opening(self, moment: datetime) -> Optional[datetime]:
        """When the team is next in, after `moment` (None if no opening is known within three weeks)."""
        local = moment.astimezone(self.zone)
        for offset in range(LOOK_AHEAD_DAYS):
            day = local.date() + timedelta(days=offset)
            if day in self.closed_on:
                continue
            for start, _end in self.week.get(day.weekday(), ()):
                opening = datetime.combine(day, start, tzinfo=self.zone)
                if opening > local:
                    return opening
        return None

    def describe(self) -> str:
        """The week as a sentence's end: "Monday to Friday 8 am to 6 pm, and Saturday 9 am to 1 pm"."""
        groups: List[Tuple[List[int], Tuple[Tuple[time, time], ...]]] = []
        for day in range(7):
            ranges = self.week.get(day, ())
            if not ranges:
                continue
            if groups and groups[-1][1] == ranges and groups[-1][0][-1] == day - 1:
                groups[-1][0].append(day)
            else:
                groups.append(([day], ranges))
        parts = []
        for days, ranges in groups:
            names = WEEKDAYS[days[0]].title() + (f" to {WEEKDAYS[days[-1]].title()}" if len(days) > 1 else "")
            parts.append(names + " " + " and ".join(
                "all day" if (start, end) == (time.min, time.max) else f"{_clock(start)} to {_clock(end)}"
                for start, end in ranges
            ))
        return ", and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else "".join(parts)

    def back_when(self, moment: datetime) -> str:
        """"today at 1 pm", "tomorrow at 8 am", "on Monday at 8:30 am"; "" when unknown."""
        opening = self.next_opening(moment)
        if opening is None:
            return ""
        today = moment.astimezone(self.zone).date()
        if opening.date() == today:
            day = "today"
        elif opening.date() == today + timedelta(days=1):
            day = "tomorrow"
        else:
            day = "on " + opening.strftime("%A") if opening.date() - today < timedelta(days=7) else opening.strftime("on %A, %B %-d")
        return f"{day} at {_clock(opening.time())}"


def _ranges(day: str, text: str) -> List[Tuple[time, time]]:
    """"08:00-12:00, 13:00-17:30" as ranges; "" or "closed" as none."""
    if text.strip().lower() in ("", "closed"):
        return []
    found = []
    for part in text.split(","):
        match = _RANGE.match(part)
        if not match:
            raise ValueError(f"opening_hours: {day}: {part.strip()!r} is not like 08:00-18:00")
        start_h, start_m, end_h, end_m = map(int, match.groups())
        if end_h == 24 and end_m == 0:
            end = time.max
        elif end_h > 23 or end_m > 59:
            raise ValueError(f"opening_hours: {day}: {part.strip()!r} is not a time of day")
        else:
            end = time(end_h, end_m)
        if start_h > 23 or start_m > 59:
            raise ValueError(f"opening_hours: {day}: {part.strip()!r} is not a time of day")
        start = time(start_h, start_m)
        if end <= start:
            raise ValueError(f"opening_hours: {day}: {part.strip()!r} ends before it starts")
        found.append((start, end))
    return found


def _clock(moment: time) -> str:
    """8 am, 1 pm, 8:30 am, midnight: as people say it."""
    if moment in (time.max, time.min):
        return "midnight"
    if moment == time(12):
        return "noon"
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes} {'am' if moment.hour < 12 else 'pm'}"
