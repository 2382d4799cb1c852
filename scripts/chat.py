"""A terminal chat with the assistant through the REST webhook (what `make shell` runs).

It goes through the same channel as every other client, so it shows exactly
what a website visitor sees, disclaimer included. Buttons are numbered:
type the number to press one. Ctrl-D or /quit leaves.
"""
from __future__ import annotations

import json
import sys
import urllib.request
import uuid
from typing import List


def send(url: str, sender: str, message: str) -> List[dict]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())


def chat(url: str) -> None:
    sender = f"shell-{uuid.uuid4().hex[:12]}"
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
        for message in send(url, sender, text):
            if message.get("text"):
                print("bot> " + message["text"].replace("\n", "\n     "))
            for button in message.get("buttons", []):
                buttons.append(button)
                print(f"     [{len(buttons)}] {button['title']}")


if __name__ == "__main__":
    chat(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:5005/webhooks/rest/webhook")
