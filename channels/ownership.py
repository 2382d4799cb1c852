"""Who may write to a conversation (docs/design.md, invariant 7).

A conversation id alone proves nothing: website ids travel in browsers and
Telegram chat ids are small public numbers. So:

* **Website and other public clients.** The server hands out a conversation
  (`POST /webhooks/rest/conversations`): a random id (`web-` and 32 hex
  digits) and a token, the id signed with a key only the server knows
  (itsdangerous, HMAC-SHA256, checked in constant time). Every message then
  carries `Authorization: Bearer <token>`, and a message whose token does not
  name that id is refused. Tokens expire (CONVERSATION_TOKEN_TTL seconds,
  12 hours by default) and an expired one can be exchanged for a fresh one
  for a while (CONVERSATION_RENEWAL_WINDOW, 7 days), so a person who comes
  back to an open tab carries on, while a token found later in a browser
  history or a log is useless. Nothing is stored when a conversation is
  handed out: the token is the whole proof.
* **Telegram.** The bridge is the only client that speaks for Telegram chats.
  It reaches its own endpoint with a shared secret (BRIDGE_SECRET), and
  names each chat's conversation by a keyed hash of the chat id (`tg-`...),
  never the chat id itself. The public endpoint refuses ids of that shape.
* **Staff in a live handoff.** The staff app speaks for its logged-in staff
  member to the Rasa server's handoff endpoints with a secret of its own,
  derived from the same server secret (`staff_secret`).
* **Logs** name a conversation by a keyed hash of its id (`conversation_ref`),
  which is stable (one conversation's lines can be followed) but useless to
  anyone who reads the logs and wants to write to it. Lines that other code
  (Rasa) writes with an id in them are rewritten the same way
  (`hide_conversation_ids_in_logs`).

The keys come from one server secret: CONVERSATION_SECRET in the
environment, else `var/conversation.key`, created on first use readable by
its owner only. It is never in the repository. Replacing it ends every open
website conversation's token (the conversations stay, for staff).
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path
from typing import Mapping, Optional

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

ROOT = Path(__file__).resolve().parent.parent
SECRET_FILE = ROOT / "var" / "conversation.key"

DEFAULT_TOKEN_TTL = 12 * 3600
DEFAULT_RENEWAL_WINDOW = 7 * 24 * 3600

WEBSITE_ID = re.compile(r"web-[0-9a-f]{32}")
TELEGRAM_ID = re.compile(r"tg-[0-9a-f]{32}")
# Ids of the kinds only the Telegram bridge may use, today's and the chat-id
# based ones of earlier versions ("telegram-<chat id>"): refused on the public
# endpoint even with a token.
BRIDGE_ONLY_ID = re.compile(r"(tg|telegram)-.*", re.IGNORECASE)


class OwnershipRefused(Exception):
    """A message without valid proof for its conversation. `code` is for clients."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


def server_secret() -> bytes:
    """CONVERSATION_SECRET, or the key file under var/ (created once, owner-only)."""
    configured = os.environ.get("CONVERSATION_SECRET", "")
    if configured:
        if len(configured) < 32:
            raise RuntimeError("CONVERSATION_SECRET must be at least 32 characters.")
        return configured.encode()
    return _secret_from_file()


@functools.lru_cache(maxsize=1)
def _secret_from_file() -> bytes:
    if not SECRET_FILE.exists():
        SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(SECRET_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))
    return SECRET_FILE.read_text().strip().encode()


@functools.lru_cache(maxsize=16)
def _key(secret: bytes, purpose: str) -> bytes:
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()


def _derived_key(purpose: str, secret: Optional[bytes] = None) -> bytes:
    """A separate key per use, so that no value made for one use is valid for another."""
    return _key(secret or server_secret(), purpose)


