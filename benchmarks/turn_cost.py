"""What one turn costs as a conversation grows: the reply time at turns 10, 100 and 400 of one
conversation (the median of the five turns up to each), one message at a time.

Before the tracker store's checkpoints (storage/tracker_store.py) it grew with the length: the
median reply took 64 ms over turns 1-50 and 600 ms over turns 351-400. `make bench` prints it.
"""
from __future__ import annotations

import statistics
import time
import uuid
from typing import Callable, Dict, Sequence

import requests

QUESTIONS = ["what is an intensive outpatient program?", "thanks", "tell me about detox", "how long is php",
             "ok", "what are the signs of relapse?"]
AT = (10, 100, 400)
WINDOW = 5


def cost_at(webhook: str, token_for: Callable[[str], str], at: Sequence[int] = AT) -> Dict[int, float]:
    """{turn: median milliseconds of the WINDOW turns up to it}, for one conversation of max(at) turns."""
    sender = f"web-{uuid.uuid4().hex}"
    headers = {"Authorization": f"Bearer {token_for(sender)}"}
    took = []
    with requests.Session() as session:
        for turn in range(1, max(at) + 1):
            started = time.perf_counter()
            reply = session.post(webhook, json={"sender": sender, "message": QUESTIONS[turn % len(QUESTIONS)]},
                                 headers=headers, timeout=60)
            took.append(time.perf_counter() - started)
            reply.raise_for_status()
    return {turn: statistics.median(took[turn - WINDOW:turn]) * 1000 for turn in at}
