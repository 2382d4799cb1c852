"""A fake Telegram Bot API server on loopback, for the real PTB client to talk to.

It does what Telegram does for the methods the bridge uses, strictly enough
to catch what Telegram would refuse: HTML that doesn't parse (unknown tags,
unescaped "<" or "&", unclosed tags), messages over 4096 visible characters,
callback_data over 64 bytes, link buttons that are not http(s) or tg://.

Tests script it: `push()` queues an update for getUpdates (or `post_webhook()`
delivers it to the bridge's webhook, with a chosen secret token), `fail()`
makes the next calls of a method fail (a 502, a 429 with retry_after, a 400
such as "can't parse entities"; `block()` makes one chat refuse every
message, as when its person blocked the bot), and `turn()` waits for the bridge's whole
answer to one message: once a message ending with the disclaimer has arrived,
it waits until the chat has been quiet for a moment and returns everything
sent to it since the last turn collected, so an extra message or a second
disclaimer shows up in the turn (and check_turn fails on it).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

import knowledge

BOT = {"id": 424242, "is_bot": True, "first_name": "IOP assistant", "username": "iop_test_bot"}
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler", "span", "blockquote"}
ENTITY = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")
TAG = re.compile(r"</?[a-zA-Z][\w-]*(?:\s[^<>]*)?>")
MAX_TEXT = 4096
MAX_WAIT = 1.0  # seconds a getUpdates long poll is held, at most (keeps shutdown quick)
QUIET = 0.3  # seconds without a new message to a chat after which its turn counts as over


class ParseError(ValueError):
    pass


class Refused(Exception):
    """Any other refusal: a status and Telegram's description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


