"""What the bot does with each kind of update.

Private chats only: each text goes to Rasa and the whole turn comes back
through rendering.finish_turn. Groups get a polite pointer to a private chat,
and only when they address the bot: what people share here is health
information, and a group is the wrong place for it (the bot never forwards
group messages to Rasa). Anything that isn't text gets a plain "text only"
answer; an edit is not re-answered, since the conversation has moved on.

Logs name the chat id and the kind of update, never message text, names or
numbers (design.md, invariant 6).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, TypeVar

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError
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


class Bridge:
    def __init__(self, rasa: RasaClient) -> None:
        self.rasa = rasa

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
        for message in messages:
            markup = self.keyboard(message.rows, context.chat_data)
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
                logger.error("Telegram rejected the HTML for chat %s; sent as plain text.", chat_id)
                await with_retries(
                    lambda: context.bot.send_message(
                        chat_id, message.plain, reply_markup=markup, link_preview_options=NO_PREVIEW
                    )
                )

    async def converse(self, update: Update, context: Context, message: str, before: tuple = ()) -> None:
        """Send `message` to this chat's Rasa conversation and the turn back, `before` texts first."""
        chat_id = update.effective_chat.id
        sender = conversations.sender_id(chat_id, context.chat_data)
        try:
            turn = await self.rasa.send(sender, message)
        except RasaUnavailable as problem:
            logger.error("Rasa unavailable for chat %s: %s", chat_id, problem)
            turn = [{"text": texts.rasa_down()}]
        await self.send(context, chat_id, finish_turn([{"text": text} for text in before] + turn))

    async def say(self, update: Update, context: Context, text: str) -> None:
        await self.send(context, update.effective_chat.id, own_turn(text))

    # Private chats ----------------------------------------------------------

    async def on_text(self, update: Update, context: Context) -> None:
        logger.info("chat %s: text", update.effective_chat.id)
        await self.converse(update, context, update.effective_message.text)

    async def on_caption(self, update: Update, context: Context) -> None:
        """A photo or file with a caption: the caption is the person's words, so answer those."""
        logger.info("chat %s: media with caption", update.effective_chat.id)
        await self.converse(update, context, update.effective_message.caption)

    async def on_start(self, update: Update, context: Context) -> None:
        logger.info("chat %s: /start", update.effective_chat.id)
        await self.converse(update, context, GREET, before=(texts.privacy_note(),))

    async def on_help(self, update: Update, context: Context) -> None:
        logger.info("chat %s: /help", update.effective_chat.id)
        await self.converse(update, context, CAPABILITIES, before=(texts.help_note(),))

    async def on_callback(self, update: Update, context: Context) -> None:
        logger.info("chat %s: /callback", update.effective_chat.id)
        await self.converse(update, context, REQUEST_CALLBACK)

    async def on_reset(self, update: Update, context: Context) -> None:
        chat_id = update.effective_chat.id
        conversations.start_new_conversation(chat_id, context.chat_data, update.effective_message.message_id)
        logger.info("chat %s: /reset, new conversation", chat_id)
        await self.converse(update, context, GREET, before=(texts.reset_note(),))

    async def on_unknown_command(self, update: Update, context: Context) -> None:
        logger.info("chat %s: unknown command", update.effective_chat.id)
        await self.say(update, context, texts.unknown_command())

    async def on_not_text(self, update: Update, context: Context) -> None:
        logger.info("chat %s: not text (%s)", update.effective_chat.id, kind_of(update.effective_message))
        await self.say(update, context, texts.text_only())

    async def on_edited(self, update: Update, context: Context) -> None:
        logger.info("chat %s: edited message", update.effective_chat.id)
        await self.say(update, context, texts.edited_message())

    async def on_button(self, update: Update, context: Context) -> None:
        """A keyboard button: its payload goes to Rasa, the keyboard becomes a "✓ choice" marker."""
        query = update.callback_query
        if query.data == conversations.CHOSEN:
            await query.answer(texts.already_chosen())
            return
        found = conversations.pressed(context.chat_data, query.data or "") if update.effective_chat else None
        if not found:
            await query.answer(texts.expired_button(), show_alert=True)
            await self.mark(query.message, None)
            return
        payload, title = found
        logger.info("chat %s: button", update.effective_chat.id)
        await query.answer()
        await self.mark(query.message, [InlineKeyboardButton(f"✓ {title}", callback_data=conversations.CHOSEN)])
        await self.converse(update, context, payload)

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
        except BadRequest as problem:  # e.g. pressed twice: "message is not modified"
            logger.info("chat %s: keyboard not changed (%s)", message.chat_id, problem)

    # Groups -----------------------------------------------------------------

    async def on_group(self, update: Update, context: Context) -> None:
        """Decline, pointing to a private chat, when addressed; otherwise stay silent."""
        message = update.message
        if message is None or not addressed(message, context.bot.username, context.bot.id):
            return
        logger.info("chat %s: addressed in a group, declined", update.effective_chat.id)
        reply = own_turn(texts.group_decline())
        reply[-1].rows = [[Button("Message me privately", url=f"https://t.me/{context.bot.username}")]]
        await self.send(context, update.effective_chat.id, reply)

    async def on_error(self, update: object, context: Context) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        logger.error(
            "Error handling an update (chat %s): %s", chat.id if chat else "-", type(context.error).__name__,
            exc_info=context.error,
        )


def addressed(message: Message, username: str, bot_id: int) -> bool:
    """A command, a mention of the bot, or a reply to one of its messages."""
    mention = f"@{username}".lower()
    text = (message.text or message.caption or "").lower()
    if message.reply_to_message and message.reply_to_message.from_user and message.reply_to_message.from_user.id == bot_id:
        return True
    if text.startswith("/"):
        command = text.split()[0]
        return "@" not in command or command.endswith(mention)
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
    handlers: List[Any] = [
        MessageHandler(filters.ChatType.GROUPS, bridge.on_group),
        CommandHandler("start", bridge.on_start, filters=private & new),
        CommandHandler("help", bridge.on_help, filters=private & new),
        CommandHandler("callback", bridge.on_callback, filters=private & new),
        CommandHandler("reset", bridge.on_reset, filters=private & new),
        MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, bridge.on_edited),
        MessageHandler(private & new & filters.COMMAND, bridge.on_unknown_command),
        MessageHandler(private & new & filters.TEXT, bridge.on_text),
        MessageHandler(private & new & filters.CAPTION, bridge.on_caption),
        MessageHandler(private & new, bridge.on_not_text),
        CallbackQueryHandler(bridge.on_button),
    ]
    application.add_handlers(handlers)
    application.add_error_handler(bridge.on_error)
