"""Wiring and the entry point: `python -m telegram_bridge` (make run starts it when
TELEGRAM_BOT_TOKEN is set).

Long polling by default: the bridge asks Telegram for updates, so it needs no
public address. With TELEGRAM_WEBHOOK_URL it serves a webhook instead (PTB's
own server, behind an HTTPS proxy) and rejects any request without the
secret token Telegram was given (HTTP 403).

`running()` is the one start-up path, used by main() and by the tests, which
point TELEGRAM_BASE_URL at a fake Bot API server. It also runs the live
handoff poller (telegram_bridge/handoff.py) for as long as the bot runs: an
asyncio task beside PTB's own (PTB's job queue would need a newer APScheduler
than Rasa's pin), started once the saved chats are loaded and stopped, its
batch delivered and its cursor saved, before the bot stops.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import AsyncIterator, Tuple

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, PersistenceInput, PicklePersistence

from telegram_bridge.config import Config, ConfigError, from_env
from telegram_bridge.handlers import COMMANDS, Bridge, register
from telegram_bridge.handoff import HandoffPoller, cursor_file_for
from telegram_bridge.ordering import PerChatOrder
from telegram_bridge.rasa_client import RasaClient

logger = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 3  # times a request is repeated after Telegram's "retry after N s"
# The kinds of update the handlers answer (handlers.register); Telegram sends no others.
UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]


def build(config: Config) -> Tuple[Application, Bridge, HandoffPoller]:
    config.state_file.parent.mkdir(parents=True, exist_ok=True)
    persistence = PicklePersistence(
        config.state_file,
        store_data=PersistenceInput(chat_data=True, user_data=False, bot_data=False, callback_data=False),
        update_interval=10,
    )
    order = PerChatOrder()
    application = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.base_url)
        .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .concurrent_updates(order)
        # A second connection for getUpdates: at shutdown PTB calls it once more to mark
        # fetched updates as read, and the cancelled long poll may still hold the first.
        .get_updates_connection_pool_size(2)
        .persistence(persistence)
        .build()
    )
    bridge = Bridge(
        RasaClient(config.rasa_url, config.rasa_timeout, config.bridge_secret),
        log_key=config.token,
        conversation_key=config.bridge_secret,
    )
    register(application, bridge)
    poller = HandoffPoller(application, bridge, order, cursor_file_for(config.state_file))
    return application, bridge, poller


@contextlib.asynccontextmanager
async def running(config: Config) -> AsyncIterator[Application]:
    """The bot receiving and answering updates until the block ends."""
    application, bridge, poller = build(config)
    await bridge.rasa.start()
    try:
        async with application:  # initialize: getMe, load the persisted chats
            try:
                await application.bot.set_my_commands(COMMANDS)
            except TelegramError as problem:  # the menu is a nicety; the bot works without it
                logger.warning("Could not set the command menu: %s", problem)
            if config.webhook:
                await application.updater.start_webhook(
                    listen=config.webhook.listen,
                    port=config.webhook.port,
                    url_path=config.webhook.path,
                    webhook_url=config.webhook.url,
                    secret_token=config.webhook.secret,
                    allowed_updates=UPDATES,
                    # One request at a time: with more, Telegram posts a chat's updates in
                    # parallel and they can reach the per-chat queue (ordering.py) out of
                    # order, e.g. a button press before the message typed just before it.
                    max_connections=1,
                )
            else:
                await application.updater.start_polling(allowed_updates=UPDATES)
            await application.start()
            bridge.index_chats(application.chat_data)
            await poller.start()
            try:
                yield application
            finally:
                await poller.stop()
                await application.updater.stop()
                await application.stop()
    finally:
        await bridge.rasa.close()


async def serve(config: Config) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with running(config):
        mode = f"webhook on {config.webhook.listen}:{config.webhook.port}" if config.webhook else "long polling"
        logger.info("Telegram bridge running (%s), Rasa at %s.", mode, config.rasa_url)
        await stop.wait()


def main() -> int:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        config = from_env()
    except ConfigError as problem:
        print(f"Telegram bridge: {problem}", file=sys.stderr)
        return 2
    asyncio.run(serve(config))
    return 0
