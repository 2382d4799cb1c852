"""The Telegram bot as a person meets it: the real bridge (python-telegram-bot) against a
fake Bot API on loopback and the real Rasa and action servers.

Every turn is checked for the disclaimer (the last message ends with it, no
other message has it) and the fake Bot API refuses any HTML Telegram would,
so each test also proves the escaping.
"""
import asyncio
import logging
import pickle
import sqlite3

import pytest

import knowledge
from telegram_bridge.handlers import chat_tag
from tests.e2e.test_callback import REFERENCE
from tests.telegram.conftest import bridge_config, check_turn, conversation_of, press, say

PHONE = knowledge.clinic().phone
UPDATES = ["message", "edited_message", "callback_query"]
TOO_OLD = "Bad Request: query is too old and response timeout expired or query id is invalid"
CRISIS = "i don't want to be alive anymore"


def check_crisis_reply(text):
    resources = knowledge.crisis_resources()
    for resource in resources:
        assert resource.action in text


def events(assistant, sender):
    database = assistant.database_url.replace("sqlite:///", "")
    with sqlite3.connect(database) as db:
        return db.execute("SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()


async def test_a_question_gets_its_answer_and_the_disclaimer_once(api, bot, chat_id, assistant):
    text = check_turn(await say(api, chat_id, "what is an intensive outpatient program?"))
    assert "five days a week" in text
    # One Rasa conversation per chat, marked as coming from Telegram.
    user_events = [data for kind, data in events(assistant, conversation_of(assistant, chat_id)) if kind == "user"]
    assert user_events and '"input_channel": "telegram"' in user_events[0]
    # Only the kinds of update the bridge handles are asked for.
    assert all(call["allowed_updates"] == UPDATES for call in api.calls_of("getUpdates"))


async def test_start_greets_explains_and_warns_about_privacy(api, bot, chat_id):
    turn = await say(api, chat_id, "/start")
    text = check_turn(turn)
    assert "not a private medical channel" in text
    assert "I can explain the levels of addiction treatment" in text or "What would you like to know?" in text
    assert "/callback" in text and "/reset" in text
    assert {"start", "help", "callback", "reset"} <= {c["command"] for c in api.calls_of("setMyCommands")[0]["commands"]}


async def test_help_offers_topics_as_an_inline_keyboard_and_a_press_answers(api, bot, chat_id):
    turn = await say(api, chat_id, "/help")
    check_turn(turn)
    menu = turn[-1]
    assert menu.titles() == [["Levels of care"], ["What is IOP?"], ["Skills you learn"], ["After IOP"], ["Talk to admissions"]]

    answer = await press(api, chat_id, menu, "What is IOP?")
    assert "five days a week" in check_turn(answer)
    assert api.calls_of("answerCallbackQuery"), "the button's spinner is stopped"
    # The keyboard is replaced by a marker of the choice.
    assert api.message(chat_id, menu.message_id).titles() == [["✓ What is IOP?"]]

    # Pressing the marker again only says so; nothing more is sent.
    before = len(api.sent)
    api.push(api.press(api.message(chat_id, menu.message_id), "✓ What is IOP?"))
    await api.wait_until(lambda: len(api.calls_of("answerCallbackQuery")) == 2)
    assert api.calls_of("answerCallbackQuery")[-1]["text"] == "You already chose this."
    await asyncio.sleep(0.3)
    assert len(api.sent) == before


async def test_callback_flow_with_buttons_stores_the_request(api, bot, chat_id, assistant, caplog):
    caplog.set_level(logging.INFO)
    assert "What name" in check_turn(await say(api, chat_id, "/callback"))
    assert "phone number" in check_turn(await say(api, chat_id, "Quinn Telegramson"))
    times = await say(api, chat_id, "(619) 555-0142")
    assert "best time" in check_turn(times)
    assert times[-1].titles() == [["Morning", "Afternoon", "Evening"]]
    note = await press(api, chat_id, times[-1], "Evening")
    assert "anything you'd like the team to know" in check_turn(note)
    consent = await press(api, chat_id, note[-1], "Nothing to add")
    assert "agree" in check_turn(consent)
    summary = await press(api, chat_id, consent[-1], "Yes, I agree")
    text = check_turn(summary)
    assert "Quinn Telegramson" in text and "(619) 555-0142" in text and "Evening" in text
    confirm_title = next(title for row in summary[-1].titles() for title in row if title.startswith("Yes"))
    confirmation = check_turn(await press(api, chat_id, summary[-1], confirm_title))
    reference = REFERENCE.search(confirmation).group(0)

    database = assistant.database_url.replace("sqlite:///", "")
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT reference, name, phone, best_time FROM callback_requests WHERE conversation_id = ?",
            (conversation_of(assistant, chat_id),),
        ).fetchall()
    assert rows == [(reference, "Quinn Telegramson", "+16195550142", "Evening")]
    # Names, numbers and chat ids (a private chat's id is the person's user id) never reach
    # the bridge's logs; a keyed hash of the chat id does.
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"chat {chat_tag(api.token, chat_id)}: button" in logged
    assert str(chat_id) not in logged
    assert "Quinn" not in logged and "555-0142" not in logged and "5550142" not in logged


