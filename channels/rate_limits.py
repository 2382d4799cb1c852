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

A long message costs more than a short one (`message_cost`): reading
20,000 characters takes the NLU pipeline up to 0.7 s, a short message a few
milliseconds, so a client sending long messages is slowed down sooner.

Limits come from the environment, "burst/per_minute":
RATE_LIMIT_CONVERSATION (10/30: ten short messages in a row, then one every
two seconds) and RATE_LIMIT_CLIENT (40/240 per client address: a whole
clinic or family may be behind one router, and people type one message in
several seconds each).
"""
from __future__ import annotations

import os
import time
from collections import OrderedDict
from typing import Callable, Optional, Tuple

DEFAULT_CONVERSATION = "10/30"
DEFAULT_CLIENT = "40/240"
# Each this many characters of a message cost one more message (at most 9:
# less than the smallest burst, so any message can get through eventually).
CHARACTERS_PER_MESSAGE = 2500
# Buckets kept at most; the least recently used go first. A full bucket that
# is forgotten is the same as a new one, so forgetting never lets a flood in
# that a remembered bucket would refuse for long.
MAX_KEYS = 50_000


def message_cost(text: str) -> int:
    """What a message costs in a bucket: 1, and 1 more for each 2,500 characters."""
    return 1 + len(text) // CHARACTERS_PER_MESSAGE


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

    def take(self, key: str, cost: float = 1) -> Optional[float]:
        """Spend `cost` messages for `key`: None if allowed, else the seconds until it would be."""
        cost = min(cost, self.burst)
        now = self.clock()
        tokens, then = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.per_second)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > MAX_KEYS:
            self._buckets.popitem(last=False)
        return None if allowed else (cost - tokens) / self.per_second

    def refund(self, key: str, cost: float = 1) -> None:
        """Give back what `take` spent for a message that another limit then refused (it was not read)."""
        if key in self._buckets:
            tokens, then = self._buckets[key]
            self._buckets[key] = (min(self.burst, tokens + min(cost, self.burst)), then)
