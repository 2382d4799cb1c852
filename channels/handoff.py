"""The Rasa server's side of a live handoff (docs/handoff.md): every write to a handed-over conversation.

A handoff starts in actions/person.py, which opens a waiting row (storage/handoffs.py) and
pauses the conversation with Rasa's own ConversationPaused event. From then on:

* **Visitor messages** go through Rasa as any message (the REST channel's bounds, ownership and
  rate limits first): Rasa reads and stores them and, paused, predicts nothing. So the reply to
  the POST is `[]`, and the message is copied to `handoff_messages` for the staff member's screen.
* **Crisis first, always (invariants 2 and 8).** A paused message that the NLU pipeline read as
  a crisis gets `action_crisis_response` run at once, in the reply to the POST itself: the
  visitor never waits for a person to read it. If the action server is down, the channel's own
  crisis reply. The copy for the staff member is flagged `crisis`.
* **Staff turns** arrive from the staff app (`/handoff/take|send|hand_back`, behind the staff
  secret) and become BotUttered events whose metadata names the staff member, so the
  conversation's record holds who said what; joining adds the not-medical-advice disclaimer
  once, and handing back appends ConversationResumed and the assistant's return line.
* **Nobody came.** A handoff still waiting after HANDOFF_WAIT_SECONDS is resumed with
  `utter_live_chat_nobody` and the callback offer. A task checks every few seconds, and each
  poll checks its own conversation; ending is one conditional UPDATE, so with several servers
  only one of them says it.

Every event is appended under the conversation's lock (Rasa's lock store), as Rasa's own
`/conversations/<id>/tracker/events` endpoint does, so staff turns never interleave with a
visitor's turn. Messages the assistant sends outside a turn (joined, handed back, nobody came)
reach the clients through their polls: the widget's `GET conversations/<id>/handoff` and the
Telegram bridge's `GET /webhooks/telegram/handoff`.
"""
from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional

from rasa.core.policies.policy import PolicyPrediction
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed, Event
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.ownership import conversation_ref
from channels.rasa_failures import failures_noticed
from channels.replies import (
    NamingCollector, clean_text, crisis_bubble, crisis_language, domain_reply, finish_turn, reads_as_crisis,
)
from storage import handoffs
from storage.handoffs import ASSISTANT, STAFF, VISITOR, Handoff

logger = logging.getLogger(__name__)

CRISIS_ACTION = "action_crisis_response"
# How often the server looks for handoffs nobody took in time.
OVERDUE_CHECK_SECONDS = 5
# What the widget and the bridge receive: what staff and the assistant said, not the visitor's own words.
FOR_CLIENTS = [STAFF, ASSISTANT]
MAX_CURSOR = 2**53  # a message id, from a query string: anything bigger is not one of ours
MAX_STAFF_BODY_BYTES = 32 * 1024


class Refused(Exception):
    def __init__(self, status: int, code: str, error: str) -> None:
        super().__init__(error)
        self.status, self.code = status, code

    def reply(self) -> HTTPResponse:
        return response.json({"error": str(self), "code": self.code}, status=self.status)


