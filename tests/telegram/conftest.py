"""The bridge under test: the real PTB client, in this test's event loop, talking to a fake
Bot API server (fake_bot_api.py) and to the real Rasa and action servers (the
session's `assistant`)."""
import random
from typing import List

import pytest

import knowledge
from channels.ownership import telegram_conversation_id
from telegram_bridge.app import running
from telegram_bridge.config import Config, from_env
from tests.telegram.fake_bot_api import FakeBotAPI, Sent

DISCLAIMER = knowledge.disclaimer()


def bridge_config(api: FakeBotAPI, assistant, tmp_path, **env: str) -> Config:
    """The bridge's settings as `make run` gives them: the Rasa server's bridge endpoint and secret."""
    return from_env(
        {
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_BASE_URL": api.base_url,
            "RASA_URL": assistant.bridge_webhook,
            "BRIDGE_SECRET": assistant.bridge_secret,
            "RASA_TIMEOUT": "60",
            "TELEGRAM_STATE_FILE": str(tmp_path / "telegram_state.pickle"),
            **env,
        }
    )


@pytest.fixture
async def api():
    server = await FakeBotAPI().start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(api, assistant, tmp_path):
    """The bridge, long polling the fake Bot API."""
    async with running(bridge_config(api, assistant, tmp_path)) as application:
        yield application


def conversation_of(assistant, chat_id: int, reset_message_id: int = 0) -> str:
    """The Rasa conversation id the bridge gives a chat (a keyed hash, channels/ownership.py)."""
    return telegram_conversation_id(assistant.bridge_secret, chat_id, reset_message_id)


@pytest.fixture
def chat_id():
    """A new private chat (so a new Rasa conversation) per test."""
    return random.randint(10**8, 10**10)


def check_turn(turn: List[Sent], html: bool = True) -> str:
    """The disclaimer ends the turn's last message and appears nowhere else; the turn's text without it.

    `turn` is everything the bot sent until the chat was quiet (FakeBotAPI.turn),
    so a second disclaimer or a message after the disclaimer fails here.
    """
    assert turn, "the bot said nothing"
    assert turn[-1].text.endswith(DISCLAIMER), "the turn does not end with the disclaimer"
    if html:
        assert turn[-1].html.endswith(f"<i>{DISCLAIMER}</i>"), "the disclaimer is set apart in italics"
    assert all(DISCLAIMER not in sent.text for sent in turn[:-1]), "disclaimer repeated inside the turn"
    assert turn[-1].text.count(DISCLAIMER) == 1, "disclaimer repeated inside the turn"
    return "\n".join(sent.text for sent in turn)[: -len(DISCLAIMER)].strip()


async def say(api: FakeBotAPI, chat_id: int, text: str) -> List[Sent]:
    api.push(api.user_message(chat_id, text))
    return await api.turn(chat_id)


async def press(api: FakeBotAPI, chat_id: int, sent: Sent, title: str) -> List[Sent]:
    api.push(api.press(sent, title))
    return await api.turn(chat_id)
