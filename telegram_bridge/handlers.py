"""What the bot does with each kind of update.

Private chats only: each text goes to Rasa and the whole turn comes back
through rendering.finish_turn. Groups get a polite pointer to a private chat,
and only when they address the bot: what people share here is health
information, and a group is the wrong place for it (the bot never forwards
group messages to Rasa). Anything that isn't text gets a plain "text only"
answer; service messages (a pin, an auto-delete timer) get none. An edited
message's new text goes to Rasa as a new message: the edit may be the one
that says someone is in danger, and crisis detection (in Rasa's NLU
pipeline) must see it (docs/design.md, invariant 2).

A button press always reaches Rasa once the button is known to act: stopping
the button's spinner (answerCallbackQuery, refused as "too old" after a slow
turn) and replacing its keyboard are niceties whose failure is logged and
passed over.

Logs name the kind of update and a short tag of the chat (a keyed hash: a
private chat's id is the person's Telegram user id), never message text,
names or numbers (docs/design.md, invariant 6).

During a live handoff (docs/handoff.md) the Rasa server answers a message
with no bot turn (`[]`): the staff member reads it, and the bridge sends
nothing (the staff member's words arrive through telegram_bridge/handoff.py).
A crisis message still gets the crisis turn in the reply, sent as usual.
The bridge keeps an index from conversation id to chat (`chat_of`) for that
delivery: built from the saved chats at start, kept up to date by every turn
and reset.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, TypeVar

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from telegram_bridge import conversations, texts
from telegram_bridge.rasa_client import RasaClient, RasaUnavailable
from telegram_bridge.rendering import Button, Outgoing, finish_turn, own_turn

logger = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
T = TypeVar("T")

# The intents behind the commands (domain.yml): the same answers as on the website.
GREET, CAPABILITIES, REQUEST_CALLBACK = "/greet", "/ask_capabilities", "/request_callback"
COMMANDS = [
    BotCommand("start", "Welcome and privacy note"),
    BotCommand("help", "What I can do"),
    BotCommand("callback", "Ask our admissions team to call you"),
    BotCommand("reset", "Start a new conversation"),
]
OUR_COMMANDS = frozenset(command.command for command in COMMANDS)
SEND_ATTEMPTS = 3
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def with_retries(call: Callable[[], Awaitable[T]]) -> T:
    """A Bot API call, tried again on network errors (timeouts, 5xx), not on a refusal.

    Flood limits (429) are the rate limiter's job (AIORateLimiter, set in app.py).
    A timed-out send may have arrived, so a retry can rarely show a message twice;
    losing a reply, such as crisis numbers, would be worse.
    """
    for attempt in range(1, SEND_ATTEMPTS):
        try:
            return await call()
        except (BadRequest, Forbidden):
            raise
        except NetworkError:
            await asyncio.sleep(0.5 * 2 ** (attempt - 1))
    return await call()


def chat_tag(key: str, chat_id: Optional[int]) -> str:
    """A chat as logs name it: 8 hex digits of an HMAC of its id, keyed with the bot token.

    Stable for a deployment (one chat's log lines can be followed), but not
    reversible by trying every possible user id without the token.
    """
    if chat_id is None:
        return "-"
    return hmac.new(key.encode(), str(chat_id).encode(), hashlib.sha256).hexdigest()[:8]


class Bridge:
    def __init__(self, rasa: RasaClient, log_key: str, conversation_key: str) -> None:
        self.rasa = rasa
        self._log_key = log_key
        self._conversation_key = conversation_key
        self._chats: Dict[str, int] = {}  # conversation id -> chat id, for the handoff poller

    # Which chat a conversation is in -----------------------------------------

    def sender(self, chat_id: int, chat_data: Dict) -> str:
        """The chat's current Rasa conversation id, noted in the index."""
        sender = conversations.sender_id(self._conversation_key, chat_id, chat_data)
        self._chats[sender] = chat_id
        return sender

    def index_chats(self, chat_data: Mapping[int, Dict]) -> None:
        """Index every saved private chat (at start, after the saved chats are loaded)."""
        for chat_id, data in chat_data.items():
            if isinstance(chat_id, int) and chat_id > 0:  # private chats: a user id; groups are negative
                self.sender(chat_id, data)

    def chat_of(self, sender: str) -> Optional[int]:
        """The chat whose current conversation is `sender`, if this bridge knows it."""
        return self._chats.get(sender)

    def tag(self, chat_id: Optional[int]) -> str:
        return chat_tag(self._log_key, chat_id)

    # Sending ---------------------------------------------------------------

    def keyboard(self, rows: List[List[Button]], chat_data: Dict) -> Optional[InlineKeyboardMarkup]:
        if not rows:
            return None
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(button.title, url=button.url)
                    if button.url
                    else InlineKeyboardButton(button.title, callback_data=conversations.remember_button(chat_data, button))
                    for button in row
                ]
                for row in rows
            ]
        )

    async def send(self, context: Context, chat_id: int, messages: List[Outgoing]) -> None:
        """Send a turn's messages in order; one that fails is logged and the rest still go.

        The rest include the crisis lines and the disclaimer, so a refusal of
        one message (after the retries) must not stop the turn. Only a chat
        that blocked the bot (Forbidden) ends it: nothing more can arrive.
        """
        for message in messages:
            markup = self.keyboard(message.rows, context.chat_data)
            try:
                await self.send_one(context, chat_id, message, markup)
            except Forbidden:
                logger.warning("chat %s: the bot cannot write to this chat (blocked?)", self.tag(chat_id))
                return
            except TelegramError as problem:
                logger.error("chat %s: a message could not be sent (%s)", self.tag(chat_id), type(problem).__name__)

    async def send_one(self, context: Context, chat_id: int, message: Outgoing, markup: Optional[InlineKeyboardMarkup]) -> None:
        try:
            await with_retries(
                lambda: context.bot.send_message(
                    chat_id, message.html, parse_mode=ParseMode.HTML, reply_markup=markup,
                    link_preview_options=NO_PREVIEW,
                )
            )
        except BadRequest as problem:
            if "parse" not in str(problem).lower():
                raise
            # A rendering bug must not cost the person the reply: send it unformatted.
            logger.error("chat %s: Telegram rejected the HTML; sending plain text.", self.tag(chat_id))
            await with_retries(
                lambda: context.bot.send_message(
                    chat_id, message.plain, reply_markup=markup, link_preview_options=NO_PREVIEW
                )
            )

    async def converse(self, update: Update, context: Context, message: str, before: tuple = ()) -> None:
        """Send `message` to this chat's Rasa conversation and the turn back, `before` texts first."""
        chat_id = update.effective_chat.id
        sender = self.sender(chat_id, context.chat_data)
        try:
            turn = await self.rasa.send(sender, message)
        except RasaUnavailable as problem:
            logger.error("chat %s: Rasa unavailable (%s)", self.tag(chat_id), problem)
            turn = [{"text": texts.rasa_down()}]
        if not turn:
            # A live handoff: the message went to the staff member and no bot turn ran.
            # Nothing to show (the buttons on screen stay as they were); the bridge's own
            # texts asked for, such as /start's privacy note, still go.
            logger.info("chat %s: no bot turn (live handoff)", self.tag(chat_id))
            if before:
                await self.send(context, chat_id, own_turn(*before))
            return
        conversations.new_turn(context.chat_data)
        await self.send(context, chat_id, finish_turn([{"text": text} for text in before] + turn))

    async def say(self, update: Update, context: Context, text: str) -> None:
        await self.send(context, update.effective_chat.id, own_turn(text))

    # Private chats ----------------------------------------------------------

    def log(self, update: Update, kind: str) -> None:
        logger.info("chat %s: %s", self.tag(update.effective_chat.id if update.effective_chat else None), kind)

    async def on_text(self, update: Update, context: Context) -> None:
        self.log(update, "text")
        await self.converse(update, context, update.effective_message.text)

    async def on_caption(self, update: Update, context: Context) -> None:
        """A photo or file with a caption: the caption is the person's words, so answer those."""
        self.log(update, "media with caption")
        await self.converse(update, context, update.effective_message.caption)

    async def on_edited(self, update: Update, context: Context) -> None:
        """An edited message (or caption): its new text, answered as a new message."""
        self.log(update, "edited message")
        message = update.effective_message
        await self.converse(update, context, message.text or message.caption)

    async def on_start(self, update: Update, context: Context) -> None:
        self.log(update, "/start")
        await self.converse(update, context, GREET, before=(texts.privacy_note(),))

    async def on_help(self, update: Update, context: Context) -> None:
        self.log(update, "/help")
        await self.converse(update, context, CAPABILITIES, before=(texts.help_note(),))

    async def on_callback(self, update: Update, context: Context) -> None:
        self.log(update, "/callback")
        await self.converse(update, context, REQUEST_CALLBACK)

    async def on_reset(self, update: Update, context: Context) -> None:
        chat_id = update.effective_chat.id
        old_sender = conversations.sender_id(self._conversation_key, chat_id, context.chat_data)
        self._chats.pop(old_sender, None)
        try:
            await self.rasa.end_handoff(old_sender)  # a person may have the old conversation
        except RasaUnavailable:  # the wait, or the staff member, ends it then
            logger.warning("chat %s: could not end a handoff at /reset", self.tag(chat_id))
        conversations.start_new_conversation(
            self._conversation_key, chat_id, context.chat_data, update.effective_message.message_id
        )
        self.log(update, "/reset, new conversation")
        # Saved now, not at the next periodic save: a crash in between would
        # silently put the person back in the conversation they reset.
        context.application.mark_data_for_update_persistence(chat_ids=chat_id)
        try:
            await context.application.update_persistence()
        except Exception as problem:  # e.g. disk full: the reset still holds in memory  # noqa: BLE001
            logger.error("chat %s: could not save the reset (%s)", self.tag(chat_id), type(problem).__name__)
        await self.converse(update, context, GREET, before=(texts.reset_note(),))

    async def on_unknown_command(self, update: Update, context: Context) -> None:
        self.log(update, "unknown command")
        await self.say(update, context, texts.unknown_command())

    async def on_not_text(self, update: Update, context: Context) -> None:
        self.log(update, f"not text ({kind_of(update.effective_message)})")
        await self.say(update, context, texts.text_only())

    async def on_button(self, update: Update, context: Context) -> None:
        """A keyboard button: its payload goes to Rasa, the keyboard becomes a "✓ choice" marker.

        Only the latest Rasa turn's buttons act, once (conversations.py): a
        double tap or an old keyboard gets "no longer active" and nothing
        reaches Rasa. Answering the query and editing the keyboard may fail
        (the query too old after a slow turn, the message deleted): logged
        and passed over, the payload is still delivered.
        """
        query = update.callback_query
        if query.data == conversations.CHOSEN:
            await self.answer(update, texts.already_chosen())
            return
        message_id = query.message.message_id if query.message else None
        found = conversations.pressed(context.chat_data, query.data or "", message_id) if update.effective_chat else None
        if not found:
            if update.effective_chat and conversations.already_pressed(context.chat_data, message_id):
                self.log(update, "button pressed again")
                await self.answer(update, texts.already_chosen())
                return
            self.log(update, "inactive button")
            await self.answer(update, texts.expired_button(), show_alert=True)
            await self.mark(query.message, None)
            return
        payload, title = found
        self.log(update, "button")
        await self.answer(update)
        await self.mark(query.message, [InlineKeyboardButton(f"✓ {title}", callback_data=conversations.CHOSEN)])
        await self.converse(update, context, payload)

    async def answer(self, update: Update, text: Optional[str] = None, show_alert: bool = False) -> None:
        """Stop the button's spinner (with a note); a refusal, such as "query is too old", is no reason to stop."""
        try:
            await update.callback_query.answer(text, show_alert=show_alert)
        except TelegramError as problem:
            chat = update.effective_chat
            logger.warning("chat %s: button not acknowledged (%s)", self.tag(chat.id if chat else None), type(problem).__name__)

    async def mark(self, message: Optional[Message], chosen: Optional[List[InlineKeyboardButton]]) -> None:
        """Replace a message's answer buttons by `chosen` (or nothing), keeping its link buttons."""
        if not isinstance(message, Message):
            return  # too old for Telegram to show us
        old_rows = message.reply_markup.inline_keyboard if message.reply_markup else ()
        rows = [list(row) for row in old_rows if all(button.url for button in row)]
        if chosen:
            rows.append(chosen)
        try:
            await with_retries(lambda: message.edit_reply_markup(InlineKeyboardMarkup(rows) if rows else None))
        except TelegramError as problem:  # e.g. "message is not modified", or deleted
            logger.info("chat %s: keyboard not changed (%s)", self.tag(message.chat_id), type(problem).__name__)

    # Groups -----------------------------------------------------------------

    async def on_group(self, update: Update, context: Context) -> None:
        """Decline, pointing to a private chat, when addressed; otherwise stay silent."""
        message = update.message
        if message is None or not addressed(message, context.bot.username, context.bot.id):
            return
        self.log(update, "addressed in a group, declined")
        reply = own_turn(texts.group_decline())
        reply[-1].rows = [[Button("Message me privately", url=f"https://t.me/{context.bot.username}")]]
        await self.send(context, update.effective_chat.id, reply)

    async def on_error(self, update: object, context: Context) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        logger.error(
            "Error handling an update (chat %s): %s", self.tag(chat.id if chat else None), type(context.error).__name__,
            exc_info=context.error,
        )