async def in_thread(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The handoff store is synchronous SQLAlchemy: keep it off the server's event loop."""
    return await asyncio.to_thread(function, *args, **kwargs)


async def open_handoff(sender: str) -> Optional[Handoff]:
    """The conversation's open handoff; None when there is none, or when the database can't say
    (the turn then goes to Rasa as usual, which is what a paused conversation needs anyway)."""
    try:
        return await in_thread(handoffs.open_handoff, sender)
    except Exception as problem:
        logger.error("Could not read the handoff state (conversation %s): %s.", conversation_ref(sender), type(problem).__name__)
        return None


def cursor(request: Request) -> Optional[int]:
    """The `after` query parameter: the last message id a client has; None if not given."""
    given = request.args.get("after")
    if given is None:
        return None
    if not given.isdigit() or int(given) > MAX_CURSOR:
        raise Refused(400, "bad_request", "`after` must be a message id (a whole number).")
    return int(given)


def for_client(row: Any, with_sender: bool = False) -> Dict[str, Any]:
    message = {"id": row.id, "author": row.author, **row.bubble}
    if with_sender:
        message["sender"] = row.conversation_id
    return message


# Writing to the conversation ---------------------------------------------------------


async def append(agent: Any, sender: str, events: Iterable[Event]) -> bool:
    """Append events to the conversation under its lock, as Rasa's own events endpoint does;
    whether they were stored (Rasa's fail-safe store only logs a refused write)."""
    async with agent.lock_store.lock(sender):
        with failures_noticed() as failures:
            tracker = await agent.processor.get_tracker(sender)
            for event in events:
                tracker.update(event)
            await agent.processor.save_tracker(tracker)
    if failures:
        logger.error("Could not store a staff turn (conversation %s).", conversation_ref(sender))
    return not failures


async def resume_conversation(agent: Any, sender: str, responses: List[str]) -> Optional[List[Dict[str, Any]]]:
    """Under the conversation's lock: ConversationResumed, then the named responses as the
    assistant, ending with action_listen. What they said; None if the resume could not be stored
    (Rasa's fail-safe store only logs that): then the conversation stays paused, which the next
    visitor message repairs (`repair_pause`), and nothing may claim the assistant is back."""
    collector = NamingCollector()
    async with agent.lock_store.lock(sender):
        with failures_noticed() as failures:
            tracker = await agent.processor.get_tracker(sender)
            tracker.update(ConversationResumed())
            await agent.processor.save_tracker(tracker)
        if failures:
            logger.error("Could not resume a conversation (conversation %s).", conversation_ref(sender))
            return None
        for name in responses:
            prediction = PolicyPrediction.for_action_name(agent.domain, name)
            await agent.processor.execute_action(sender, name, collector, agent.nlg, prediction)
        tracker = await agent.processor.get_tracker(sender)
        tracker.update(ActionExecuted("action_listen"))
        await agent.processor.save_tracker(tracker)
    return collector.messages


async def repair_pause(agent: Any, sender: str) -> None:
    """A paused conversation with no open handoff (its resume was lost to a database error, or a
    crash came between the two): the assistant takes it back, so it is never silent for good."""
    async with agent.lock_store.lock(sender):
        tracker = await agent.processor.get_tracker(sender)
        if tracker.is_paused():
            tracker.update(ConversationResumed())
            tracker.update(ActionExecuted("action_listen"))
            await agent.processor.save_tracker(tracker)
            logger.warning("Resumed a paused conversation with no open handoff (conversation %s).", conversation_ref(sender))


async def deliver(handoff: Handoff, author: str, bubbles: List[Dict[str, Any]]) -> None:
    """Put bubbles on the handoff's delivery line for the widget's or the bridge's poll."""
    for bubble in bubbles:
        bubble = {key: value for key, value in bubble.items() if key != "recipient_id"}
        await in_thread(handoffs.add_message, handoff, author, bubble)


# The visitor's side --------------------------------------------------------------------


async def visitor_turn(channel: Any, request: Request, on_new_message: Any, sender: str, text: str,
                       handoff: Handoff) -> List[Dict[str, Any]]:
    """A message in a handed-over conversation: stored by Rasa, answered only if it is a crisis."""
    agent = request.app.ctx.agent
    said = await channel.collect_turn(on_new_message, sender, text)
    if said:
        # The assistant answered, so the conversation was not paused although the handoff is
        # open (it was resumed a moment ago, or a new session began): the staff member would
        # type into a conversation the assistant is answering, and see none of it. It ends.
        if await in_thread(handoffs.end, handoff.id, handoffs.VISITOR_LEFT):
            logger.warning("A handoff ended: the assistant had the conversation again (conversation %s).",
                           conversation_ref(sender))
        return finish_turn(said, sender)
    if said is None:  # the turn failed (the database is away, say): the crisis reply or the apology
        return finish_turn(await channel.reply_without_a_turn(request, sender, text), sender)
    tracker = await agent.processor.get_tracker(sender)
    latest = tracker.latest_message
    if not tracker.is_paused() or latest is None:
        return finish_turn(await channel.reply_without_a_turn(request, sender, text), sender)
    crisis = reads_as_crisis(latest.parse_data)
    reply: List[Dict[str, Any]] = []
    if crisis:
        reply = await crisis_reply(request, sender, latest.parse_data)
        logger.warning("A crisis message during a handoff got the crisis reply (conversation %s).", conversation_ref(sender))
    try:
        await in_thread(handoffs.add_message, handoff, VISITOR, {"text": text}, crisis)
    except Exception as problem:  # stored in the conversation all the same; the staff screen misses it
        logger.error("Could not copy a message to the handoff (conversation %s): %s.", conversation_ref(sender), type(problem).__name__)
        return reply or finish_turn([], sender)
    return reply


async def crisis_reply(request: Request, sender: str, parse_data: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The crisis action's reply, run in the paused conversation; the channel's own if it fails."""
    agent = request.app.ctx.agent
    collector = NamingCollector()
    try:
        async with agent.lock_store.lock(sender):
            prediction = PolicyPrediction.for_action_name(agent.domain, CRISIS_ACTION)
            await agent.processor.execute_action(sender, CRISIS_ACTION, collector, agent.nlg, prediction)
    except Exception as problem:
        logger.error("The crisis action failed in a handoff (conversation %s): %s.", conversation_ref(sender), type(problem).__name__)
        collector.messages = []
    if not collector.messages:
        collector.messages = [{"recipient_id": sender, **crisis_bubble(agent.domain, crisis_language(parse_data))}]
    return finish_turn(collector.messages, sender)


async def visitor_poll(request: Request, sender: str) -> HTTPResponse:
    """GET conversations/<sender>/handoff?after=<id>: the handoff's state and what is new for the visitor."""
    try:
        after = cursor(request) or 0
        handoff = await open_handoff(sender)
        if handoff and handoff.state == handoffs.WAITING and overdue(handoff):
            await nobody_came(request.app.ctx.agent, handoff)
            handoff = await open_handoff(sender)
        rows = await in_thread(handoffs.messages, conversation_id=sender, after=after, authors=FOR_CLIENTS)
    except Refused as refused:
        return refused.reply()
    except Exception as problem:
        logger.error("Handoff poll failed (conversation %s): %s.", conversation_ref(sender), type(problem).__name__)
        return response.json({"error": "Try again shortly.", "code": "unavailable"}, status=503)
    return response.json({
        "state": handoff.state if handoff else "none",
        "staff_name": handoff.staff_name if handoff else None,
        "messages": [for_client(row) for row in rows],
        "last": rows[-1].id if rows else after,
    })


async def bridge_poll(request: Request) -> HTTPResponse:
    """GET /webhooks/telegram/handoff?after=<id>: what is new for every Telegram conversation."""
    try:
        after = cursor(request)
        if after is None:  # a bridge with no saved cursor starts from now
            return response.json({"messages": [], "last": await in_thread(handoffs.last_message_id)})
        rows = await in_thread(handoffs.messages, channel="telegram", after=after, authors=FOR_CLIENTS)
    except Refused as refused:
        return refused.reply()
    except Exception as problem:
        logger.error("Handoff poll failed (Telegram bridge): %s.", type(problem).__name__)
        return response.json({"error": "Try again shortly.", "code": "unavailable"}, status=503)
    return response.json({"messages": [for_client(row, with_sender=True) for row in rows],
                          "last": rows[-1].id if rows else after})


# The staff app's side ----------------------------------------------------------------------


def staff_request(request: Request) -> Dict[str, Any]:
    """The JSON body of a staff call: a handoff id and a staff username, at least."""
    if len(request.body or b"") > MAX_STAFF_BODY_BYTES:
        raise Refused(413, "too_large", "The body is too large.")
    try:
        body = json.loads((request.body or b"{}").decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(400, "bad_request", "The body must be JSON.") from None
    if not isinstance(body, dict):
        raise Refused(400, "bad_request", "The body must be a JSON object.")
    handoff_id, staff_user = body.get("handoff"), body.get("staff_user")
    if not isinstance(handoff_id, int) or isinstance(handoff_id, bool) or not 0 < handoff_id < MAX_CURSOR:
        raise Refused(400, "bad_request", "`handoff` must be a handoff id.")
    if not isinstance(staff_user, str) or not 0 < len(staff_user) <= 64:
        raise Refused(400, "bad_request", "`staff_user` must be a staff username.")
    return body


async def the_handoff(handoff_id: int) -> Handoff:
    handoff = await in_thread(handoffs.get, handoff_id)
    if handoff is None:
        raise Refused(404, "not_found", "No such handoff.")
    return handoff


def staff_metadata(handoff_or_user: Any, staff_name: Optional[str] = None) -> Dict[str, Any]:
    if isinstance(handoff_or_user, Handoff):
        return {"staff_user": handoff_or_user.staff_user, "staff_name": handoff_or_user.staff_name}
    return {"staff_user": handoff_or_user, "staff_name": staff_name}


async def take(request: Request) -> Dict[str, Any]:
    body = staff_request(request)
    staff_name = body.get("staff_name")
    if not isinstance(staff_name, str) or len(staff_name) > handoffs.MAX_CHAT_NAME_CHARS \
            or not handoffs.CHAT_NAME.fullmatch(staff_name.strip()):
        raise Refused(400, "bad_request", "`staff_name` must be a first name (letters, at most 40 characters).")
    handoff = await the_handoff(body["handoff"])
    if not await in_thread(handoffs.take, handoff.id, body["staff_user"], staff_name.strip()):
        raise Refused(409, "taken", "Someone else has taken this chat, or it has ended.")
    joined = {"recipient_id": handoff.conversation_id,
              **domain_reply(request.app.ctx.agent.domain, "utter_staff_joined", staff_name=staff_name.strip())}
    metadata = {"utter_action": "utter_staff_joined", **staff_metadata(body["staff_user"], staff_name.strip())}
    await append(request.app.ctx.agent, handoff.conversation_id, [BotUttered(joined["text"], metadata=metadata)])
    # Said once, when the person joins: their own messages carry no disclaimer.
    await deliver(handoff, ASSISTANT, finish_turn([joined], handoff.conversation_id))
    logger.info("A staff member took a handoff (conversation %s).", conversation_ref(handoff.conversation_id))
    return {"ok": True}


async def send(request: Request) -> Dict[str, Any]:
    body = staff_request(request)
    text = body.get("text")
    if not isinstance(text, str):
        raise Refused(400, "bad_request", "`text` must be a string.")
    text = clean_text(text)
    if not text:
        raise Refused(400, "empty", "The message is empty.")
    if len(text) > handoffs.MAX_STAFF_MESSAGE_CHARS:
        raise Refused(400, "too_long", f"A message can be at most {handoffs.MAX_STAFF_MESSAGE_CHARS} characters.")
    handoff = await the_handoff(body["handoff"])
    if handoff.state != handoffs.LIVE or handoff.staff_user != body["staff_user"]:
        raise Refused(409, "not_yours", "This chat is not yours, or it has ended.")
    # Stored in the conversation first: a message the record would lack is not sent at all.
    if not await append(request.app.ctx.agent, handoff.conversation_id, [BotUttered(text, metadata=staff_metadata(handoff))]):
        raise Refused(503, "unavailable", "The message could not be stored, so it was not sent: try again.")
    message_id = await in_thread(handoffs.add_message, handoff, STAFF, {"text": text, "staff_name": handoff.staff_name})
    return {"id": message_id}


async def hand_back(request: Request) -> Dict[str, Any]:
    body = staff_request(request)
    handoff = await the_handoff(body["handoff"])
    if not await in_thread(handoffs.end, handoff.id, handoffs.HANDED_BACK, body["staff_user"]):
        raise Refused(409, "not_yours", "This chat is not yours, or it has ended.")
    if not await resume(request.app.ctx.agent, handoff, ["utter_handed_back"]):
        raise Refused(503, "unavailable", "The chat has ended, but the assistant could not take it back yet: "
                                          "it will as soon as the visitor writes again.")
    logger.info("A handoff was handed back (conversation %s).", conversation_ref(handoff.conversation_id))
    return {"ok": True}


async def visitor_leaves(request: Request, sender: str) -> HTTPResponse:
    """The visitor started over (the widget's "Start over", Telegram's /reset) during a handoff:
    it ends, so no one types to an empty room, and the old conversation is the assistant's again."""
    try:
        handoff = await open_handoff(sender)
        if handoff and await in_thread(handoffs.end, handoff.id, handoffs.VISITOR_LEFT):
            await resume(request.app.ctx.agent, handoff, [])
            logger.info("The visitor left a handoff (conversation %s).", conversation_ref(sender))
    except Exception as problem:
        logger.error("Could not end a handoff (conversation %s): %s.", conversation_ref(sender), type(problem).__name__)
        return response.json({"error": "Try again shortly.", "code": "unavailable"}, status=503)
    return response.json({"state": "none"})


# Ending --------------------------------------------------------------------------------------


async def resume(agent: Any, handoff: Handoff, responses: List[str]) -> bool:
    """The handoff has ended (its row, first: that is the one atomic decision): the assistant
    answers again, and its lines reach the client. Whether the resume was stored."""
    said = await resume_conversation(agent, handoff.conversation_id, responses)
    if said is None:
        return False
    if said:
        await deliver(handoff, ASSISTANT, finish_turn(said, handoff.conversation_id))
    return True


def overdue(handoff: Handoff, now: Optional[datetime] = None) -> bool:
    now = now or datetime.now(timezone.utc)
    return handoff.requested_at <= now - timedelta(seconds=handoffs.wait_seconds())


async def nobody_came(agent: Any, handoff: Handoff) -> None:
    """End a handoff nobody took in time (if no one else has just ended or taken it)."""
    # Only a handoff still waiting: one taken a moment ago is the staff member's now.
    if await in_thread(handoffs.end, handoff.id, handoffs.NOBODY_CAME, only_waiting=True):
        await resume(agent, handoff, ["utter_live_chat_nobody", "utter_offer_callback"])
        logger.info("Nobody took a handoff in time (conversation %s).", conversation_ref(handoff.conversation_id))


async def watch_overdue(app: Any) -> None:
    """Runs beside the server: ends handoffs nobody took in time, every few seconds."""
    while True:
        await asyncio.sleep(OVERDUE_CHECK_SECONDS)
        try:
            for handoff in await in_thread(handoffs.overdue):
                await nobody_came(app.ctx.agent, handoff)
        except asyncio.CancelledError:
            raise
        except Exception as problem:
            logger.error("Could not end overdue handoffs: %s.", type(problem).__name__)
