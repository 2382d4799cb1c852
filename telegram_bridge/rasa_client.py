"""One call to the Rasa server per user message, on the bridge's own endpoint.

The endpoint (channels/telegram_bridge_input.py) takes only requests that
carry the bridge secret, and stores what arrives there as the Telegram
channel: the server names the channel, not the bridge.

The REST channel (channels/rest_with_disclaimer.py) already ends each turn
with the disclaimer, merges crisis payloads into their bubble and turns
internal errors into an apology; this client only has to tell "Rasa answered"
from "Rasa could not be reached", so the bridge can give its own fallback.

During a live handoff (docs/handoff.md) the server answers a message with
`[]` (no bot turn), and the staff member's words come from a second endpoint
beside the first, /webhooks/telegram/handoff, which the bridge polls
(telegram_bridge/handoff.py) with the same secret.
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import aiohttp


CONNECT_RETRY_DELAY = 1.0
POLL_TIMEOUT = 10.0  # seconds for one handoff poll


class RasaUnavailable(RuntimeError):
    """No usable answer from Rasa: not running, timed out, or an error status."""


class RasaClient:
    def __init__(self, url: str, timeout: float, secret: str) -> None:
        self.url = url
        # .../webhooks/telegram/webhook -> .../webhooks/telegram/handoff
        self.handoff_url = url.rstrip("/").rsplit("/", 1)[0] + "/handoff"
        self.timeout = timeout
        self._headers = {"Authorization": f"Bearer {secret}"}
        self._session: Optional[aiohttp.ClientSession] = None

    async def start(self) -> None:
        """Open the connection pool (inside the running event loop)."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))

    async def close(self) -> None:
        if self._session:
            await self._session.close()

    async def send(self, sender: str, text: str) -> List[Dict[str, Any]]:
        """The bot turn for one message: a list of {"text"?, "buttons"?, "custom"?}.

        A refused connection is tried once more after a second (the message
        never reached Rasa, so it cannot be processed twice); a timeout is not
        retried, as Rasa may still be working on the message.
        """
        body = {"sender": sender, "message": text}
        try:
            return await self._post(body)
        except aiohttp.ClientConnectorError:
            await asyncio.sleep(CONNECT_RETRY_DELAY)
        try:
            return await self._post(body)
        except aiohttp.ClientConnectorError as error:
            raise RasaUnavailable("connection refused") from error

    async def _post(self, body: Dict[str, Any]) -> List[Dict[str, Any]]:
        assert self._session, "start() first"
        try:
            async with self._session.post(self.url, json=body, headers=self._headers) as reply:
                if reply.status == 429:
                    # Faster than a person types: the server's own reply says so.
                    turn = (await reply.json()).get("messages")
                elif reply.status != 200:
                    raise RasaUnavailable(f"HTTP {reply.status}")
                else:
                    turn = await reply.json()
        except aiohttp.ClientConnectorError:
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(type(error).__name__) from error
        if not isinstance(turn, list):
            raise RasaUnavailable("the reply is not a list of messages")
        return turn

    async def handoff_messages(self, after: Optional[int]) -> Dict[str, Any]:
        """The handoff messages of every Telegram conversation with an id above `after`.

        {"messages": [{"id", "sender", "author", "text", ...}], "last": int}; without
        `after`, no messages and the current `last`. RasaUnavailable on any failure.
        """
        assert self._session, "start() first"
        params = {} if after is None else {"after": str(after)}
        try:
            async with self._session.get(
                self.handoff_url, params=params, headers=self._headers,
                timeout=aiohttp.ClientTimeout(total=min(POLL_TIMEOUT, self.timeout)),
            ) as reply:
                if reply.status != 200:
                    raise RasaUnavailable(f"HTTP {reply.status}")
                body = await reply.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(type(error).__name__) from error
        if not isinstance(body, dict) or not isinstance(body.get("messages", []), list):
            raise RasaUnavailable("the reply is not a handoff poll answer")
        last = body.get("last")
        if not isinstance(last, int) or isinstance(last, bool):
            raise RasaUnavailable("the reply has no cursor")
        return body

    async def end_handoff(self, sender: str) -> None:
        """The chat was /reset: end the old conversation's handoff, if it has one, so no one
        types to an empty room. RasaUnavailable on any failure."""
        assert self._session, "start() first"
        try:
            async with self._session.post(
                self.handoff_url + "/end", json={"sender": sender}, headers=self._headers,
                timeout=aiohttp.ClientTimeout(total=min(POLL_TIMEOUT, self.timeout)),
            ) as reply:
                if reply.status != 200:
                    raise RasaUnavailable(f"HTTP {reply.status}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise RasaUnavailable(type(error).__name__) from error