def addressed(message: Message, username: str, bot_id: int) -> bool:
    """One of our commands, a mention of the bot, or a reply to one of its messages.

    A bare command is ours only if it is one of our commands: in a group with
    other bots, "/settings" is meant for one of them. "/anything@ourbot" names us.
    """
    mention = f"@{username}".lower()
    text = (message.text or message.caption or "").lower()
    if message.reply_to_message and message.reply_to_message.from_user and message.reply_to_message.from_user.id == bot_id:
        return True
    if text.startswith("/"):
        command, _, to = text.split()[0][1:].partition("@")
        return to == username.lower() if to else command in OUR_COMMANDS
    return mention in text


def kind_of(message: Message) -> str:
    """The kind of a non-text message, for the log: sticker, photo, voice, ..."""
    for kind in ("sticker", "photo", "voice", "video_note", "video", "audio", "document", "location", "contact", "poll"):
        if getattr(message, kind, None):
            return kind
    return "other"


def register(application: Application, bridge: Bridge) -> None:
    private = filters.ChatType.PRIVATE
    new = filters.UpdateType.MESSAGE
    edited = filters.UpdateType.EDITED_MESSAGE
    handlers: List[Any] = [
        MessageHandler(filters.ChatType.GROUPS, bridge.on_group),
        CommandHandler("start", bridge.on_start, filters=private & new),
        CommandHandler("help", bridge.on_help, filters=private & new),
        CommandHandler("callback", bridge.on_callback, filters=private & new),
        CommandHandler("reset", bridge.on_reset, filters=private & new),
        # An edited text or caption is answered as a new message; other edits (a live
        # location moving, an edited command) are not answered.
        MessageHandler(private & edited & ((filters.TEXT & ~filters.COMMAND) | filters.CAPTION), bridge.on_edited),
        MessageHandler(private & new & filters.COMMAND, bridge.on_unknown_command),
        MessageHandler(private & new & filters.TEXT, bridge.on_text),
        MessageHandler(private & new & filters.CAPTION, bridge.on_caption),
        MessageHandler(private & new & ~filters.StatusUpdate.ALL, bridge.on_not_text),
        CallbackQueryHandler(bridge.on_button),
    ]
    application.add_handlers(handlers)
    application.add_error_handler(bridge.on_error)
