"""The scripted conversations the load benchmark sends, and how each reply is checked.

Ours walks the real paths: answers, a follow-up that needs the context, a
comparison, the triage form, the callback form storing a request in the
database, and a crisis message. The reference bot (Rasa's `rasa init`
example) gets as many turns, from its own intents. A reply that fails its
check counts as an error: the benchmark measures a working bot or nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional

import knowledge

Check = Callable[[List[dict]], Optional[str]]  # None when the reply is right, else what is wrong


@dataclass(frozen=True)
class Turn:
    message: str
    check: Optional[Check] = None


def _text(reply: List[dict]) -> str:
    return "\n".join(message.get("text") or "" for message in reply)


def contains(*needles: str) -> Check:
    def check(reply: List[dict]) -> Optional[str]:
        text = _text(reply)
        missing = [needle for needle in needles if needle not in text]
        return f"missing {missing}" if missing else None

    return check


def crisis_reply(reply: List[dict]) -> Optional[str]:
    if any((message.get("custom") or {}).get("crisis") for message in reply):
        return None
    return "no crisis reply"


def every_turn_of_ours(reply: List[dict]) -> Optional[str]:
    """The invariants any turn of ours keeps: the disclaimer at the end, never the error apology."""
    if not reply or not (reply[-1].get("text") or "").endswith(knowledge.disclaimer()):
        return "no disclaimer at the end of the turn"
    if "something went wrong on my side" in _text(reply):
        return "the error reply"
    return None


def ours(conversation: int) -> List[Turn]:
    """19 turns; ends with a stored callback request and a crisis message."""
    return [
        Turn("hi"),
        Turn("what is an intensive outpatient program?", contains("five days a week")),
        Turn("how many days a week is that?", contains("five days a week")),  # needs the context
        Turn("how is it different from partial hospitalization?", contains("seven days a week")),
        Turn("can you help me find the right program?", contains("for you, or for someone you care about")),
        Turn("For me"),
        Turn("no"),
        Turn("yes"),
        Turn("yes"),
        Turn("no"),
        Turn("no", contains("Only a clinical assessment can decide")),
        Turn("/request_callback", contains("What name")),
        Turn(f"Sam Bench{_letters(conversation)}", contains("phone number")),
        Turn(f"(619) 555-{conversation % 10000:04d}", contains("best time")),
        Turn("Evening"),
        Turn("Nothing to add", contains("agree")),
        Turn("/affirm", contains("Is that right?")),
        Turn("/affirm", contains("CB-")),  # CONFIRM_TURN: the reference code is given only after the commit
        Turn("I want to kill myself", crisis_reply),
    ]


# The turn (1-based) whose reply confirms a stored callback request: every
# conversation that got this far must have its row in the database.
CONFIRM_TURN = 18


def _letters(number: int) -> str:
    """A name part from a number (names take letters only)."""
    letters = ""
    number += 1
    while number:
        number, digit = divmod(number - 1, 26)
        letters = chr(ord("a") + digit) + letters
    return letters


REFERENCE_MESSAGES = [
    "hello", "I am feeling sad", "yes", "great", "are you a bot?", "I am happy", "no", "good morning",
    "very sad", "yes it did", "am I talking to a human?", "perfect", "hey there", "not good", "no it didn't",
    "amazing", "are you a human?", "wonderful", "goodbye",
]


def reference(conversation: int) -> List[Turn]:
    """As many turns as ours, from the example bot's own intents."""
    return [Turn(message) for message in REFERENCE_MESSAGES]