class _Visible(HTMLParser):
    """Telegram's reading of an HTML message: the visible text, or a ParseError."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: List[str] = []
        self.open: List[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in ALLOWED_TAGS:
            raise ParseError(f'Unsupported start tag "{tag}"')
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            raise ParseError(f'Unmatched end tag "{tag}"')

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(text: str, parse_mode: Optional[str]) -> str:
    if parse_mode != "HTML":
        return text
    if ENTITY.search(text):
        raise ParseError("Unescaped &")
    if re.search("[<>]", TAG.sub("", text)):
        raise ParseError("Unescaped < or >")
    parser = _Visible()
    parser.feed(text)
    parser.close()
    if parser.open or parser.rawdata:
        raise ParseError("Unclosed tag")
    return "".join(parser.parts)


def check_keyboard(markup: Optional[dict]) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            if "callback_data" in button:
                if not 1 <= len(button["callback_data"].encode()) <= 64:
                    raise ParseError("BUTTON_DATA_INVALID")
            elif not re.match(r"(https?|tg)://", button.get("url", "")):
                raise ParseError("BUTTON_URL_INVALID")


@dataclass
class Sent:
    """A message the bot sent, as the person sees it."""

    chat_id: int
    message_id: int
    html: str
    text: str  # visible text
    keyboard: List[List[dict]] = field(default_factory=list)

    def titles(self) -> List[List[str]]:
        return [[button["text"] for button in row] for row in self.keyboard]

    def as_message(self) -> dict:
        message = {"message_id": self.message_id, "date": int(time.time()), "from": BOT, "chat": {"id": self.chat_id, "type": "private", "first_name": "Test"}, "text": self.text}
        if self.keyboard:
            message["reply_markup"] = {"inline_keyboard": self.keyboard}
        return message


class FakeBotAPI:
    def __init__(self, token: str = "123456:TEST-token") -> None:
        self.token = token
        self.calls: List[Tuple[str, dict]] = []
        self.sent: List[Sent] = []
        self.webhook: Optional[dict] = None
        self._updates: List[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._failures: Dict[str, List[Tuple[int, dict]]] = {}
        self._changed = asyncio.Event()
        self._collected: Dict[int, int] = {}  # per chat: sent messages already returned by turn()
        self._last_sent: Dict[int, float] = {}  # per chat: when the last message was sent
        self._runner: Optional[web.AppRunner] = None
        self._blocked: set = set()
        self.port = 0

    # Server ------------------------------------------------------------------

    async def start(self) -> "FakeBotAPI":
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        self._changed.set()
        failures = self._failures.get(method)
        if failures:
            status, body = failures.pop(0)
            return web.json_response(body, status=status)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        try:
            result = await handler(params)
        except ParseError as problem:
            return self._error(400, f"Bad Request: {problem}")
        except Refused as problem:
            return self._error(problem.status, problem.description)
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    async def _params(request: web.Request) -> dict:
        if request.content_type == "application/json":
            return await request.json()
        params = {}
        for key, value in (await request.post()).items():
            value = str(value)
            params[key] = json.loads(value) if value[:1] in "[{" else value
        return params

    @staticmethod
    def _error(status: int, description: str, **extra: Any) -> web.Response:
        return web.json_response({"ok": False, "error_code": status, "description": description, **extra}, status=status)

    # Bot API methods -----------------------------------------------------------

    async def _api_getMe(self, params: dict) -> dict:
        return BOT

    async def _api_setMyCommands(self, params: dict) -> bool:
        return True

    async def _api_deleteWebhook(self, params: dict) -> bool:
        self.webhook = None
        return True

    async def _api_setWebhook(self, params: dict) -> bool:
        self.webhook = params
        return True

    async def _api_getUpdates(self, params: dict) -> List[dict]:
        offset = int(params.get("offset", 0) or 0)
        self._updates = [update for update in self._updates if update["update_id"] >= offset]
        if not self._updates:
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(float(params.get("timeout", 0) or 0), MAX_WAIT))
            except asyncio.TimeoutError:
                pass
        return self._updates[:100]

    async def _api_sendMessage(self, params: dict) -> dict:
        if int(params["chat_id"]) in self._blocked:
            raise Refused(403, "Forbidden: bot was blocked by the user")
        text = visible_text(params["text"], params.get("parse_mode"))
        if not text.strip():
            raise ParseError("message text is empty")
        if len(text) > MAX_TEXT:
            raise ParseError("message is too long")
        markup = params.get("reply_markup")
        check_keyboard(markup)
        sent = Sent(int(params["chat_id"]), next(self._message_ids), params["text"], text, (markup or {}).get("inline_keyboard", []))
        self.sent.append(sent)
        self._last_sent[sent.chat_id] = time.monotonic()
        self._changed.set()
        return sent.as_message()

    async def _api_editMessageReplyMarkup(self, params: dict) -> dict:
        markup = params.get("reply_markup")
        check_keyboard(markup)
        message = self.message(int(params["chat_id"]), int(params["message_id"]))
        message.keyboard = (markup or {}).get("inline_keyboard", [])
        return message.as_message()

    async def _api_answerCallbackQuery(self, params: dict) -> bool:
        return True

    # Scripting -------------------------------------------------------------------

    def fail(self, method: str, status: int, description: str, times: int = 1, **extra: Any) -> None:
        """The next `times` calls of `method` get this error."""
        body = {"ok": False, "error_code": status, "description": description, **extra}
        self._failures.setdefault(method, []).extend([(status, body)] * times)

    def block(self, chat_id: int) -> None:
        """The person in `chat_id` blocked the bot: sendMessage there is Forbidden (403)."""
        self._blocked.add(chat_id)

    def sent_to(self, chat_id: int) -> List[Sent]:
        return [sent for sent in self.sent if sent.chat_id == chat_id]

    async def message_containing(self, chat_id: int, text: str, timeout: float = 60) -> Sent:
        """The first message sent to the chat whose visible text contains `text`, once there is one."""
        await self.wait_until(lambda: any(text in sent.text for sent in self.sent_to(chat_id)), timeout)
        return next(sent for sent in self.sent_to(chat_id) if text in sent.text)

    def message(self, chat_id: int, message_id: int) -> Sent:
        return next(sent for sent in self.sent if sent.chat_id == chat_id and sent.message_id == message_id)

    def update(self, kind: str, payload: dict) -> dict:
        return {"update_id": next(self._update_ids), kind: payload}

    def push(self, *updates: dict) -> None:
        """Updates for the bridge's next getUpdates, in this order."""
        self._updates.extend(updates)
        self._changed.set()

    def user_message(self, chat_id: int, text: Optional[str] = None, chat_type: str = "private", **fields: Any) -> dict:
        """A message update from a person (a command gets its bot_command entity)."""
        chat = {"id": chat_id, "type": chat_type}
        chat.update({"first_name": "Test"} if chat_type == "private" else {"title": "A group"})
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": abs(chat_id) if chat_type == "private" else 777, "is_bot": False, "first_name": "Test"},
            **fields,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.update("message", message)

    def press(self, sent: Sent, title: str) -> dict:
        """A callback query update: the person taps the button `title` under `sent`."""
        button = next(button for row in sent.keyboard for button in row if button["text"] == title)
        return self.update(
            "callback_query",
            {
                "id": str(next(self._update_ids)),
                "from": {"id": sent.chat_id, "is_bot": False, "first_name": "Test"},
                "chat_instance": "1",
                "data": button["callback_data"],
                "message": sent.as_message(),
            },
        )

    async def post_webhook(self, update: dict, secret: Optional[str], port: int) -> int:
        """Deliver an update to the webhook the bridge registered, as the HTTPS proxy in front
        of it would (plain HTTP to 127.0.0.1:`port`, the registered URL's path); the HTTP status."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        url = f"http://127.0.0.1:{port}{urlsplit(self.webhook['url']).path}"
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=update, headers=headers) as reply:
                return reply.status

    async def wait_until(self, condition, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; calls so far: {[method for method, _ in self.calls][-20:]}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), 0.2)
            except asyncio.TimeoutError:
                pass

    async def turns(self, chat_id: int, count: int = 1, timeout: float = 60) -> List[List[Sent]]:
        """The bridge's next `count` turns in this chat, once the chat is quiet again.

        Everything sent to the chat since the last turn collected, split after
        each message that ends with the disclaimer; messages after the last
        such one form a group of their own (on which check_turn fails).
        """
        disclaimer = knowledge.disclaimer()
        start = self._collected.get(chat_id, 0)

        def mine() -> List[Sent]:
            return [sent for sent in self.sent if sent.chat_id == chat_id][start:]

        await self.wait_until(lambda: sum(sent.text.endswith(disclaimer) for sent in mine()) >= count, timeout)
        while time.monotonic() - self._last_sent[chat_id] < QUIET:
            await asyncio.sleep(QUIET - (time.monotonic() - self._last_sent[chat_id]))
        messages = mine()
        self._collected[chat_id] = start + len(messages)
        groups: List[List[Sent]] = [[]]
        for sent in messages:
            groups[-1].append(sent)
            if sent.text.endswith(disclaimer):
                groups.append([])
        return groups if groups[-1] else groups[:-1]

    async def turn(self, chat_id: int, timeout: float = 60) -> List[Sent]:
        """The bridge's next turn in this chat: everything it sent until the chat was quiet again."""
        start = self._collected.get(chat_id, 0)
        await self.turns(chat_id, 1, timeout)
        return [sent for sent in self.sent if sent.chat_id == chat_id][start : self._collected[chat_id]]

    def calls_of(self, method: str) -> List[dict]:
        return [params for name, params in self.calls if name == method]
