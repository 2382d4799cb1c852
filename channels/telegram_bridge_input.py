"""The Telegram bridge's own way in: the REST channel, behind a shared secret.

Telegram chat ids are small public numbers, so a conversation keyed on one
must never be reachable from the public webhook (docs/design.md,
invariant 7). The bridge (telegram_bridge/) is the only client here: it
sends `Authorization: Bearer <BRIDGE_SECRET>` (compared in constant time) and
names each chat's conversation by a keyed hash of the chat id
(`tg-` and 32 hex digits, channels/ownership.py). Messages arriving here are
stored with input_channel "telegram", set by the server.

Everything else (bounded input, the disclaimer, the per-conversation rate
limit, errors) is the REST channel's. There is no per-client limit: every
message comes from the bridge's one address, and Telegram itself limits
each chat. The endpoint is /webhooks/telegram/webhook; it has nothing to do
with Rasa's built-in Telegram connector, which this project doesn't use.
"""
from __future__ import annotations

import json
from typing import Optional, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import handoff, ownership
from channels.ownership import OwnershipRefused
from channels.rest_with_disclaimer import DisclaimedRestInput


class TelegramBridgeInput(DisclaimedRestInput):
    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def authorize(self, request: Request, sender: str) -> None:
        if not ownership.is_bridge_secret(ownership.bearer_token(request.headers)):
            raise OwnershipRefused("bridge_only", "This endpoint is for the Telegram bridge only.")
        if not ownership.TELEGRAM_ID.fullmatch(sender):
            raise OwnershipRefused("wrong_channel", "Telegram conversations are named by the bridge (tg-...).")

    def client_key(self, request: Request) -> Optional[str]:
        return None

    def add_routes(self, webhook: Blueprint) -> None:
        """No conversations are handed out here (the bridge names them); the bridge polls for
        what staff and the assistant say during live handoffs (docs/handoff.md)."""

        @webhook.route("/handoff", methods=["GET"])
        async def handoff_poll(request: Request) -> HTTPResponse:
            if not ownership.is_bridge_secret(ownership.bearer_token(request.headers)):
                return response.json({"error": "This endpoint is for the Telegram bridge only.", "code": "bridge_only"},
                                     status=403)
            return await handoff.bridge_poll(request)

        @webhook.route("/handoff/end", methods=["POST"])
        async def handoff_end(request: Request) -> HTTPResponse:
            """A chat's /reset during a handoff: {"sender": "tg-..."}."""
            if not ownership.is_bridge_secret(ownership.bearer_token(request.headers)):
                return response.json({"error": "This endpoint is for the Telegram bridge only.", "code": "bridge_only"},
                                     status=403)
            try:
                sender = json.loads((request.body or b"{}").decode("utf-8")).get("sender")
            except (UnicodeDecodeError, ValueError, AttributeError, RecursionError):
                sender = None
            if not isinstance(sender, str) or not ownership.TELEGRAM_ID.fullmatch(sender):
                return response.json({"error": "`sender` must be a Telegram conversation id.", "code": "bad_request"},
                                     status=400)
            return await handoff.visitor_leaves(request, sender)
