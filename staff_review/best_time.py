"""When a person asked to be called, read from what they typed ("Morning", "after 5pm",
"weekdays before noon"), in the clinic's time zone.

The queue uses it to show requests that are due now; alerts name only the
part of the day (`part_of_day`), never the words typed, which could say more
than a time ("after my shift at the clinic"). Anything this doesn't understand
is shown as typed and counts as due at any time.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Optional, Tuple

# Hours (local, [start, end)) of each part of the day.
PARTS = {
    "morning": (8, 12),
    "afternoon": (12, 17),
    "evening": (17, 21),
    "any time": (8, 21),
}
_WORDS = (
    ("any time", re.compile(r"\b(any ?time|whenever|asap|as soon as possible|now)\b", re.I)),
    ("morning", re.compile(r"\b(morning|mornings|am|before noon|early)\b", re.I)),
    ("afternoon", re.compile(r"\b(afternoon|afternoons|noon|lunch|midday)\b", re.I)),
    ("evening", re.compile(r"\b(evening|evenings|night|tonight|after work|pm)\b", re.I)),
)
_CLOCK = re.compile(r"\b(after|before|around|at)?\s*(\d{1,2})(?::\d\d)?\s*(am|pm|a\.m\.|p\.m\.)?", re.I)


def part_of_day(text: Optional[str]) -> Optional[str]:
    """"morning", "afternoon", "evening" or "any time"; None when the words say no part of the day."""
    text = re.sub(r"\bbefore noon\b", "morning", text or "", flags=re.I)
    found = [name for name, words in _WORDS if words.search(text)]
    if "any time" in found:
        return "any time"
    named = [name for name in found if name in PARTS]
    clock = _clock_hour(text)
    if clock is not None:
        hour, relation = clock
        if relation == "before":
            return "morning" if hour <= 12 else "afternoon"
        return next(name for name, (start, end) in PARTS.items() if name != "any time" and (hour < end or name == "evening"))
    return named[0] if len(named) == 1 else None


def _clock_hour(text: str) -> Optional[Tuple[int, str]]:
    """(hour on a 24 h clock, "after"/"before"/"at") for "after 5pm", "before 10", "at 3:30"."""
    match = _CLOCK.search(text)
    if not match or not match.group(2):
        return None
    hour = int(match.group(2))
    if hour > 23:
        return None
    suffix = (match.group(3) or "").lower().replace(".", "")
    if suffix == "pm" and hour < 12:
        hour += 12
    elif not suffix and 1 <= hour <= 7:  # "after 5" from someone asking for a call means 5 pm
        hour += 12
    return hour, (match.group(1) or "at").lower()


def due_now(text: Optional[str], local_now: datetime) -> bool:
    """Whether it is now a good time to call, by what the person asked for (at any time if unclear)."""
    part = part_of_day(text) or "any time"
    start, end = PARTS[part]
    return start <= local_now.hour < end
