"""The REST channel every client uses, with the project's invariants built in.

Rasa's own RestInput, changed at the one place a whole bot turn is known:

* **Ownership (invariant 7).** A client asks for a conversation
  (`POST /webhooks/rest/conversations`, body `{}`) and gets
  `{"sender": ..., "token": ...}`; each message then carries
  `Authorization: Bearer <token>`. A message without a valid token for its
  `sender` is refused with a 403 and a JSON `error` (and `code`), and stores
  nothing. An expired token is renewed at the same address with the
  conversation's `sender` in the body and the old token in the header
  (channels/ownership.py). The Telegram bridge has its own endpoint
  (channels/telegram_bridge_input.py). The server, not the client, names the
  channel a message came from; `input_channel` and `metadata` in a request
  are ignored, so nothing a client sends is stored beyond its text.
* **Bounded input (invariant 5).** JSON only (415 otherwise), a body of at
  most MAX_BODY_BYTES (413), nesting at most MAX_JSON_DEPTH deep, a sender of
  at most MAX_SENDER_CHARS and text of at most MAX_MESSAGE_CHARS; every
  malformed body gets a 400 with a reason instead of Rasa's 500. Text is
  cleaned of control characters, and a run without spaces longer than
  MAX_RUN_CHARS is broken up (break_long_runs); an empty message gets a
  gentle prompt without reaching Rasa.
* **Rate limits.** Per client address and per conversation
  (channels/rate_limits.py): a message over the limit gets `utter_too_fast`
  with a 429 and is not read, unless it reads as a crisis, which is always
  answered (invariant 8).
* **The disclaimer (invariant 1).** The turn's last message ends with the
  not-medical-advice disclaimer (knowledge/disclaimer.yml). Responses, custom
  actions, fallbacks, forms and errors all pass through here, so none can
  leave it out, and it is added once per turn rather than under every bubble.
  That message also carries the disclaimer in a `disclaimer` field, so a rich
  client (the website widget) can show it as small print.
* **Erasing.** When the person has confirmed "delete my conversation"
  (utter_conversation_deleted, whose payload says so), every row of the
  conversation is erased before the reply leaves (staff_review/erase.py).
* **Errors.** An error inside Rasa, or a custom action that fails (the action
  server is down, say: Rasa would then answer with a misleading "I didn't
  understand"), becomes an apology with the centre's phone number and the
  crisis lines, never an empty or wrong reply.

Logs name a conversation by a keyed hash (`conversation_ref`), never by its
id, and never carry message text. The channel keeps the name "rest", so the
webhook stays at /webhooks/rest/webhook.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import handoff, ownership
from channels.ownership import OwnershipRefused, conversation_ref
from channels.rasa_failures import failures_noticed, watch_rasa_failures
from channels.rate_limits import DEFAULT_CLIENT, DEFAULT_CONVERSATION, TokenBuckets, message_cost
from channels.replies import (  # noqa: F401  (clean_text is part of this module's interface too)
    NamingCollector, bot_message, clean_text, crisis_bubble, crisis_language, domain_reply, empty_message_reply,
    finish_turn, reads_as_crisis,
)

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
# Over the rate limit, a message is read for a crisis up to this many
# characters from its beginning and as many from its end.
OVER_LIMIT_GLIMPSE = 1000
# The custom payload of utter_conversation_deleted: erase this conversation.
DELETED = "conversation_deleted"
# The whole request body: 20,000 characters of ordinary text fit, with room
# for the JSON around them; a bigger body is refused (413) before it is read.
MAX_BODY_BYTES = 48 * 1024
# {"sender": ..., "message": ...} is one level; a little room for clients
# that send a flat `metadata` object (ignored).
MAX_JSON_DEPTH = 4
# Longer messages are cut here before NLU. Pasted letters are read whole (a
# crisis at the end is still seen): 20,000 characters parse in 0.3-0.7 s, and
# cost more of the rate limit for it (channels/rate_limits.py).
MAX_MESSAGE_CHARS = 20_000
# The longest run of characters without a space that reaches NLU. spaCy's tokenizer takes
# prefixes and suffixes off a run one at a time, in time quadratic in its length: 20,000
# apostrophes took 50 s, and the server answers nobody while it tokenizes. Words are shorter,
# and so are most pasted links; a longer run is cut into pieces of at most MAX_RUN_CHARS, with
# a space between them (nothing is dropped; staff see the spaces).
MAX_RUN_CHARS = 200
LONG_RUN = re.compile(rf"(?<!\S)\S{{{MAX_RUN_CHARS + 1},}}")
# A run's words and what lies between them: a cut falls between two of these where it can,
# so that "!!!!...!!!suicide" keeps its word whole for the crisis lexicon.
WORD_OR_SYMBOLS = re.compile(r"\w+|[^\w\s]+")


class BadRequest(ValueError):
    pass


def json_depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value (iteratively: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_request(body: bytes) -> Tuple[str, str]:
    """(sender, message) from a webhook body, or BadRequest.

    `input_channel` and `metadata` are not read: the server names the channel,
    and nothing else a client sends is stored.
    """
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(f"The body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        payload = json.loads(body.decode("utf-8"))
    except RecursionError:
        raise BadRequest(f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.") from None
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("The body must be JSON: {\"sender\": \"...\", \"message\": \"...\"}.") from None
    if not isinstance(payload, dict):
        raise BadRequest("The body must be a JSON object.")
    if json_depth(payload) > MAX_JSON_DEPTH:
        raise BadRequest(f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.")
    sender = payload.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest("`sender` is required: a conversation id string.")
    if len(sender) > MAX_SENDER_CHARS or clean_text(sender) != sender:
        raise BadRequest(f"`sender` must be at most {MAX_SENDER_CHARS} printable characters.")
    message = payload.get("message", "")
    if message is None:
        message = ""
    if not isinstance(message, str):
        raise BadRequest("`message` must be a string.")
    return sender, break_long_runs(clean_text(message)[:MAX_MESSAGE_CHARS])


def break_long_runs(text: str) -> str:
    """`text` with every run without spaces cut into pieces of at most MAX_RUN_CHARS."""
    return LONG_RUN.sub(lambda run: " ".join(pieces_of(run.group(0))), text)


def pieces_of(run: str) -> List[str]:
    """`run` in pieces of at most MAX_RUN_CHARS, cut between words and symbols where possible;
    only a word (or a stretch of symbols) longer than a piece is cut inside."""
    pieces, current = [], ""
    for part in WORD_OR_SYMBOLS.findall(run):
        while len(part) > MAX_RUN_CHARS:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(part[:MAX_RUN_CHARS])
            part = part[MAX_RUN_CHARS:]
        if len(current) + len(part) > MAX_RUN_CHARS:
            pieces.append(current)
            current = ""
        current += part
    return pieces + [current] if current else pieces


# A button's payload: "/intent" or "/intent{"entity": "value"}".
PAYLOAD = re.compile(r"/(?P<intent>\w{1,64})(?P<entities>\{.{0,500}\})?", re.DOTALL)
# Entity values in our buttons' payloads are ids (a level of care, a form field).
PAYLOAD_VALUE = re.compile(r"[a-z0-9_]{1,64}")


def words_unless_payload(text: str, intents: Iterable[str], entities: Iterable[str]) -> str:
    """Text as Rasa should read it: a payload only if it is one our buttons could send.

    Rasa takes any message starting with "/" as an intent payload, skipping
    the NLU pipeline, so "/greet@1 I want to kill myself" would never reach
    the crisis net (and Rasa would log the malformed line, text and all). So
    a payload must name a domain intent, with at most a flat object of domain
    entities whose values are ids; anything else loses its leading slashes
    and is read as words.
    """
    if not text.startswith("/"):
        return text
    found = PAYLOAD.fullmatch(text)
    if found and found["intent"] in intents:
        if not found["entities"]:
            return text
        try:
            given = json.loads(found["entities"])
        except ValueError:
            given = None
        if isinstance(given, dict) and all(
            key in entities and isinstance(value, str) and PAYLOAD_VALUE.fullmatch(value) for key, value in given.items()
        ):
            return text
    return text.lstrip("/").strip()




def refusal(status: int, error: str, code: str, **extra: Any) -> HTTPResponse:
    return response.json({"error": error, "code": code, **extra}, status=status)


def is_json(request: Request) -> bool:
    return (request.content_type or "").split(";")[0].strip().lower() == "application/json"


class DisclaimedRestInput(InputChannel):
    """The public webhook: website widget, `make shell`, any other client."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def __init__(self) -> None:
        self.conversation_limits = TokenBuckets.from_env("RATE_LIMIT_CONVERSATION", DEFAULT_CONVERSATION)
        self.client_limits = TokenBuckets.from_env("RATE_LIMIT_CLIENT", DEFAULT_CLIENT)
        # Crisis messages skip the limits above, within an allowance of their
        # own per client; beyond it they still get the crisis reply, from here.
        self.crisis_allowance = TokenBuckets(20, 20)
        # The widget polls every 2 s during a handoff: 60 a minute, with room for a reload.
        self.poll_limits = TokenBuckets(30, 90)

    # What differs between the public webhook and the Telegram bridge's -------

    def authorize(self, request: Request, sender: str) -> None:
        """Raise OwnershipRefused unless the request proves it owns `sender`."""
        if ownership.BRIDGE_ONLY_ID.fullmatch(sender):
            raise OwnershipRefused("wrong_channel", "This conversation can't be reached from here.")
        ownership.check_token(ownership.bearer_token(request.headers), sender)

    def client_key(self, request: Request) -> Optional[str]:
        """Whose per-client limit a request counts against (None: no per-client limit)."""
        return request.remote_addr or request.ip

    # The routes -------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"{self.name()}_webhook", __name__)
        watch_rasa_failures()  # channels/rasa_failures.py
        ownership.hide_conversation_ids_in_logs()  # Rasa has set up its log handlers by now

        @webhook.listener("before_server_start")
        async def cap_request_bodies(app, _loop) -> None:
            # Read at each new connection: a bigger body is refused before it
            # is read into memory. Rasa's other routes take small bodies too
            # (its HTTP API, which would take models, is not enabled).
            app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
            # Sanic's own refusals (413 and the like) as JSON with a reason, not HTML.
            app.config.FALLBACK_ERROR_FORMAT = "json"

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.handle_message(request, on_new_message)

        self.add_routes(webhook)
        return webhook

    def add_routes(self, webhook: Blueprint) -> None:
        @webhook.route("/conversations", methods=["POST"])
        async def conversations(request: Request) -> HTTPResponse:
            return self.hand_out_conversation(request)

        # A live handoff (docs/handoff.md): the widget's poll, and the staff app's calls.
        @webhook.route("/conversations/<sender>/handoff", methods=["GET"])
        async def handoff_poll(request: Request, sender: str) -> HTTPResponse:
            refused = self.refused_unless_owner(request, sender)
            if refused:
                return refused
            # Per conversation, not per address: the poll is authenticated, and several
            # visitors behind one office or hospital address must not share one limit.
            wait = self.poll_limits.take(sender)
            if wait is not None:
                return refusal(429, "Polling too fast.", "rate_limited", retry_after=round(wait, 1))
            return await handoff.visitor_poll(request, sender)

        @webhook.route("/conversations/<sender>/handoff/end", methods=["POST"])
        async def handoff_end(request: Request, sender: str) -> HTTPResponse:
            refused = self.refused_unless_owner(request, sender)
            if refused:
                return refused
            return await handoff.visitor_leaves(request, sender)

        for step in (handoff.take, handoff.send, handoff.hand_back):
            webhook.add_route(self.staff_route(step), f"/handoff/{step.__name__}", methods=["POST"],
                              name=f"handoff_{step.__name__}")

        @webhook.listener("after_server_start")
        async def watch_overdue_handoffs(app, _loop) -> None:
            app.add_task(handoff.watch_overdue(app))

    def refused_unless_owner(self, request: Request, sender: str) -> Optional[HTTPResponse]:
        """None if the request proves it owns the conversation; the 403 to answer otherwise."""
        try:
            self.authorize(request, sender)
        except OwnershipRefused as refused:
            return refusal(403, str(refused), refused.code)
        return None

    def staff_route(self, step: Callable[[Request], Awaitable[Dict[str, Any]]]) -> Callable[[Request], Awaitable[HTTPResponse]]:
        """A handoff step the staff app calls, behind the staff secret (docs/handoff.md)."""

        async def route(request: Request) -> HTTPResponse:
            if not ownership.is_staff_secret(ownership.bearer_token(request.headers)):
                return refusal(403, "This endpoint is for the staff app only.", "staff_only")
            if not is_json(request):
                return refusal(415, "Send JSON: Content-Type: application/json.", "bad_request")
            try:
                return response.json(await step(request))
            except handoff.Refused as refused:
                return refused.reply()

        return route

    def hand_out_conversation(self, request: Request) -> HTTPResponse:
        """A new conversation, or (with a `sender` and its old token) a fresh token for one."""
        if not is_json(request):
            return refusal(415, "Send JSON: Content-Type: application/json.", "bad_request")
        try:
            payload = json.loads((request.body or b"{}").decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return refusal(400, "The body must be a JSON object: {} for a new conversation.", "bad_request")
        if not isinstance(payload, dict) or json_depth(payload) > 1:
            return refusal(400, "The body must be a flat JSON object: {} for a new conversation.", "bad_request")
        wait = self.client_limits.take(self.client_key(request) or "-")
        if wait is not None:
            return refusal(429, "Too many new conversations: try again shortly.", "rate_limited", retry_after=round(wait, 1))
        sender = payload.get("sender")
        if sender is None:
            sender = ownership.new_conversation_id()
            token = ownership.issue_token(sender)
        else:
            if not isinstance(sender, str) or not ownership.WEBSITE_ID.fullmatch(sender):
                return refusal(400, "`sender` must be a conversation id this server handed out.", "bad_request")
            try:
                token = ownership.renew_token(ownership.bearer_token(request.headers), sender)
            except OwnershipRefused as refused:
                return refusal(403, str(refused), refused.code)
        return response.json({"sender": sender, "token": token, "expires_in": ownership.token_ttl()})

    async def handle_message(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        if not is_json(request):
            return refusal(415, "Send JSON: Content-Type: application/json.", "bad_request")
        try:
            sender, text = parse_request(request.body or b"")
        except BadRequest as problem:
            return refusal(400, str(problem), "bad_request")
        try:
            self.authorize(request, sender)
        except OwnershipRefused as refused:
            return refusal(403, str(refused), refused.code)
        domain = request.app.ctx.agent.domain
        text = words_unless_payload(text, domain.intents, domain.entities)
        if not text:
            return response.json(finish_turn([bot_message(sender, empty_message_reply())], sender))
        limited = await self.over_the_limit(request, sender, text)
        if limited:
            return limited
        handed_over = await handoff.open_handoff(sender)
        if handed_over:  # a person has (or is about to have) this chat: docs/handoff.md
            # Words only: a payload such as /restart would make Rasa take the conversation back
            # from the person while the visitor's messages still go to them.
            text = text.lstrip("/")
            return response.json(await handoff.visitor_turn(self, request, on_new_message, sender, text, handed_over))
        said = await self.collect_turn(on_new_message, sender, text)
        if said == []:  # paused with no handoff open: see handoff.repair_pause
            await handoff.repair_pause(request.app.ctx.agent, sender)
        if not said:  # the turn failed: the apology, or the crisis reply if that is what it was
            return response.json(finish_turn(await self.reply_without_a_turn(request, sender, text), sender))
        turn = finish_turn(said, sender)
        if any((message.get("custom") or {}).get(DELETED) for message in turn):
            turn = await self.erase(request, sender, turn)
        return response.json(turn)

    async def erase(self, request: Request, sender: str, turn: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """The person confirmed "delete my conversation": every row goes, now that the turn is saved.

        Erased before the reply leaves, so "deleted" is only said when it is
        true; if the database refuses, the reply says so instead.
        """
        from staff_review.erase import erase_conversations  # the one place that knows every table

        try:
            await asyncio.to_thread(erase_conversations, [sender], by="the person", via="asked the assistant")
        except Exception as problem:
            logger.error("Could not erase (conversation %s): %s.", conversation_ref(sender), type(problem).__name__)
            return finish_turn([{"recipient_id": sender, **domain_reply(request.app.ctx.agent.domain, "utter_conversation_not_deleted")}], sender)
        logger.info("Erased at the person's request (conversation %s).", conversation_ref(sender))
        return turn

    async def over_the_limit(self, request: Request, sender: str, text: str) -> Optional[HTTPResponse]:
        """None if the message may be read now; otherwise the reply to give instead."""
        client = self.client_key(request)
        cost = message_cost(text)
        waits = [self.conversation_limits.take(sender, cost)]
        if waits[0] is None and client:
            waits = [self.client_limits.take(client, cost)]
            if waits[0] is not None:
                # Refused for the client's sake: the conversation's own allowance is not spent.
                self.conversation_limits.refund(sender, cost)
        waits = [wait for wait in waits if wait is not None]
        if not waits:
            return None
        # Is it a crisis? One NLU parse, nothing stored. Of a long message,
        # the beginning and the end only: reading all of it would cost what
        # the limit is there to refuse.
        glimpse = text if len(text) <= 2 * OVER_LIMIT_GLIMPSE else f"{text[:OVER_LIMIT_GLIMPSE]} … {text[-OVER_LIMIT_GLIMPSE:]}"
        parsed = await request.app.ctx.agent.parse_message(glimpse)
        if not reads_as_crisis(parsed):
            logger.info("Over the rate limit (conversation %s).", conversation_ref(sender))
            turn = finish_turn([{"recipient_id": sender, **domain_reply(request.app.ctx.agent.domain, "utter_too_fast")}], sender)
            return response.json(
                {"error": "Too many messages: wait and send again.", "code": "rate_limited", "messages": turn},
                status=429,
                headers={"Retry-After": str(max(1, round(max(waits))))},
            )
        if self.crisis_allowance.take(client or sender) is None:
            return None  # a crisis: read it as any message, stored and flagged
        reply = crisis_bubble(request.app.ctx.agent.domain, crisis_language(parsed))
        logger.warning("A crisis message over every limit got the crisis reply (conversation %s).", conversation_ref(sender))
        return response.json(finish_turn([{"recipient_id": sender, **reply}], sender))

    async def reply_without_a_turn(self, request: Request, sender: str, text: str) -> List[Dict[str, Any]]:
        """When a turn failed (the database or the action server is down): the crisis reply if the
        message reads as a crisis (invariant 8: one NLU parse, which needs neither), else nothing,
        which finish_turn makes the apology with the phone number and the crisis lines."""
        try:
            parsed = await request.app.ctx.agent.parse_message(text)
        except Exception as problem:
            logger.error("Could not read a message after a failed turn: %s.", type(problem).__name__)
            return []
        if not reads_as_crisis(parsed):
            return []
        logger.warning("A crisis message in a failed turn got the crisis reply (conversation %s).", conversation_ref(sender))
        return [{"recipient_id": sender, **crisis_bubble(request.app.ctx.agent.domain, crisis_language(parsed))}]

    async def collect_turn(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], sender: str, text: str
    ) -> Optional[List[Dict[str, Any]]]:
        """What Rasa said to the message (nothing, in a paused conversation), or None if the
        turn failed: then the reply is the apology with the phone number and the crisis lines."""
        collector = NamingCollector()
        reference = conversation_ref(sender)
        with failures_noticed() as failures:
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name()))
            except CancelledError:
                logger.error("Rasa did not answer in time (conversation %s).", reference)
                return None
            except Exception as problem:
                # The exception's type only: its message may quote what was said.
                logger.error("Rasa failed on a message (conversation %s): %s.", reference, type(problem).__name__)
                return None
        if failures:
            if any((message.get("custom") or {}).get("crisis") for message in collector.messages):
                # The crisis reply came, though the turn could not be stored: it stands.
                logger.error("A crisis turn could not be completed or stored (conversation %s).", reference)
                return collector.messages
            # A custom action failed, or the turn could not be stored (see the log
            # above this line): the reply can't be trusted, and must not say "saved".
            logger.error("A custom action or the tracker store failed (conversation %s); sent the apology.", reference)
            return None
        return collector.messages
