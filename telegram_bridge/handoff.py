"""Live handoffs on Telegram: the staff member's words (and the assistant's, while a
person is involved) reach the chat through a poll of the Rasa server.

docs/handoff.md: while a handoff is open, what the staff member types, the
join message and the assistant's messages about the handoff (the hand back,
"no one could join") are rows in the server's delivery line. The bridge asks
for those of every Telegram conversation, `GET /webhooks/telegram/handoff?after=<id>`
with the bridge secret, every POLL_SECONDS, one request at a time, and sends
each to the chat whose current conversation it belongs to (Bridge.chat_of).

* A staff member's words are shown as a person's: "<b>Maria (admissions team):</b> ..."
  (rendering.staff_message), escaped, no disclaimer. The assistant's are
  rendered as any Rasa turn (rendering.finish_turn): their buttons act once,
  as the webhook turns' do; a crisis payload gets its tappable numbers; the
  disclaimer ends the bubble the server marked with it.
* Each chat's messages are sent under its per-chat lock (ordering.PerChatOrder),
  so they never land in the middle of a bot turn being sent to it. Chats are
  served side by side; one that blocked the bot (Forbidden) only loses its own.
* The cursor (the last message id handled) is saved in a small file beside
  TELEGRAM_STATE_FILE, written atomically after each batch is delivered, so a
  restart neither repeats nor loses a message. With no saved cursor the first
  call is made without `after`: the server gives its current `last`, and
  delivery starts from there (what was said before this bridge ever ran is not
  replayed). A crash in the middle of a batch (killed, not stopped) can repeat
  that batch's messages: shown twice rather than lost.
* On errors (Rasa down, a bad answer) the poll backs off, doubling up to
  MAX_BACKOFF_SECONDS, and is back to every POLL_SECONDS after the first
  success. Stopping waits for a batch being delivered to finish (it is never
  cut in half), up to STOP_WAIT_SECONDS.

Logs give counts, kinds and chat tags (keyed hashes); never message text,
names, chat ids or conversation ids.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from telegram.ext import Application, CallbackContext

from telegram_bridge import conversations
from telegram_bridge.handlers import Bridge
from telegram_bridge.ordering import PerChatOrder
from telegram_bridge.rasa_client import RasaUnavailable
from telegram_bridge.rendering import Outgoing, finish_turn, staff_message

logger = logging.getLogger(__name__)

POLL_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 60.0
CHAT_WAIT_SECONDS = 10.0  # at most this long behind a chat's running bot turn
STOP_WAIT_SECONDS = 30.0
STAFF, ASSISTANT = "staff", "assistant"


def cursor_file_for(state_file: Path) -> Path:
    """var/telegram_bridge.pickle -> var/telegram_bridge.handoff-cursor.json"""
    return state_file.with_name(f"{state_file.stem}.handoff-cursor.json")


def load_cursor(path: Path) -> Optional[int]:
    try:
        cursor = json.loads(path.read_text()).get("after")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError) as problem:
        logger.error("Handoff cursor file unreadable (%s): starting from now.", type(problem).__name__)
        return None
    return cursor if isinstance(cursor, int) and not isinstance(cursor, bool) and cursor >= 0 else None


def save_cursor(path: Path, cursor: int) -> None:
    """Replace the file in one step: a crash mid-write leaves the old cursor, never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as out:
            json.dump({"after": cursor}, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _valid(message: Any) -> bool:
    return (
        isinstance(message, dict)
        and isinstance(message.get("id"), int)
        and isinstance(message.get("sender"), str)
        and message.get("author") in (STAFF, ASSISTANT)
    )


class HandoffPoller:
    def __init__(
        self,
        application: Application,
        bridge: Bridge,
        order: PerChatOrder,
        cursor_file: Path,
        interval: Optional[float] = None,
        max_backoff: Optional[float] = None,
    ) -> None:
        self.application = application
        self.bridge = bridge
        self.order = order
        self.cursor_file = cursor_file
        self.interval = POLL_SECONDS if interval is None else interval
        self.max_backoff = MAX_BACKOFF_SECONDS if max_backoff is None else max_backoff
        self.cursor: Optional[int] = None
        self._stopping = asyncio.Event()
        self._task: Optional[asyncio.Task] = None
        self._open_turns: Dict[int, bool] = {}  # chat -> an assistant turn begun but not yet ended

    # Life cycle ------------------------------------------------------------------

    async def start(self) -> None:
        self.cursor = load_cursor(self.cursor_file)
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="telegram handoff poller")

    async def stop(self) -> None:
        if not self._task:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), STOP_WAIT_SECONDS)
        except asyncio.TimeoutError:
            logger.error("Handoff poller did not stop in %g s; cancelled.", STOP_WAIT_SECONDS)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                more = await self.poll_once()
            except RasaUnavailable as problem:
                failures += 1
                delay = min(self.max_backoff, self.interval * 2 ** failures)
                log = logger.warning if failures == 1 else logger.info
                log("Handoff poll failed (%s); next try in %g s.", problem, delay)
            except Exception as problem:  # noqa: BLE001 - the poller must outlive any one bad answer
                failures += 1
                delay = min(self.max_backoff, self.interval * 2 ** failures)
                logger.error("Handoff poll error (%s); next try in %g s.", type(problem).__name__, delay,
                             exc_info=logger.isEnabledFor(logging.DEBUG))
            else:
                if failures:
                    logger.info("Handoff poll working again after %d failed tries.", failures)
                failures = 0
                delay = 0 if more else self.interval
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)

    # One poll ----------------------------------------------------------------------

    async def poll_once(self) -> bool:
        """Fetch and deliver one batch; whether more may be waiting (a full batch)."""
        fetch = asyncio.ensure_future(self.bridge.rasa.handoff_messages(self.cursor))
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not fetch.done():  # stopping: nothing was delivered, nothing is lost
                fetch.cancel()
        if fetch.cancelled():
            return False
        reply = fetch.result()
        last: int = reply["last"]
        if self.cursor is None:
            self._save(last)
            logger.info("Handoff poll: no saved cursor, starting from now.")
            return False
        batch = [message for message in reply.get("messages") or [] if _valid(message) and message["id"] > self.cursor]
        skipped = len(reply.get("messages") or []) - len(batch)
        if skipped:
            logger.warning("Handoff poll: %d malformed or already seen message(s) passed over.", skipped)
        if batch:
            await self.deliver(batch)
        newest = max([self.cursor, last, *(message["id"] for message in batch)])  # never back: no repeats
        if newest != self.cursor:
            self._save(newest)
        return len(reply.get("messages") or []) >= 200

    def _save(self, cursor: int) -> None:
        try:
            save_cursor(self.cursor_file, cursor)
        except OSError as problem:  # e.g. disk full: carry on, a restart may repeat messages
            logger.error("Could not save the handoff cursor (%s).", type(problem).__name__)
        self.cursor = cursor

    # Delivery -------------------------------------------------------------------------

    async def deliver(self, batch: List[Dict[str, Any]]) -> None:
        """Each chat's messages in order, under its lock; the chats side by side."""
        per_chat: Dict[int, List[Dict[str, Any]]] = {}
        unknown = 0
        for message in batch:
            chat_id = self.bridge.chat_of(message["sender"])
            if chat_id is None:
                unknown += 1
            else:
                per_chat.setdefault(chat_id, []).append(message)
        if unknown:
            # A conversation this bridge never saw, or one a chat left with /reset.
            logger.warning("Handoff poll: %d message(s) for no known chat passed over.", unknown)
        results = await asyncio.gather(
            *(self._deliver_to(chat_id, messages) for chat_id, messages in per_chat.items()), return_exceptions=True
        )
        for chat_id, result in zip(per_chat, results):
            if isinstance(result, BaseException):
                logger.error("chat %s: handoff messages not delivered (%s)", self.bridge.tag(chat_id),
                             type(result).__name__)

    async def _deliver_to(self, chat_id: int, messages: List[Dict[str, Any]]) -> None:
        context = CallbackContext(self.application, chat_id=chat_id)
        async with self.order.chat(chat_id, wait=CHAT_WAIT_SECONDS) as in_turn:
            if not in_turn:
                logger.warning("chat %s: a bot turn is taking long; handoff messages sent meanwhile",
                               self.bridge.tag(chat_id))
            for new_turn, outgoing in self.render(chat_id, messages):
                if new_turn:
                    conversations.new_turn(context.chat_data)
                await self.bridge.send(context, chat_id, outgoing)
        kinds = sorted({message["author"] for message in messages})
        logger.info("chat %s: %d handoff message(s) delivered (%s)", self.bridge.tag(chat_id), len(messages),
                    ", ".join(kinds))
        # Buttons of the assistant's messages live in chat_data: saved with the rest.
        self.application.mark_data_for_update_persistence(chat_ids=chat_id)

    def render(self, chat_id: int, messages: List[Dict[str, Any]]) -> List[Tuple[bool, List[Outgoing]]]:
        """The chat's messages as groups to send, in order, each with whether it begins a new
        assistant turn: a staff message alone; consecutive assistant messages together, up
        to the one that carries the disclaimer (which ends the turn).

        A new assistant turn replaces the buttons on screen, as a webhook turn does
        (conversations.new_turn); one split across two polls is continued.
        """
        groups: List[Tuple[bool, List[Outgoing]]] = []
        pending: List[Dict[str, Any]] = []

        def flush() -> None:
            if not pending:
                return
            begins = not self._open_turns.pop(chat_id, False)
            if not any(_has_disclaimer(message) for message in pending):
                self._open_turns[chat_id] = True
            groups.append((begins, finish_turn([_bubble(message) for message in pending], default_disclaimer=False)))
            pending.clear()

        for message in messages:
            if message["author"] == STAFF:
                flush()
                if (message.get("text") or "").strip():
                    groups.append((False, staff_message(message.get("staff_name"), message["text"])))
            else:
                pending.append(message)
                if _has_disclaimer(message):
                    flush()
        flush()
        return [(begins, outgoing) for begins, outgoing in groups if outgoing]


def _has_disclaimer(message: Dict[str, Any]) -> bool:
    return isinstance(message.get("disclaimer"), str) and bool(message["disclaimer"].strip())


def _bubble(message: Dict[str, Any]) -> Dict[str, Any]:
    """The fields of a handoff message that make a bubble, as in a webhook turn."""
    return {key: message[key] for key in ("text", "buttons", "custom", "disclaimer") if message.get(key) is not None}


__all__: Tuple[str, ...] = ("HandoffPoller", "cursor_file_for", "load_cursor", "save_cursor")
