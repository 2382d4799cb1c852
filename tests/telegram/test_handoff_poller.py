"""The bridge's side of a live handoff against a scripted Rasa server: the real bridge (PTB
against the fake Bot API) and a fake of the two Rasa endpoints it calls, the webhook and
the handoff poll (docs/handoff.md), so every case (restarts, a blocked chat, errors,
ordering) can be set up exactly. test_handoff.py plays the same against the real server.
"""
import asyncio
import json
import logging
import time
from typing import Any, Dict, List, Optional

import pytest
from aiohttp import web

import knowledge
from channels.ownership import telegram_conversation_id
from telegram_bridge import handoff
from telegram_bridge.app import running
from telegram_bridge.config import from_env
from telegram_bridge.handlers import chat_tag
from telegram_bridge.rendering import staff_message
from tests.telegram.conftest import check_turn, say
from tests.telegram.fake_bot_api import visible_text

DISCLAIMER = knowledge.disclaimer()
SECRET = "s" * 40


class FakeRasa:
    """/webhooks/telegram/webhook answers from `turns` ([] when not listed: a live handoff);
    /webhooks/telegram/handoff serves `rows` as the server does."""

    def __init__(self) -> None:
        self.rows: List[Dict[str, Any]] = []
        self.turns: Dict[str, List[dict]] = {}
        self.delays: Dict[str, float] = {}
        self.received: List[Dict[str, str]] = []
        self.polls: List[Optional[int]] = []
        self.poll_times: List[float] = []
        self.failures = 0  # the next polls answered with a 500
        self.in_flight = self.most_in_flight = 0
        self.poll_delay = 0.0
        self.next_id = 100  # ids of rows written before the bridge ever ran start above 0
        self._runner: Optional[web.AppRunner] = None
        self.port = 0

    async def start(self) -> "FakeRasa":
        app = web.Application()
        app.router.add_post("/webhooks/telegram/webhook", self.webhook)
        app.router.add_get("/webhooks/telegram/handoff", self.poll)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/telegram/webhook"

    def add(self, sender: str, author: str, text: str = "", **fields: Any) -> int:
        self.next_id += 1
        self.rows.append({"id": self.next_id, "sender": sender, "author": author, "text": text, **fields})
        return self.next_id

    def staff(self, sender: str, text: str, name: str = "Maria") -> int:
        return self.add(sender, "staff", text, staff_name=name)

    async def webhook(self, request: web.Request) -> web.Response:
        assert request.headers["Authorization"] == f"Bearer {SECRET}"
        body = await request.json()
        self.received.append(body)
        await asyncio.sleep(self.delays.get(body["message"], 0))
        return web.json_response(self.turns.get(body["message"], []))

    async def poll(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {SECRET}":
            return web.json_response({"code": "bridge_only"}, status=403)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            after = request.query.get("after")
            self.polls.append(int(after) if after is not None else None)
            self.poll_times.append(time.monotonic())
            await asyncio.sleep(self.poll_delay)
            if self.failures:
                self.failures -= 1
                return web.json_response({"message": "boom"}, status=500)
            if after is None:
                return web.json_response({"messages": [], "last": self.next_id})
            messages = [row for row in self.rows if row["id"] > int(after)][:200]
            return web.json_response({"messages": messages, "last": messages[-1]["id"] if messages else int(after)})
        finally:
            self.in_flight -= 1


@pytest.fixture
async def rasa():
    server = await FakeRasa().start()
    yield server
    await server.stop()


def config(api, rasa, tmp_path):
    return from_env(
        {
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_BASE_URL": api.base_url,
            "RASA_URL": rasa.url,
            "BRIDGE_SECRET": SECRET,
            "RASA_TIMEOUT": "30",
            "TELEGRAM_STATE_FILE": str(tmp_path / "telegram_state.pickle"),
        }
    )


@pytest.fixture
async def bridge(api, rasa, tmp_path):
    async with running(config(api, rasa, tmp_path)) as application:
        await wait_for(lambda: rasa.polls, "the first poll")
        yield application


async def wait_for(condition, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def sender_of(chat_id: int) -> str:
    return telegram_conversation_id(SECRET, chat_id)


async def known_chat(api, rasa, chat_id: int) -> str:
    """A chat that has talked to the bridge (so it knows the chat's conversation)."""
    rasa.turns["hello"] = [{"text": f"Hi!\n\n{DISCLAIMER}", "disclaimer": DISCLAIMER}]
    check_turn(await say(api, chat_id, "hello"))
    return sender_of(chat_id)


def joined(sender: str, rasa: FakeRasa) -> int:
    return rasa.add(sender, "assistant", f"Maria from admissions has joined.\n\n{DISCLAIMER}",
                    response="utter_staff_joined", staff_name="Maria", disclaimer=DISCLAIMER)


# Rendering ----------------------------------------------------------------------------------


def test_a_staff_message_is_marked_as_a_persons_and_escaped():
    [message] = staff_message("Maria", "Hi <b>there</b> & **welcome**")
    assert message.html == "<b>Maria (admissions team):</b> Hi &lt;b&gt;there&lt;/b&gt; &amp; **welcome**"
    assert visible_text(message.html, "HTML") == "Maria (admissions team): Hi <b>there</b> & **welcome**"
    assert message.plain == visible_text(message.html, "HTML")
    [nameless] = staff_message(None, "hello")
    assert nameless.plain == "Admissions team: hello"
    long = staff_message("<Jo>", "word " * 1000)
    assert len(long) == 2 and all(len(visible_text(m.html, "HTML")) <= 4096 for m in long)
    assert long[0].html.startswith("<b>&lt;Jo&gt; (admissions team):</b>")


# The whole bridge ---------------------------------------------------------------------------


async def test_no_saved_cursor_starts_from_now(api, rasa, tmp_path, chat_id):
    sender = sender_of(chat_id)
    rasa.staff(sender, "said before the bridge ever ran")
    async with running(config(api, rasa, tmp_path)):
        await wait_for(lambda: len(rasa.polls) >= 2, "a second poll")
        await known_chat(api, rasa, chat_id)
        assert rasa.polls[:2] == [None, rasa.next_id], "the first call asks for `last`, the next start from it"
        rasa.staff(sender, "said now")
        await api.message_containing(chat_id, "said now", timeout=5)
    assert not any("before the bridge" in sent.text for sent in api.sent)
    assert json.loads((tmp_path / "telegram_state.handoff-cursor.json").read_text()) == {"after": rasa.next_id}


async def test_staff_and_assistant_messages_reach_their_chats(api, rasa, bridge, chat_id, caplog):
    caplog.set_level(logging.INFO)
    other = chat_id + 1
    sender, other_sender = await known_chat(api, rasa, chat_id), await known_chat(api, rasa, other)
    joined(sender, rasa)
    rasa.staff(sender, "Hi, I'm Maria. <script>alert(1)</script> & how are you?")
    rasa.staff(other_sender, "Hello from Sam", name="Sam")
    start = time.monotonic()
    hello = await api.message_containing(chat_id, "how are you?", timeout=5)
    assert time.monotonic() - start < 5
    [join] = [sent for sent in api.sent_to(chat_id) if "has joined" in sent.text]
    assert join.html == f"Maria from admissions has joined.\n\n<i>{DISCLAIMER}</i>", "the disclaimer once, with the join"
    assert hello.html == "<b>Maria (admissions team):</b> Hi, I'm Maria. &lt;script&gt;alert(1)&lt;/script&gt; &amp; how are you?"
    assert hello.text == "Maria (admissions team): Hi, I'm Maria. <script>alert(1)</script> & how are you?"
    assert DISCLAIMER not in hello.text, "no disclaimer under a person's words"
    assert api.sent_to(chat_id).index(join) < api.sent_to(chat_id).index(hello)
    assert (await api.message_containing(other, "Hello from Sam", timeout=5)).text == "Sam (admissions team): Hello from Sam"
    # The person's reply gets no bot turn: nothing at all is sent.
    before = len(api.sent)
    api.push(api.user_message(chat_id, "I'm fine, thanks"))
    await wait_for(lambda: any(body["message"] == "I'm fine, thanks" for body in rasa.received), "the reply to reach Rasa")
    await asyncio.sleep(0.5)
    assert len(api.sent) == before, "no fallback, no empty message, no disclaimer alone"
    # Logs: kinds, counts and chat tags; never text, names or chat ids.
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"chat {chat_tag(api.token, chat_id)}: 2 handoff message(s) delivered" in logged
    assert "no bot turn (live handoff)" in logged
    for secret in (str(chat_id), str(other), "Maria", "Sam", "how are you", "fine, thanks", sender):
        assert secret not in logged


async def test_the_assistants_buttons_act_once_and_a_crisis_turn_is_sent(api, rasa, bridge, chat_id):
    sender = await known_chat(api, rasa, chat_id)
    rasa.add(sender, "assistant", "No one from the team could join right now.")
    rasa.add(sender, "assistant", f"Would you like us to call you back?\n\n{DISCLAIMER}", disclaimer=DISCLAIMER,
             buttons=[{"title": "Yes, call me", "payload": "/request_callback"}, {"title": "No", "payload": "/deny"}])
    [offer] = await api.turns(chat_id, timeout=10)
    assert [sent.text for sent in offer][0] == "No one from the team could join right now."
    assert check_turn(offer).endswith("Would you like us to call you back?")
    rasa.turns["/request_callback"] = [{"text": f"What name should we ask for?\n\n{DISCLAIMER}", "disclaimer": DISCLAIMER}]
    api.push(api.press(offer[-1], "Yes, call me"), api.press(offer[-1], "No"))
    assert "What name" in check_turn(await api.turn(chat_id))
    assert [body["message"] for body in rasa.received].count("/request_callback") == 1
    assert "/deny" not in [body["message"] for body in rasa.received], "the offer's other button no longer acts"
    # A crisis message during the handoff gets the crisis turn from the webhook, sent as usual.
    rasa.turns["I want to die"] = [{"text": f"Please call **911** now.\n\n{DISCLAIMER}", "disclaimer": DISCLAIMER,
                                   "custom": {"crisis": True, "resources": [{"tel": "+18006624357"}]}}]
    crisis = check_turn(await say(api, chat_id, "I want to die"))
    assert "911" in crisis and "Tap to call: +18006624357" in crisis


async def test_a_restart_neither_repeats_nor_loses_a_staff_message(api, rasa, tmp_path, chat_id):
    sender = sender_of(chat_id)
    async with running(config(api, rasa, tmp_path)):
        await known_chat(api, rasa, chat_id)
        rasa.staff(sender, "first, before the restart")
        await api.message_containing(chat_id, "first, before", timeout=5)
    rasa.staff(sender, "second, while the bridge was down")
    async with running(config(api, rasa, tmp_path)):  # the chat is known from the saved chats
        rasa.staff(sender, "third, after the restart")
        await api.message_containing(chat_id, "third, after", timeout=6)
        await asyncio.sleep(2.5)  # another poll
    texts = [sent.text for sent in api.sent_to(chat_id) if "(admissions team)" in sent.text]
    assert texts == [f"Maria (admissions team): {text}" for text in
                     ("first, before the restart", "second, while the bridge was down", "third, after the restart")]


async def test_a_chat_that_blocked_the_bot_does_not_stop_the_others(api, rasa, bridge, chat_id):
    blocked, other = chat_id, chat_id + 1
    await known_chat(api, rasa, blocked)
    await known_chat(api, rasa, other)
    api.block(blocked)
    rasa.staff(sender_of(blocked), "to the one who blocked us")
    rasa.staff(sender_of(other), "to the other")
    await api.message_containing(other, "to the other", timeout=5)
    rasa.staff(sender_of(other), "and the next one")
    await api.message_containing(other, "and the next one", timeout=5)


async def test_errors_back_off_one_poll_at_a_time(api, rasa, tmp_path, chat_id, monkeypatch, caplog):
    monkeypatch.setattr(handoff, "POLL_SECONDS", 0.2)
    rasa.poll_delay = 0.3  # longer than the interval: a second poll must still wait for the first
    async with running(config(api, rasa, tmp_path)):
        sender = await known_chat(api, rasa, chat_id)
        await wait_for(lambda: len(rasa.polls) >= 3, "a few polls")
        rasa.failures = 4
        await wait_for(lambda: rasa.failures == 0 and len(rasa.poll_times) >= 2, "the failures", timeout=20)
        rasa.staff(sender, "after the outage")
        await api.message_containing(chat_id, "after the outage", timeout=10)
    assert rasa.most_in_flight == 1
    gaps = [later - earlier for earlier, later in zip(rasa.poll_times, rasa.poll_times[1:])]
    assert max(gaps) > 3 * 0.2 + 0.3, "the waits grew after repeated failures"
    warnings = [record.getMessage() for record in caplog.records if "Handoff poll failed" in record.getMessage()]
    assert warnings and all("HTTP 500" in message for message in warnings)


async def test_a_staff_message_waits_for_the_bot_turn_being_sent(api, rasa, bridge, chat_id):
    sender = await known_chat(api, rasa, chat_id)
    rasa.delays["slow question"] = 2.5
    rasa.turns["slow question"] = [{"text": "part one"}, {"text": f"part two\n\n{DISCLAIMER}", "disclaimer": DISCLAIMER}]
    api.push(api.user_message(chat_id, "slow question"))
    await wait_for(lambda: any(body["message"] == "slow question" for body in rasa.received), "the question")
    rasa.staff(sender, "a person meanwhile")
    await api.message_containing(chat_id, "a person meanwhile", timeout=10)
    texts = [sent.text for sent in api.sent_to(chat_id)][-3:]
    assert texts[0] == "part one" and texts[1].startswith("part two")
    assert texts[2] == "Maria (admissions team): a person meanwhile", "after the whole turn, not inside it"
