"""The text a person reads for a message an action sent, rendered from domain.yml.

Actions name their responses (`utter_message(response=..., **variables)`);
unit tests check both the name and the sentence a person would read, so this
renders the response's first variation with Rasa's own interpolation, the
clinic slots filled as action_session_start fills them.
"""
import functools
from pathlib import Path
from typing import Any, Dict, List

import yaml
from rasa.core.nlg.interpolator import interpolate_text

from actions.session import clinic_slots as clinic_slot_events

DOMAIN = Path(__file__).resolve().parent.parent / "domain.yml"


@functools.lru_cache(maxsize=1)
def responses() -> Dict[str, List[dict]]:
    with open(DOMAIN, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["responses"]


def clinic_slots() -> Dict[str, str]:
    return {event["name"]: event["value"] for event in clinic_slot_events()}


def render(message: Dict[str, Any], slots: Dict[str, Any] = None) -> str:
    """The text of one dispatcher message: its own text, or its named response filled in."""
    if message.get("text"):
        return message["text"]
    template = responses()[message["response"]][0]["text"]
    values = {**clinic_slots(), **(slots or {}), **{k: v for k, v in message.items() if v is not None}}
    return interpolate_text(template, values)


def rendered(messages: List[Dict[str, Any]], slots: Dict[str, Any] = None) -> str:
    return "\n\n".join(render(message, slots) for message in messages)
