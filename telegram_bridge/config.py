"""The bridge's settings, all from the environment (so `make run` and a deployment need no file).

TELEGRAM_BOT_TOKEN       the bot's token from @BotFather (required)
TELEGRAM_BASE_URL        Bot API address, default Telegram's own; any local Bot API
                         server (or the tests' fake one) can stand in. The token is
                         appended, or put where "{token}" is written.
RASA_URL                 the bridge's own endpoint on the Rasa server, default
                         http://127.0.0.1:$RASA_PORT/webhooks/telegram/webhook
BRIDGE_SECRET            the shared secret that endpoint asks for (required, at least
                         32 characters; `make run` passes the one the server expects).
                         It also keys the hash that names each chat's conversation.
RASA_TIMEOUT             seconds to wait for one Rasa turn (default 30)
TELEGRAM_WEBHOOK_URL     set to use a webhook instead of long polling: the public https://
                         URL Telegram posts to (its path is the path served locally)
TELEGRAM_WEBHOOK_SECRET  required with a webhook: Telegram sends it in every request
                         and the bridge rejects requests without it (1-256 of A-Z a-z 0-9 _ -)
TELEGRAM_WEBHOOK_LISTEN  local address of the webhook server (default 127.0.0.1, behind a proxy)
TELEGRAM_WEBHOOK_PORT    its port (default 8443)
TELEGRAM_STATE_FILE      where each chat's conversation id survives restarts
                         (default var/telegram_bridge.pickle); the live handoff
                         poll's cursor is kept beside it (<name>.handoff-cursor.json)

A malformed value (a port that is not a number, a webhook URL that is not
https) raises ConfigError, whose message names the variable; the entry point
prints it in one line instead of a traceback.
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
    rasa_url: str
    rasa_timeout: float
    bridge_secret: str
    state_file: Path
    webhook: Optional[Webhook] = None


def _number(env: Mapping[str, str], name: str, default: str, kind: type, low: float, high: float):
    """The setting `name` as an int or float within [low, high], or a ConfigError saying so."""
    raw = (env.get(name) or default).strip()
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{name} must be {what} from {low:g} to {high:g} (it is {raw!r}).")
    return value


def _webhook_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigError(
            "TELEGRAM_WEBHOOK_URL must be a public https:// URL (Telegram posts only to HTTPS), "
            "for example https://bot.example.org/telegram."
        )
    return url


def from_env(env: Mapping[str, str] = os.environ) -> Config:
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set (get a token from @BotFather).")
    base_url = env.get("TELEGRAM_BASE_URL") or TELEGRAM_API
    bridge_secret = env.get("BRIDGE_SECRET", "").strip()
    if len(bridge_secret) < 32:
        raise ConfigError(
            "BRIDGE_SECRET must be set to the Rasa server's bridge secret (at least 32 characters; "
            "`make run` sets it, see channels/ownership.py)."
        )
    webhook = None
    if env.get("TELEGRAM_WEBHOOK_URL"):
        secret = env.get("TELEGRAM_WEBHOOK_SECRET", "")
        if not SECRET_TOKEN.fullmatch(secret):
            raise ConfigError(
                "TELEGRAM_WEBHOOK_SECRET must be set with TELEGRAM_WEBHOOK_URL: 1-256 characters "
                "of A-Z, a-z, 0-9, _ and - (for example: openssl rand -hex 32)."
            )
        webhook = Webhook(
            url=_webhook_url(env["TELEGRAM_WEBHOOK_URL"].strip()),
            secret=secret,
            listen=env.get("TELEGRAM_WEBHOOK_LISTEN") or "127.0.0.1",
            port=_number(env, "TELEGRAM_WEBHOOK_PORT", "8443", int, 1, 65535),
        )
    return Config(
        token=token,
        base_url=base_url,
        rasa_url=env.get("RASA_URL")
        or f"http://127.0.0.1:{_number(env, 'RASA_PORT', '5005', int, 1, 65535)}/webhooks/telegram/webhook",
        rasa_timeout=_number(env, "RASA_TIMEOUT", "30", float, 1, 3600),
        bridge_secret=bridge_secret,
        state_file=Path(env.get("TELEGRAM_STATE_FILE") or ROOT / "var" / "telegram_bridge.pickle"),
        webhook=webhook,
    )