def _seconds(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.isdigit() and int(value) > 0 else default


def token_ttl() -> int:
    return _seconds("CONVERSATION_TOKEN_TTL", DEFAULT_TOKEN_TTL)


def renewal_window() -> int:
    return _seconds("CONVERSATION_RENEWAL_WINDOW", DEFAULT_RENEWAL_WINDOW)


def _serializer(secret: Optional[bytes] = None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_derived_key("conversation-token", secret), salt="conversation")


def new_conversation_id() -> str:
    return "web-" + secrets.token_hex(16)


def issue_token(sender: str, secret: Optional[bytes] = None) -> str:
    """A token for `sender`, signed with the server secret (or `secret`, for a test that runs its own server)."""
    return _serializer(secret).dumps(sender)


def bearer_token(headers: Mapping[str, str]) -> Optional[str]:
    """The token of an `Authorization: Bearer <token>` header. A header with bytes outside
    printable ASCII (no token has any) counts as a wrong token, not as an error."""
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    token = token.strip()
    return token if token.isascii() and token.isprintable() else "invalid"


def check_token(token: Optional[str], sender: str, max_age: Optional[int] = None) -> None:
    """Return if `token` proves ownership of `sender`; raise OwnershipRefused otherwise."""
    if not token:
        raise OwnershipRefused(
            "token_missing",
            "This conversation needs its token: POST /webhooks/rest/conversations for a conversation and a "
            "token, then send `Authorization: Bearer <token>` with each message.",
        )
    if len(token) > 512:
        raise OwnershipRefused("token_invalid", "The token is not valid for this conversation.")
    try:
        owner = _serializer().loads(token, max_age=max_age or token_ttl())
    except SignatureExpired:
        raise OwnershipRefused(
            "token_expired", "The token has expired: renew it at POST /webhooks/rest/conversations."
        ) from None
    except BadSignature:
        raise OwnershipRefused("token_invalid", "The token is not valid for this conversation.") from None
    # The token's own signature was checked in constant time; the id it
    # names is compared the same way.
    if not isinstance(owner, str) or not hmac.compare_digest(owner.encode(), sender.encode()):
        raise OwnershipRefused("token_invalid", "The token is not valid for this conversation.")


def renew_token(token: Optional[str], sender: str) -> str:
    """A fresh token for `sender`, from a token that may have expired within the renewal window."""
    check_token(token, sender, max_age=token_ttl() + renewal_window())
    return issue_token(sender)


def bridge_secret(secret: Optional[bytes] = None) -> str:
    """The secret the Telegram bridge shows the Rasa server: BRIDGE_SECRET, else derived from the server secret."""
    configured = os.environ.get("BRIDGE_SECRET", "")
    if configured and secret is None:
        if len(configured) < 32:
            raise RuntimeError("BRIDGE_SECRET must be at least 32 characters.")
        return configured
    return _derived_key("telegram-bridge", secret).hex()


def is_bridge_secret(token: Optional[str]) -> bool:
    return bool(token) and hmac.compare_digest(token.encode(), bridge_secret().encode())


def staff_secret(secret: Optional[bytes] = None) -> str:
    """The secret the staff app shows the Rasa server to act in a live handoff (channels/handoff.py):
    derived from the server secret, which both read (CONVERSATION_SECRET or var/conversation.key)."""
    return _derived_key("staff-handoff", secret).hex()


def is_staff_secret(token: Optional[str]) -> bool:
    return bool(token) and hmac.compare_digest(token.encode(), staff_secret().encode())


def telegram_conversation_id(bridge_key: str, chat_id: int, conversation_number: int = 0) -> str:
    """A Telegram chat's conversation id: a keyed hash of the chat id (and of which conversation of it)."""
    name = f"{chat_id}:{conversation_number}".encode()
    return "tg-" + hmac.new(bridge_key.encode(), name, hashlib.sha256).hexdigest()[:32]


def conversation_ref(sender: Optional[str]) -> str:
    """How logs name a conversation: 10 hex digits of a keyed hash of its id."""
    if not sender:
        return "-"
    return "c" + hmac.new(_derived_key("log-reference"), sender.encode(), hashlib.sha256).hexdigest()[:10]


# The ids of the shapes this project hands out, wherever they appear in a log line.
ID_IN_TEXT = re.compile(r"\b(?:web|tg)-[0-9a-f]{32}\b")


class ConversationIdsHidden(logging.Filter):
    """Rewrites conversation ids in any log record into their `conversation_ref`.

    Our own code logs references already; this catches the lines other code
    writes with an id in them (Rasa's circuit-breaker warning names the
    sender, for one). Attached to the handlers, so it sees every logger's
    records.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if ID_IN_TEXT.search(message):
            record.msg, record.args = ID_IN_TEXT.sub(lambda found: conversation_ref(found.group(0)), message), ()
        return True


def hide_conversation_ids_in_logs() -> None:
    """Install ConversationIdsHidden on the root logger's handlers (once)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, ConversationIdsHidden) for existing in handler.filters):
            handler.addFilter(ConversationIdsHidden())
