"""What every bot turn must look like, whatever was asked."""
from typing import List

import knowledge

DISCLAIMER = knowledge.disclaimer()
PHONE = knowledge.clinic().phone


def check_turn(reply: List[dict]) -> str:
    """Assert the disclaimer invariant on one turn; return the turn's text, disclaimer removed."""
    assert reply, "the bot said nothing"
    texts = [message.get("text") or "" for message in reply]
    assert texts[-1].endswith(DISCLAIMER), texts
    assert "not medical advice" in texts[-1]
    assert all(DISCLAIMER not in text for text in texts[:-1]), "disclaimer repeated inside the turn"
    body = "\n".join(texts)
    return body[: -len(DISCLAIMER)].strip()


def is_crisis_reply(reply: List[dict]) -> bool:
    return any((message.get("custom") or {}).get("crisis") for message in reply)


def buttons(reply: List[dict]) -> List[dict]:
    return [button for message in reply for button in message.get("buttons", [])]
