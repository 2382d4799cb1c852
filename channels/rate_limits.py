"""How fast one client, or one conversation, may send messages (token buckets).

A person types a message every few seconds; a script can send hundreds a
second and slow the assistant down for everyone. Each key (a client address,
a conversation id) has a bucket of `burst` messages that refills at
`per_minute`; a message finds the bucket empty and is refused with a kind
reply (channels/rest_with_disclaimer.py), except a crisis message, which is
always answered (invariant 8).

Kept in this process's memory: right for the single Rasa process of
`make run`. Several replicas need shared buckets (Redis), which is the
cluster's work. The well-known `limits` package would do this, but every
release of it needs packaging>=21 and Rasa 3.6 pins packaging below 21.

Limits come from the environment, "burst/per_minute":
RATE_LIMIT_CONVERSATION (10/30: ten in a row, then one every two seconds) and
RATE_LIMIT_CLIENT (60/600 per client address, which may be a whole clinic
or family behind one router).
"""
from __future__ import annotations

import os
import time
from collections import OrderedDict
from typing import Callable, Optional, Tuple

DEFAULT_CONVERSATION = "10/30"
DEFAULT_CLIENT = "60/600"
# Buckets kept at most; the least recently used go first. A full bucket that
# is forgotten is the same as a new one, so forgetting never lets a flood in
# that a remembered bucket would refuse for long.
MAX_KEYS = 50_000


def parse_limit(text: str) -> Tuple[float, float]:
    """(burst, per_minute) from "10/30"; ValueError otherwise."""
    burst, _, per_minute = text.partition("/")
    values = float(burst), float(per_minute)
    if min(values) <= 0:
        raise ValueError(f"a rate limit is two positive numbers, burst/per_minute: {text!r}")
    return values


class TokenBuckets:
    def __init__(self, burst: float, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = burst
        self.per_second = per_minute / 60
        self.clock = clock
        self._buckets: "OrderedDict[str, Tuple[float, float]]" = OrderedDict()  # key -> (tokens, when)

    @classmethod
    def from_env(cls, name: str, default: str) -> "TokenBuckets":
        return cls(*parse_limit(os.environ.get(name) or default))

    def take(self, key: str) -> Optional[float]:
        """Spend one message for `key`: None if allowed, else the seconds until one is."""
        now = self.clock()
        tokens, then = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.per_second)
        allowed = tokens >= 1
        if allowed:
            tokens -= 1
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > MAX_KEYS:
            self._buckets.popitem(last=False)
        return None if allowed else (1 - tokens) / self.per_second