async def test_messages_from_one_chat_are_answered_in_order(api, bot, chat_id):
    other = chat_id + 1
    api.push(
        api.user_message(chat_id, "/callback"),
        api.user_message(other, "what is an intensive outpatient program?"),
        api.user_message(chat_id, "Robin"),
        api.user_message(chat_id, "619-555-0123"),
    )
    name, phone, time = await api.turns(chat_id, 3)
    assert "What name" in check_turn(name)
    assert "phone number" in check_turn(phone)
    assert "best time" in check_turn(time)
    assert "five days a week" in check_turn(await api.turn(other))


async def test_reset_starts_a_new_conversation(api, bot, chat_id, assistant):
    check_turn(await say(api, chat_id, "/callback"))
    reset = api.user_message(chat_id, "/reset")
    api.push(reset)
    text = check_turn(await api.turn(chat_id))
    assert "new conversation" in text
    # The old form is gone: a name is not taken as an answer to it.
    assert "five days a week" in check_turn(await say(api, chat_id, "what is an intensive outpatient program?"))
    new_sender = conversation_of(assistant, chat_id, reset["message"]["message_id"])
    assert any(kind == "user" for kind, _ in events(assistant, new_sender))
    assert sum(kind == "user" for kind, _ in events(assistant, conversation_of(assistant, chat_id))) == 1


async def test_a_reset_is_saved_at_once(api, bot, chat_id, tmp_path, assistant):
    reset = api.user_message(chat_id, "/reset")
    api.push(reset)
    check_turn(await api.turn(chat_id))
    # Well within PicklePersistence's 10 s interval: a crash now would not undo the reset.
    with open(tmp_path / "telegram_state.pickle", "rb") as handle:
        state = pickle.load(handle)
    assert state["chat_data"][chat_id]["sender"] == conversation_of(assistant, chat_id, reset["message"]["message_id"])


def user_messages(assistant, sender):
    return [data for kind, data in events(assistant, sender) if kind == "user"]


@pytest.mark.parametrize("since", ["/reset", "what is an intensive outpatient program?"])
async def test_buttons_from_an_earlier_turn_no_longer_act(api, bot, chat_id, since):
    menu = (await say(api, chat_id, "/help"))[-1]
    check_turn(await say(api, chat_id, since))
    sent_before = len(api.sent)
    api.push(api.press(menu, "Levels of care"))
    await api.wait_until(lambda: api.calls_of("answerCallbackQuery"))
    assert "no longer active" in api.calls_of("answerCallbackQuery")[-1]["text"]
    await api.wait_until(lambda: api.message(chat_id, menu.message_id).keyboard == [])
    await asyncio.sleep(0.3)
    assert len(api.sent) == sent_before


