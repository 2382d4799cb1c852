"""Handler decisions without servers: which group messages address the bot, button state."""
from datetime import datetime, timezone

import pytest
from telegram import Chat, Message, MessageEntity, User

from telegram_bridge import conversations
from telegram_bridge.handlers import addressed, chat_tag
from telegram_bridge.rendering import Button

BOT = User(424242, "IOP assistant", is_bot=True, username="iop_test_bot")
GROUP = Chat(-100, Chat.SUPERGROUP)


def group_message(text: str) -> Message:
    entities = [MessageEntity(MessageEntity.BOT_COMMAND, 0, len(text.split()[0]))] if text.startswith("/") else []
    return Message(1, datetime.now(timezone.utc), GROUP, text=text, entities=entities)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("/start", True), ("/help", True), ("/reset", True), ("/callback", True),
        ("/help@iop_test_bot", True), ("/HELP@IOP_test_bot", True),
        ("/help@other_bot", False), ("/settings", False), ("/settings@other_bot", False),
        ("/whatever@iop_test_bot", True),  # named us
        ("hey @iop_test_bot, what is IOP?", True), ("what is IOP?", False),
    ],
)
def test_what_addresses_the_bot_in_a_group(text, expected):
    assert addressed(group_message(text), BOT.username, BOT.id) is expected


def test_a_press_uses_up_the_turns_buttons_and_a_new_turn_replaces_them():
    chat = {}
    conversations.new_turn(chat)
    yes = conversations.remember_button(chat, Button("Yes", "/affirm"))
    no = conversations.remember_button(chat, Button("No", "/deny"))
    assert conversations.pressed(chat, yes, message_id=7) == ("/affirm", "Yes")
    assert conversations.pressed(chat, yes, message_id=7) is None  # a double tap
    assert conversations.pressed(chat, no, message_id=7) is None  # the same keyboard's other button
    assert conversations.already_pressed(chat, 7) and not conversations.already_pressed(chat, 8)

    conversations.new_turn(chat)
    later = conversations.remember_button(chat, Button("Evening", "Evening"))
    conversations.new_turn(chat)  # the next Rasa turn
    assert conversations.pressed(chat, later, message_id=9) is None
    assert later not in (yes, no), "tokens are never reused"


def test_chat_tags_are_short_stable_and_keyed():
    assert chat_tag("1:token", 123456789) == chat_tag("1:token", 123456789)
    assert chat_tag("1:token", 123456789) != chat_tag("2:other", 123456789)
    assert len(chat_tag("1:token", 123456789)) == 8 and "123456789" not in chat_tag("1:token", 123456789)
