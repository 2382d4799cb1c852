"""A live handoff over Telegram (docs/handoff.md, issue #15): the real bridge against the fake
Bot API and the real Rasa and action servers, with the clinic open around the clock and a
staff member available. The test plays the staff app: it calls the Rasa server's staff
endpoints (take, send, hand back) with the staff app's secret, as staff_review/ does.
"""
import asyncio
import json
import logging
import time
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

import knowledge
from channels.ownership import staff_secret
from storage import handoffs
from telegram_bridge.app import running
from telegram_bridge.handlers import chat_tag
from tests.clinics import open_around_the_clock
from tests.servers import Assistant
from tests.telegram.conftest import bridge_config, check_turn, conversation_of, press, say

CRISIS = "i don't want to be alive anymore"
LIVE_CHAT = "Chat with our admissions team now"
STAFF_LABEL = "Maria (admissions team):"


@pytest.fixture(scope="module")
def open_clinic(tmp_path_factory):
    """The assistant of a clinic whose admissions team is in every day, all day (so: now)."""
    workdir = tmp_path_factory.mktemp("open-clinic")
    clinic_file = open_around_the_clock(workdir)
    # A chat nobody takes ends after 10 s (the shortest allowed); the others are taken at once.
    env = {"IOP_CLINIC_FILE": str(clinic_file), "HANDOFF_WAIT_SECONDS": "10"}
    server = Assistant(workdir, f"sqlite:///{workdir / 'iop.db'}", env=env).start()
    yield server
    server.stop()


@pytest.fixture
async def bridge(api, open_clinic, tmp_path):
    async with running(bridge_config(api, open_clinic, tmp_path)) as application:
        yield application


async def staff(assistant: Assistant, route: str, **body):
    """(status, reply) of a staff call to the Rasa server, made as the staff app makes it."""
    url = f"http://127.0.0.1:{assistant.rasa_port}/webhooks/rest/handoff/{route}"
    token = staff_secret(assistant.secret.encode())
    return await asyncio.get_running_loop().run_in_executor(
        None, lambda: assistant.request(url, json.dumps(body).encode(), token=token)
    )


async def ask_for_a_person(api, assistant, chat_id) -> handoffs.Handoff:
    """Ask for a person during opening hours, take the live chat: the waiting handoff."""
    handoffs.set_available("maria", True, url=assistant.database_url)
    offer = await say(api, chat_id, "can I talk to a real person?")
    check_turn(offer)
    with_button = next(sent for sent in offer if any(LIVE_CHAT in row for row in sent.titles()))
    handoffs.set_available("maria", True, url=assistant.database_url)
    waiting = check_turn(await press(api, chat_id, with_button, LIVE_CHAT))
    assert "let our admissions team know" in waiting
    handoff = handoffs.open_handoff(conversation_of(assistant, chat_id), url=assistant.database_url)
    assert handoff and handoff.state == handoffs.WAITING and handoff.channel == "telegram"
    return handoff


async def take(api, assistant, chat_id, handoff) -> None:
    status, reply = await staff(assistant, "take", handoff=handoff.id, staff_user="maria", staff_name="Maria")
    assert (status, reply) == (200, {"ok": True})
    # The join message comes through the bridge's poll, with the disclaimer, once.
    joined = check_turn(await api.turn(chat_id, timeout=10))
    assert "Maria from our admissions team has joined" in joined and "talking with a person" in joined


async def staff_says(api, assistant, chat_id, handoff, text: str, within: float = 5):
    status, reply = await staff(assistant, "send", handoff=handoff.id, staff_user="maria", text=text)
    assert status == 200 and isinstance(reply["id"], int), (status, reply)
    start = time.monotonic()
    sent = await api.message_containing(chat_id, f"{STAFF_LABEL} {text}", timeout=within + 1)
    assert time.monotonic() - start < within
    return sent


def visitor_rows(assistant, chat_id):
    return handoffs.messages(conversation_of(assistant, chat_id), authors=[handoffs.VISITOR], url=assistant.database_url)


async def nothing_more(api, chat_id, seconds: float = 2.5) -> None:
    """No message reaches the chat for a while (longer than a poll)."""
    before = len(api.sent_to(chat_id))
    await asyncio.sleep(seconds)
    assert [sent.text for sent in api.sent_to(chat_id)[before:]] == []