async def test_a_double_tap_sends_the_payload_once(api, bot, chat_id, assistant):
    menu = (await say(api, chat_id, "/help"))[-1]
    api.push(api.press(menu, "What is IOP?"), api.press(menu, "What is IOP?"))
    # One answer: a second one would be part of this turn (the fake waits for quiet).
    assert "five days a week" in check_turn(await api.turn(chat_id))
    sent_before = len(api.sent)
    await api.wait_until(lambda: len(api.calls_of("answerCallbackQuery")) == 2)
    assert api.calls_of("answerCallbackQuery")[-1]["text"] == "You already chose this."
    await asyncio.sleep(0.3)
    assert len(api.sent) == sent_before
    assert api.message(chat_id, menu.message_id).titles() == [["✓ What is IOP?"]], "the marker stays"
    assert len(user_messages(assistant, conversation_of(assistant, chat_id))) == 2  # /help's intent and one press


async def test_a_press_reaches_rasa_when_telegram_refuses_the_acknowledgement(api, bot, chat_id):
    menu = (await say(api, chat_id, "/help"))[-1]
    api.fail("answerCallbackQuery", 400, TOO_OLD)
    api.fail("editMessageReplyMarkup", 400, "Bad Request: message to edit not found")
    assert "five days a week" in check_turn(await press(api, chat_id, menu, "What is IOP?"))


NOT_TEXT = {
    "sticker": {"sticker": {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}},
    "photo": {"photo": [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]},
    "voice": {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}},
    "document": {"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "x.pdf"}},
    "location": {"location": {"latitude": 32.7, "longitude": -117.1}},
}


@pytest.mark.parametrize("kind", sorted(NOT_TEXT))
async def test_what_is_not_text_gets_a_polite_answer(api, bot, chat_id, kind):
    api.push(api.user_message(chat_id, **NOT_TEXT[kind]))
    assert "text messages only" in check_turn(await api.turn(chat_id))
    assert "five days a week" in check_turn(await say(api, chat_id, "what is an intensive outpatient program?"))


async def test_service_messages_get_no_answer(api, bot, chat_id):
    earlier = {"message_id": 1, "date": 1700000000, "chat": {"id": chat_id, "type": "private", "first_name": "Test"}, "text": "pinned"}
    api.push(
        api.user_message(chat_id, message_auto_delete_timer_changed={"message_auto_delete_time": 86400}),
        api.user_message(chat_id, pinned_message=earlier),
    )
    # Only the question is answered (a reply to either service message would be part of this turn).
    assert "five days a week" in check_turn(await say(api, chat_id, "what is an intensive outpatient program?"))


async def test_a_captioned_photo_is_answered_by_its_caption(api, bot, chat_id):
    api.push(api.user_message(chat_id, caption="what is an intensive outpatient program?", **NOT_TEXT["photo"]))
    assert "five days a week" in check_turn(await api.turn(chat_id))


def edit(api, original, text):
    return api.update("edited_message", {**original["message"], "text": text, "edit_date": original["message"]["date"] + 5})


async def test_an_edited_message_is_answered_as_a_new_one(api, bot, chat_id, assistant):
    original = api.user_message(chat_id, "hello")
    api.push(original)
    check_turn(await api.turn(chat_id))
    api.push(edit(api, original, "what is an intensive outpatient program?"))
    assert "five days a week" in check_turn(await api.turn(chat_id))
    assert len(user_messages(assistant, conversation_of(assistant, chat_id))) == 2


async def test_crisis_wording_in_an_edit_gets_the_crisis_reply(api, bot, chat_id, assistant):
    original = api.user_message(chat_id, "what is an intensive outpatient program?")
    api.push(original)
    check_turn(await api.turn(chat_id))
    api.push(edit(api, original, CRISIS))
    check_crisis_reply(check_turn(await api.turn(chat_id)))


async def test_unknown_commands_and_html_in_text(api, bot, chat_id):
    assert "/help" in check_turn(await say(api, chat_id, "/affirm"))
    text = check_turn(await say(api, chat_id, "<b>what</b> is an intensive outpatient program? & </i>"))
    assert "five days a week" in text


