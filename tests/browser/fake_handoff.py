"""A stand-in for the Rasa server's side of a live handoff (docs/handoff.md), for the widget's
polling tests: what the real server can't easily be made to do on cue (fail five polls in a
row, answer slowly, refuse a token mid-handoff), and a count of every poll the widget makes.

It speaks the contract's HTTP: conversations and their tokens, the webhook (asking for a
person, "/live_chat", the visitor's messages, a crisis message) and
GET /webhooks/rest/conversations/<sender>/handoff?after=<id>. The tests in
test_handoff_widget.py check the same widget against the real server.
"""
from __future__ import annotations

import asyncio
import itertools
import threading
import time
from typing import Any, Dict, List, Optional

from aiohttp import web

import knowledge

DISCLAIMER = knowledge.disclaimer()
LIVE_CHAT = "Chat with our admissions team now"
CRISIS_WORDS = ("kill myself",)


class FakeAssistant:
    def __init__(self) -> None:
        self.port: Optional[int] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self.reset()

    def reset(self) -> None:
        """As new, for the next test (the server keeps running)."""
        self.tokens: Dict[str, str] = {}  # token -> sender
        self.expired: set = set()
        self.counter = itertools.count(1)
        self.state = "none"
        self.staff_name: Optional[str] = None
        self.messages: List[Dict[str, Any]] = []  # for the visitor, ids ascending
        self.visitor_messages: List[str] = []
        self.polls: List[Dict[str, Any]] = []  # every poll: time, after, token, status
        self.in_flight = 0
        self.most_in_flight = 0
        self.poll_delay = 0.0
        self.failures = 0  # the next n polls get a 500
        self.refusal: Optional[str] = None  # every poll gets a 403 with this code

    # -- what the tests do -----------------------------------------------------------

    def say(self, author: str, text: str, **fields: Any) -> int:
        """A message for the visitor, as the Rasa server adds it to the handoff line."""
        message = {"id": len(self.messages) + 1, "author": author, "text": text, **fields}
        if author == "staff":
            message.setdefault("staff_name", self.staff_name)
        self.messages.append(message)
        return message["id"]

    def take(self, name: str = "Maria") -> None:
        self.staff_name, self.state = name, "live"
        self.say("assistant", f"{name} from admissions has joined the chat.\n\n{DISCLAIMER}",
                 response="utter_staff_joined", staff_name=name, disclaimer=DISCLAIMER)

    def hand_back(self) -> None:
        self.say("assistant", f"You're back with the assistant.\n\n{DISCLAIMER}",
                 response="utter_handed_back", disclaimer=DISCLAIMER)
        self.state, self.staff_name = "none", None

    def nobody_came(self) -> None:
        """The wait timed out: the assistant's turn of two bubbles, the second with the callback offer."""
        self.say("assistant", "I'm sorry, no one from our admissions team could join the chat just now.",
                 response="utter_live_chat_nobody")
        self.say("assistant", f"Would you like them to call you back?\n\n{DISCLAIMER}", response="utter_offer_callback",
                 buttons=[{"title": "Yes, call me back", "payload": "/request_callback"}], disclaimer=DISCLAIMER)
        self.state = "none"

    def expire_tokens(self) -> None:
        self.expired.update(self.tokens)

    def polls_since(self, moment: float) -> List[Dict[str, Any]]:
        return [poll for poll in list(self.polls) if poll["at"] >= moment]

    # -- the server ---------------------------------------------------------------------

    def _issue(self, sender: str) -> str:
        token = f"token-{next(self.counter)}"
        self.tokens[token] = sender
        return token

    @staticmethod
    def _bearer(request: web.Request) -> str:
        return request.headers.get("Authorization", "").replace("Bearer ", "", 1)

    def _check(self, request: web.Request, sender: str) -> Optional[web.Response]:
        token = self._bearer(request)
        if token in self.expired:
            return web.json_response({"error": "expired", "code": "token_expired"}, status=403)
        if self.tokens.get(token) != sender:
            return web.json_response({"error": "not valid", "code": "token_invalid"}, status=403)
        return None

    async def conversations(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender = body.get("sender")
        if sender:
            if self.tokens.get(self._bearer(request)) != sender:
                return web.json_response({"error": "no", "code": "token_invalid"}, status=403)
        else:
            sender = f"web-{next(self.counter):08d}"
        return web.json_response({"sender": sender, "token": self._issue(sender), "expires_in": 3600})

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        refused = self._check(request, body.get("sender"))
        if refused is not None:
            return refused
        text = body.get("message", "")
        end = {"recipient_id": body["sender"], "disclaimer": DISCLAIMER}
        if any(word in text for word in CRISIS_WORDS):
            return web.json_response([{
                **end, "text": f"If you are in danger, call 911.\n\n{DISCLAIMER}",
                "custom": knowledge.crisis_payload(), "response": "utter_crisis",
            }])
        if self.state != "none":
            self.visitor_messages.append(text)
            return web.json_response([])
        if text == "/live_chat":
            self.state = "waiting"
            return web.json_response([{
                **end, "text": f"I've asked the admissions team to join.\n\n{DISCLAIMER}",
                "custom": {"handoff": "waiting"}, "response": "utter_live_chat_waiting",
            }])
        if "real person" in text:
            return web.json_response([{
                **end, "text": f"Someone from our admissions team is in now.\n\n{DISCLAIMER}",
                "buttons": [{"title": LIVE_CHAT, "payload": "/live_chat"},
                            {"title": "Request a callback", "payload": "/request_callback"}],
            }])
        return web.json_response([{**end, "text": f"An answer from the assistant.\n\n{DISCLAIMER}"}])

    async def handoff(self, request: web.Request) -> web.Response:
        poll = {"at": time.monotonic(), "after": request.query.get("after"), "token": self._bearer(request)}
        self.polls.append(poll)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.poll_delay:
                await asyncio.sleep(self.poll_delay)
            if self.refusal:
                poll["status"] = 403
                return web.json_response({"error": "no", "code": self.refusal}, status=403)
            refused = self._check(request, request.match_info["sender"])
            if refused is not None:
                poll["status"] = 403
                return refused
            if self.failures:
                self.failures -= 1
                poll["status"] = 500
                return web.json_response({"error": "down"}, status=500)
            after = int(request.query.get("after", "0"))
            fresh = [message for message in self.messages if message["id"] > after]
            poll["status"] = 200
            return web.json_response({
                "state": self.state, "staff_name": self.staff_name, "messages": fresh,
                "last": max([after] + [message["id"] for message in fresh]),
            })
        finally:
            self.in_flight -= 1

    def app(self) -> web.Application:
        @web.middleware
        async def cors(request: web.Request, handler):
            if request.method == "OPTIONS":
                response = web.Response()
            else:
                response = await handler(request)
            response.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin", "*")
            response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            return response

        app = web.Application(middlewares=[cors])
        app.router.add_route("*", "/webhooks/rest/conversations", self._any(self.conversations))
        app.router.add_route("*", "/webhooks/rest/webhook", self._any(self.webhook))
        app.router.add_route("*", "/webhooks/rest/conversations/{sender}/handoff", self._any(self.handoff))
        return app

    @staticmethod
    def _any(handler):
        async def route(request: web.Request) -> web.Response:
            return web.Response() if request.method == "OPTIONS" else await handler(request)

        return route

    def start(self, port: int) -> "FakeAssistant":
        self.port = port
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            runner = web.AppRunner(self.app(), access_log=None)
            self._loop.run_until_complete(runner.setup())
            self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
            ready.set()
            self._loop.run_forever()

        threading.Thread(target=serve, daemon=True).start()
        assert ready.wait(10), "the fake assistant did not start"
        return self

    def stop(self) -> None:
        if self._loop:
            self._loop.call_soon_threadsafe(self._loop.stop)
