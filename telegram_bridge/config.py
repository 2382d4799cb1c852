"""The bridge's settings, all from the environment (so `make run` and a deployment need no file).

TELEGRAM_BOT_TOKEN       the bot's token from @BotFather (required)
TELEGRAM_BASE_URL        Bot API address, default Telegram's own; any local Bot API
                         server (or the tests' fake one) can stand in. The token is
                         appended, or put where "{token}" is written.
TELEGRAM_BASE_FILE_URL   file download address; default derived from the base URL
RASA_URL                 the REST channel, default http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook
RASA_TIMEOUT             seconds to wait for one Rasa turn (default 30)
TELEGRAM_WEBHOOK_URL     set to use a webhook instead of long polling: the public HTTPS
                         URL Telegram posts to (its path is the path served locally)
TELEGRAM_WEBHOOK_SECRET  required with a webhook: Telegram sends it in every request
                         and the bridge rejects requests without it (1-256 of A-Z a-z 0-9 _ -)
TELEGRAM_WEBHOOK_LISTEN  local address of the webhook server (default 127.0.0.1, behind a proxy)
TELEGRAM_WEBHOOK_PORT    its port (default 8443)
TELEGRAM_STATE_FILE      where each chat's conversation id survives restarts
                         (default var/telegram_bridge.pickle)
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
TELEGRAM_API = "https://api.telegram.org/bot"
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Webhook:
    url: str
    secret: str
    listen: str
    port: int

    @property
    def path(self) -> str:
        return urlsplit(self.url).path.lstrip("/")


@dataclass(frozen=True)
class Config:
    token: str
    base_url: str
    base_file_url: str
    rasa_url: str
    rasa_timeout: float
    state_file: Path
    webhook: Optional[Webhook] = None


def file_url_for(base_url: str) -> str:
    """Bot API servers serve files under /file/bot<token>/ beside /bot<token>/."""
    if "/bot" in base_url:
        head, _, tail = base_url.rpartition("/bot")
        return f"{head}/file/bot{tail}"
    return base_url


def from_env(env: Mapping[str, str] = os.environ) -> Config:
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set (get a token from @BotFather).")
    base_url = env.get("TELEGRAM_BASE_URL") or TELEGRAM_API
    rasa_port = env.get("RASA_PORT", "5005")
    webhook = None
    if env.get("TELEGRAM_WEBHOOK_URL"):
        secret = env.get("TELEGRAM_WEBHOOK_SECRET", "")
        if not SECRET_TOKEN.fullmatch(secret):
            raise ConfigError(
                "TELEGRAM_WEBHOOK_SECRET must be set with TELEGRAM_WEBHOOK_URL: 1-256 characters "
                "of A-Z, a-z, 0-9, _ and - (for example: openssl rand -hex 32)."
            )
        webhook = Webhook(
            url=env["TELEGRAM_WEBHOOK_URL"],
            secret=secret,
            listen=env.get("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"),
            port=int(env.get("TELEGRAM_WEBHOOK_PORT", "8443")),
        )
    return Config(
        token=token,
        base_url=base_url,
        base_file_url=env.get("TELEGRAM_BASE_FILE_URL") or file_url_for(base_url),
        rasa_url=env.get("RASA_URL") or f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
        rasa_timeout=float(env.get("RASA_TIMEOUT", "30")),
        state_file=Path(env.get("TELEGRAM_STATE_FILE") or ROOT / "var" / "telegram_bridge.pickle"),
        webhook=webhook,
    )