async def test_a_staff_member_takes_over_a_telegram_chat_and_hands_it_back(api, bridge, open_clinic, chat_id, caplog):
    caplog.set_level(logging.INFO)
    assistant = open_clinic
    handoff = await ask_for_a_person(api, assistant, chat_id)
    await take(api, assistant, chat_id, handoff)

    # The staff member's reply arrives within 5 s, marked as from a person, without the disclaimer.
    hello = await staff_says(api, assistant, chat_id, handoff, "Hi, I'm Maria. How can I help?")
    assert hello.html.startswith(f"<b>{STAFF_LABEL}</b> ")
    assert knowledge.disclaimer() not in hello.text

    # HTML a staff member types is shown as typed, never as formatting.
    tags = await staff_says(api, assistant, chat_id, handoff, "Use <b>this</b> & <a href='x'>that</a> <i>")
    assert "&lt;b&gt;this&lt;/b&gt; &amp; &lt;a href='x'&gt;that&lt;/a&gt; &lt;i&gt;" in tags.html

    # The visitor's reply gets no bot answer, and reaches the staff member's screen.
    api.push(api.user_message(chat_id, "My son needs help with alcohol"))
    await api.wait_until(lambda: any(row.bubble.get("text") == "My son needs help with alcohol"
                                     for row in visitor_rows(assistant, chat_id)), timeout=30)
    await nothing_more(api, chat_id)

    # A crisis message in the middle gets the crisis reply at once, and is flagged for the staff member.
    crisis = check_turn(await say(api, chat_id, CRISIS))
    assert all(resource.action in crisis for resource in knowledge.crisis_resources())
    [flagged] = [row for row in visitor_rows(assistant, chat_id) if row.bubble.get("text") == CRISIS]
    assert flagged.crisis
    await staff_says(api, assistant, chat_id, handoff, "I see your message. Please call 988 now, I'm here too.")

    # Handing back: the assistant says so (through the poll), then answers the next question.
    status, reply = await staff(assistant, "hand_back", handoff=handoff.id, staff_user="maria")
    assert (status, reply) == (200, {"ok": True})
    assert "back with the automated assistant" in check_turn(await api.turn(chat_id, timeout=10))
    assert "five days a week" in check_turn(await say(api, chat_id, "what is an intensive outpatient program?"))
    # Every staff message was shown once.
    shown = [sent.text for sent in api.sent_to(chat_id) if sent.text.startswith(STAFF_LABEL)]
    assert len(shown) == len(set(shown)) == 3
    # The bridge's log names chats by a keyed hash and says what kind of thing happened, no more.
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("telegram_bridge"))
    assert f"chat {chat_tag(api.token, chat_id)}: 1 handoff message(s) delivered (staff)" in logged
    assert "no bot turn (live handoff)" in logged
    for private in (str(chat_id), conversation_of(assistant, chat_id), "Maria", "son needs help", "How can I help"):
        assert private not in logged


async def test_a_bridge_restart_mid_handoff_neither_repeats_nor_loses_a_message(api, open_clinic, chat_id, tmp_path):
    assistant = open_clinic
    config = bridge_config(api, open_clinic, tmp_path)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(running(config))
        handoff = await ask_for_a_person(api, assistant, chat_id)
        await take(api, assistant, chat_id, handoff)
        await staff_says(api, assistant, chat_id, handoff, "Before the restart.")
    # The bridge is down: a message written now waits for it.
    status, _ = await staff(assistant, "send", handoff=handoff.id, staff_user="maria", text="While you were away.")
    assert status == 200
    async with running(config):
        await api.message_containing(chat_id, f"{STAFF_LABEL} While you were away.", timeout=10)
        await staff_says(api, assistant, chat_id, handoff, "After the restart.")
        # The visitor can still write to the person, and still gets no bot answer.
        api.push(api.user_message(chat_id, "Still here"))
        await api.wait_until(lambda: any(row.bubble.get("text") == "Still here"
                                         for row in visitor_rows(assistant, chat_id)), timeout=30)
        await nothing_more(api, chat_id)
        status, _ = await staff(assistant, "hand_back", handoff=handoff.id, staff_user="maria")
        assert status == 200
        check_turn(await api.turn(chat_id, timeout=10))
    shown = [sent.text for sent in api.sent_to(chat_id) if sent.text.startswith(STAFF_LABEL)]
    assert shown == [f"{STAFF_LABEL} {text}" for text in ("Before the restart.", "While you were away.", "After the restart.")]
    assert json.loads(Path(tmp_path / "telegram_state.handoff-cursor.json").read_text())["after"] >= 1


async def test_nobody_taking_the_chat_in_time_offers_the_callback_with_working_buttons(api, bridge, open_clinic, chat_id):
    assistant = open_clinic
    handoff = await ask_for_a_person(api, assistant, chat_id)
    # The assistant's messages come through the poll: one turn, the disclaimer at its end.
    [turn] = await api.turns(chat_id, timeout=40)
    assert "could join the chat just now" in check_turn(turn)
    assert turn[-1].titles() == [["Yes, please call me"], ["No, thanks"]]
    ended = handoffs.get(handoff.id, url=assistant.database_url)
    assert (ended.state, ended.end_reason) == (handoffs.ENDED, handoffs.NOBODY_CAME)
    # Its buttons act, once, as any turn's do: the conversation is the assistant's again.
    api.push(api.press(turn[-1], "Yes, please call me"), api.press(turn[-1], "No, thanks"))
    assert "What name" in check_turn(await api.turn(chat_id))
    await nothing_more(api, chat_id, 1)


async def test_reset_during_a_handoff_ends_it_so_no_one_types_to_an_empty_chat(api, bridge, open_clinic, chat_id):
    assistant = open_clinic
    handoff = await ask_for_a_person(api, assistant, chat_id)
    await take(api, assistant, chat_id, handoff)
    assert "new conversation" in check_turn(await say(api, chat_id, "/reset")).lower()
    ended = handoffs.get(handoff.id, url=assistant.database_url)
    assert (ended.state, ended.end_reason) == (handoffs.ENDED, handoffs.VISITOR_LEFT)
    status, reply = await staff(assistant, "send", handoff=handoff.id, staff_user="maria", text="hello?")
    assert (status, reply["code"]) == (409, "not_yours"), "the staff member is told the chat has ended"
