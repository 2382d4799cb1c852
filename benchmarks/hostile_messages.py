"""How long the longest messages a client may send take to answer: 20,000 characters of the
shapes that make regular expressions and spaCy's tokenizer backtrack (one run without spaces,
punctuation, separators repeated), sent at the start of a conversation and at the callback
request's name question.

Before the channel broke long runs up (channels/rest_with_disclaimer.py, MAX_RUN_CHARS), 20,000
apostrophes held the Rasa server 50 s, and it answered nobody else meanwhile. `make bench`
prints the slowest.
"""
from __future__ import annotations

import time
import uuid
from typing import Callable, Dict, Tuple

import requests

from channels.rest_with_disclaimer import MAX_MESSAGE_CHARS

N = MAX_MESSAGE_CHARS
MESSAGES = {
    "apostrophes": "'" * N, "parentheses": "(" * N, "question marks": "?" * N, "underscores": "_" * N,
    "one long word": "a" * N, "digits": "1" * N, "digits and dashes": "1-" * (N // 2), "commas": ", " * (N // 2),
    "dashes": " - " * (N // 3), "a spelled name": "Ann, " + "A-" * (N // 2 - 3), "short words": "is A " * (N // 5),
}
# What is said before the hostile message: nothing, or a callback request (the name question).
BEFORE = {"a new conversation": [], "the name question": ["can someone call me"]}


def slowest(webhook: str, token_for: Callable[[str], str]) -> Tuple[float, str]:
    """(milliseconds, which message where) for the slowest hostile message."""
    took: Dict[str, float] = {}
    with requests.Session() as session:
        warm_up = f"web-{uuid.uuid4().hex}"  # the first message of a server's life pays for loading
        session.post(webhook, json={"sender": warm_up, "message": "hello"},
                     headers={"Authorization": f"Bearer {token_for(warm_up)}"}, timeout=120).raise_for_status()
        for where, before in BEFORE.items():
            for kind, message in MESSAGES.items():
                sender = f"web-{uuid.uuid4().hex}"
                headers = {"Authorization": f"Bearer {token_for(sender)}"}
                for text in before:
                    session.post(webhook, json={"sender": sender, "message": text}, headers=headers,
                                 timeout=120).raise_for_status()
                started = time.perf_counter()
                reply = session.post(webhook, json={"sender": sender, "message": message}, headers=headers, timeout=120)
                took[f"{kind}, at {where}"] = (time.perf_counter() - started) * 1000
                reply.raise_for_status()
    worst = max(took, key=took.get)
    return took[worst], worst
