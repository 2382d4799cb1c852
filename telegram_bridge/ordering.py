"""Updates from different chats are handled at the same time; one chat's, one by one, in order.

PTB's default handles every update after the previous one: one slow Rasa turn
would hold up every other person. Its concurrent mode keeps no order at all,
so someone tapping "Evening" right after typing their phone number could see
the two answered the wrong way round. This processor keeps a first-in,
first-out lock per chat (asyncio.Lock wakes its waiters in order) and runs
different chats concurrently, at most `max_chats` Rasa turns at once.

The base class's semaphore is given a limit that is never reached: on Python
3.10 a waiting task can be overtaken at that semaphore, which would break the
per-chat order, so all the waiting happens at the per-chat locks instead.
"""
from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Dict, Optional

from telegram import Update
from telegram.ext import BaseUpdateProcessor

NEVER_REACHED = 1_000_000


class PerChatOrder(BaseUpdateProcessor):
    def __init__(self, max_chats: int = 8) -> None:
        super().__init__(max_concurrent_updates=NEVER_REACHED)
        self._turns = asyncio.Semaphore(max_chats)
        self._locks: Dict[Optional[int], asyncio.Lock] = {}
        self._pending: Dict[Optional[int], int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        key = chat.id if chat else None
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._pending[key] = self._pending.get(key, 0) + 1
        try:
            async with lock, self._turns:
                await coroutine
        finally:
            self._pending[key] -= 1
            if not self._pending[key]:  # forget idle chats
                del self._pending[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
