"""Per-chat state: which Rasa conversation a chat is in, and what its buttons send.

Kept in PTB's chat_data, which the bridge persists (TELEGRAM_STATE_FILE) so a
restart neither starts everyone's conversation over nor breaks the buttons
already on their screens. It holds no message text, names or numbers: a
conversation id, and the payloads of the buttons the assistant offered.

Conversation ids: a keyed hash (channels/ownership.py, keyed with
BRIDGE_SECRET) of the chat id for a chat's first conversation, and of the chat
id and the message id of the /reset after each /reset: "tg-" and 32 hex
digits. Message ids only grow within a chat, so a reset always gives a new,
never reused id. Chat ids are public, small numbers; a hash keyed with a
secret can't be computed from one, so no one can name a Telegram user's
conversation (and the Rasa server takes these ids from the bridge only).
Ids of earlier versions ("telegram-<chat id>") are not continued: such a chat
starts a new conversation.

Buttons: Telegram's callback_data holds at most 64 bytes, and a Rasa payload
such as '/ask_level_info{"level_of_care": "medically_managed_intensive_inpatient"}'
is longer, so each button gets a short token ("b17") and the payload stays here.
Only the buttons of the latest Rasa turn act, and only once: a press uses them
up, and the next Rasa turn replaces them. So a double tap, or a tap on a
keyboard the conversation has moved past (a form question already answered by
typing), sends nothing to Rasa; the person is told the button is no longer
active. The bridge's own replies ("text only", unknown command) leave them be:
the question they answer is still open. Tokens are numbered per chat and never
reused, so an old keyboard's token can't be mistaken for a new one.
"""
from __future__ import annotations

from typing import MutableMapping, Optional, Tuple

from channels.ownership import TELEGRAM_ID, telegram_conversation_id
from telegram_bridge.rendering import Button

CHOSEN = "chosen"  # callback_data of the "✓ choice" marker left after a press


def sender_id(key: str, chat_id: int, chat_data: MutableMapping) -> str:
    saved = chat_data.get("sender")
    if isinstance(saved, str) and TELEGRAM_ID.fullmatch(saved):
        return saved
    return telegram_conversation_id(key, chat_id)


def start_new_conversation(key: str, chat_id: int, chat_data: MutableMapping, reset_message_id: int) -> None:
    chat_data["sender"] = telegram_conversation_id(key, chat_id, reset_message_id)
    chat_data.pop("buttons", None)  # the old conversation's buttons no longer apply


def new_turn(chat_data: MutableMapping) -> None:
    """A Rasa turn is about to be shown: the previous turn's buttons stop acting."""
    chat_data["buttons"] = {}


def remember_button(chat_data: MutableMapping, button: Button) -> str:
    """The callback_data token for a button that sends `button.payload` when pressed."""
    number = chat_data.get("next_button", 0)
    chat_data["next_button"] = number + 1
    token = f"b{number}"
    chat_data.setdefault("buttons", {})[token] = (button.payload, button.title)
    return token


def pressed(chat_data: MutableMapping, token: str, message_id: Optional[int]) -> Optional[Tuple[str, str]]:
    """(payload, title) of a pressed button, using up the turn's buttons; None if it no longer acts."""
    found = chat_data.get("buttons", {}).get(token)
    if found:
        chat_data["buttons"] = {}
        chat_data["pressed_message"] = message_id
    return found


def already_pressed(chat_data: MutableMapping, message_id: Optional[int]) -> bool:
    """Whether a button under this message was the last one pressed (a double tap)."""
    return message_id is not None and chat_data.get("pressed_message") == message_id
