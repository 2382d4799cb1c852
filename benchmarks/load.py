"""Concurrent scripted conversations through the REST webhook, timed message by message."""
from __future__ import annotations

import asyncio
import math
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import aiohttp

from benchmarks.conversations import Check, Turn

REQUEST_TIMEOUT_S = 60
TokenFor = Callable[[str], str]


@dataclass
class LoadResult:
    concurrency: int
    conversations: int
    latencies: List[float] = field(default_factory=list)  # seconds, one per answered message
    errors: List[str] = field(default_factory=list)
    answered: Dict[str, int] = field(default_factory=dict)  # turns answered, by conversation
    wall: float = 0.0

    @property
    def messages(self) -> int:
        return len(self.latencies) + len(self.errors)

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, math.ceil(p / 100 * len(ordered)) - 1)
        return ordered[rank] * 1000

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def throughput(self) -> float:
        """Answered messages per second over the whole run."""
        return len(self.latencies) / self.wall if self.wall else 0.0


async def _conversation(
    session: aiohttp.ClientSession, webhook: str, sender: str, turns: List[Turn], every_turn: Optional[Check],
    result: LoadResult, token_for: Optional[TokenFor] = None,
) -> None:
    headers = {"Authorization": f"Bearer {token_for(sender)}"} if token_for else {}
    for number, turn in enumerate(turns, start=1):
        started = time.perf_counter()
        try:
            async with session.post(webhook, json={"sender": sender, "message": turn.message}, headers=headers) as reply:
                body = await reply.json(content_type=None)
                status = reply.status
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as problem:
            result.errors.append(f"{sender} turn {number}: {type(problem).__name__}")
            return  # the rest of this conversation would be out of step
        elapsed = time.perf_counter() - started
        problem = None
        if status != 200 or not isinstance(body, list):
            problem = f"HTTP {status}"
        else:
            for check in (every_turn, turn.check):
                problem = problem or (check(body) if check else None)
        if problem:
            result.errors.append(f"{sender} turn {number} ({turn.message!r}): {problem}")
            return
        result.latencies.append(elapsed)
        result.answered[sender] = number


async def run_load(
    webhook: str,
    script: Callable[[int], List[Turn]],
    concurrency: int,
    conversations: int,
    every_turn: Optional[Check] = None,
    prefix: str = "bench",
    token_for: Optional[TokenFor] = None,
) -> LoadResult:
    """`conversations` scripted conversations, at most `concurrency` at a time.

    `token_for(sender)` gives the token that proves a conversation is ours
    (channels/ownership.py), for servers that ask for one.
    """
    result = LoadResult(concurrency, conversations)
    gate = asyncio.Semaphore(concurrency)
    run = uuid.uuid4().hex[:6]
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

        async def one(index: int) -> None:
            async with gate:
                sender = f"{prefix}-{run}-c{concurrency}-{index}"
                await _conversation(session, webhook, sender, script(index), every_turn, result, token_for)

        started = time.perf_counter()
        await asyncio.gather(*(one(index) for index in range(conversations)))
        result.wall = time.perf_counter() - started
    return result
