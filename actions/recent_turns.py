"""The conversation's last few turns, read from the tracker: the person's latest
messages, and what the assistant said in its last turn (the response names,
`metadata.utter_action`, that channels/replies.py reads too). One walk over the
events for every action that looks back."""
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker


def latest_user_events(tracker: Tracker, count: int) -> List[Dict[Text, Any]]:
    """The person's last `count` message events, the latest first."""
    found: List[Dict[Text, Any]] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            found.append(event)
            if len(found) == count:
                break
    return found


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
