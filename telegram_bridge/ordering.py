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

The handoff poller (telegram_bridge/handoff.py) sends a staff member's words
to a chat under the same lock (`chat()`), so they never land in the middle
of a bot turn being sent to that chat; it doesn't count against `max_chats`,
which limits Rasa turns. It waits for the lock at most `wait` seconds: a
chat's slow Rasa turn must not hold up everyone else's staff messages.
"""
from __future__ import annotations

import asyncio
import contextlib
from typing import Any, AsyncIterator, Awaitable, Dict, Optional

from telegram import Update
from telegram.ext import BaseUpdateProcessor

NEVER_REACHED = 1_000_000


def _release_if_acquired(lock: asyncio.Lock):
    def release(acquire: "asyncio.Future[bool]") -> None:
        if not acquire.cancelled() and acquire.exception() is None:
            lock.release()

    return release


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

    @contextlib.asynccontextmanager
    async def chat(self, chat_id: int, wait: Optional[float] = None) -> AsyncIterator[bool]:
        """This chat's turn, after the updates already queued for it; yields whether it was had.

        After `wait` seconds without it, the block runs anyway (yielding False).
        """
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._pending[chat_id] = self._pending.get(chat_id, 0) + 1
        held = False
        try:
            acquire = asyncio.ensure_future(lock.acquire())
            try:
                await asyncio.wait({acquire}, timeout=wait)
            finally:
                if acquire.done():
                    held = not acquire.cancelled() and acquire.exception() is None
                else:  # given up (or cancelled): should the lock still come, pass it on
                    acquire.cancel()
                    acquire.add_done_callback(_release_if_acquired(lock))
            yield held
        finally:
            if held:
                lock.release()
            self._pending[chat_id] -= 1
            if not self._pending[chat_id]:  # forget idle chats
                del self._pending[chat_id], self._locks[chat_id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