async def test_a_crisis_message_gets_tappable_crisis_resources(api, bot, chat_id):
    turn = await say(api, chat_id, CRISIS)
    text = check_turn(turn)
    check_crisis_reply(text)
    resources = knowledge.crisis_resources()
    # Numbers in full international form, which Telegram makes tappable; a link button for the chat line.
    samhsa = next(resource for resource in resources if resource.tel.startswith("+"))
    assert f"Tap to call: {samhsa.tel}" in text
    links = [button for sent in turn for row in sent.keyboard for button in row]
    assert links == [{"text": "Open 988lifeline.org", "url": "https://988lifeline.org"}]
    assert any("<b>Call 911</b>" in sent.html for sent in turn)


async def test_groups_are_pointed_to_a_private_chat(api, bot, chat_id):
    group = -chat_id
    api.push(api.user_message(group, "/settings", chat_type="supergroup"))  # another bot's command
    api.push(api.user_message(group, "anyone know about IOP?", chat_type="supergroup"))
    api.push(api.user_message(group, "@iop_test_bot what is IOP?", chat_type="supergroup"))
    text = check_turn(await api.turn(group))
    assert "private chats" in text and "988" in text
    [sent] = [sent for sent in api.sent if sent.chat_id == group]
    assert sent.keyboard == [[{"text": "Message me privately", "url": "https://t.me/iop_test_bot"}]]


async def test_telegram_network_errors_and_flood_limits_are_retried(api, bot, chat_id):
    api.fail("sendMessage", 502, "Bad Gateway")
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1", parameters={"retry_after": 1})
    assert "five days a week" in check_turn(await say(api, chat_id, "what is an intensive outpatient program?"))
    assert len(api.calls_of("sendMessage")) == 3


async def test_html_telegram_rejects_is_sent_as_plain_text(api, bot, chat_id):
    api.fail("sendMessage", 400, 'Bad Request: can\'t parse entities: unsupported start tag "x" at byte offset 0')
    turn = await say(api, chat_id, "what is an intensive outpatient program?")
    assert "five days a week" in check_turn(turn, html=False)
    failed, plain = api.calls_of("sendMessage")[:2]
    assert failed["parse_mode"] == "HTML" and "parse_mode" not in plain
    assert "<" not in plain["text"] and plain["text"] == turn[0].text


async def test_one_refused_message_does_not_cost_the_rest_of_the_turn(api, bot, chat_id):
    api.fail("sendMessage", 400, "Bad Request: some refusal")  # the privacy note, first of the turn
    text = check_turn(await say(api, chat_id, "/start"))  # the rest and the disclaimer still arrive
    assert "not a private medical channel" not in text
    assert "What would you like to know?" in text or "I can explain the levels of addiction treatment" in text


async def test_rasa_down_gets_the_phone_number_and_recovers(api, bot, chat_id, assistant):
    assistant.rasa.stop()
    try:
        text = check_turn(await say(api, chat_id, "what is an intensive outpatient program?"))
        assert PHONE in text and knowledge.clinic().phone_e164 in text
    finally:
        await asyncio.get_running_loop().run_in_executor(None, assistant.start_rasa)
    assert "five days a week" in check_turn(await say(api, chat_id, "what is an intensive outpatient program?"))


async def test_webhook_rejects_a_wrong_secret(api, assistant, tmp_path, chat_id):
    from telegram_bridge.app import running
    from tests.servers import free_port

    port = free_port()
    config = bridge_config(
        api, assistant, tmp_path,
        TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram/hook",
        TELEGRAM_WEBHOOK_SECRET="s3cret-for-tests",
        TELEGRAM_WEBHOOK_PORT=str(port),
    )
    async with running(config):
        assert api.webhook["secret_token"] == "s3cret-for-tests"
        assert api.webhook["url"] == "https://bot.example.org/telegram/hook"
        assert int(api.webhook["max_connections"]) == 1, "one update at a time keeps a chat's order"
        assert api.webhook["allowed_updates"] == UPDATES
        message = api.user_message(chat_id, "what is an intensive outpatient program?")
        assert await api.post_webhook(message, secret="wrong", port=port) == 403
        assert await api.post_webhook(message, secret=None, port=port) == 403
        await asyncio.sleep(0.5)
        assert not [sent for sent in api.sent if sent.chat_id == chat_id]
        assert await api.post_webhook(message, secret="s3cret-for-tests", port=port) == 200
        assert "five days a week" in check_turn(await api.turn(chat_id))
