"""A terminal chat with the assistant through the REST webhook (what `make shell` runs).

It goes through the same channel as every other client, so it shows exactly
what a website visitor sees, disclaimer included, and it owns its
conversation the same way (README, "Writing a client"): it asks the server
for a conversation, sends its token with each message, and renews the token
when it expires. Buttons are numbered: type the number to press one. Ctrl-D
or /quit leaves.
"""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from typing import Dict, List, Optional


class Conversation:
    """One conversation on the REST channel at `base` (…/webhooks/rest)."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.sender, self.token = "", ""
        self._take(self._post("/conversations", {}))

    def _post(self, path: str, body: dict, token: Optional[str] = None) -> dict:
        headers: Dict[str, str] = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode(), headers=headers)
        with urllib.request.urlopen(request, timeout=60) as reply:
            return json.loads(reply.read())

    def _take(self, handed_out: dict) -> None:
        self.sender, self.token = handed_out["sender"], handed_out["token"]

    def send(self, message: str) -> List[dict]:
        """The bot's turn for `message` (a too-fast message gets the server's own reply)."""
        body = {"sender": self.sender, "message": message}
        try:
            return self._post("/webhook", body, self.token)
        except urllib.error.HTTPError as error:
            problem = json.loads(error.read() or b"{}")
            if error.code == 429:
                return problem.get("messages", [])
            if error.code != 403 or problem.get("code") != "token_expired":
                raise
        try:
            self._take(self._post("/conversations", {"sender": self.sender}, self.token))
        except urllib.error.HTTPError:  # past the renewal window: a new conversation
            self._take(self._post("/conversations", {}))
            body["sender"] = self.sender
        return self._post("/webhook", body, self.token)


def chat(base: str) -> None:
    conversation = Conversation(base)
    buttons: List[dict] = []
    print("Type a message (Ctrl-D or /quit to leave).")
    while True:
        try:
            text = input("you> ").strip()
        except EOFError:
            print()
            return
        if text == "/quit":
            return
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            choice = buttons[int(text) - 1]
            print(f"     ({choice['title']})")
            text = choice["payload"]
        buttons = []
        for message in conversation.send(text):
            if message.get("text"):
                print("bot> " + message["text"].replace("\n", "\n     "))
            for button in message.get("buttons", []):
                buttons.append(button)
                print(f"     [{len(buttons)}] {button['title']}")


if __name__ == "__main__":
    chat(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:5005/webhooks/rest")
