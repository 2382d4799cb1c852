"""What the assistant said in its last turn, read from the tracker: the response names
(`metadata.utter_action`, channels/replies.py) of the bot messages between the message
before the latest and the latest one."""
from typing import List

from rasa_sdk import Tracker


def last_reply(tracker: Tracker) -> List[str]:
    """The response names of the bot's reply right before the latest message, in order."""
    names: List[str] = []
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                break
        elif event.get("event") == "bot" and users == 1:
            names.insert(0, (event.get("metadata") or {}).get("utter_action") or "")
    return names
