"""The bubbles a turn sends back, for every way in: webhook turns, handoffs, refusals.

Low in the channel package: rest_with_disclaimer.py (the webhook) and handoff.py
(a person in the chat) both build their replies here, so every reply ends with
the not-medical-advice disclaimer the same way (invariant 1). Replies given
without a Rasa turn come from named domain responses (`domain_reply`), but for
the empty-message and error replies, which are still written here.
"""
from __future__ import annotations

import unicodedata
from typing import Any, Dict, List, Text

from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg.interpolator import interpolate_text

import knowledge
from answer_words.emergency_calls import CALLING_INTENT, names_emergency_services
from crisis_detection import intents


ZERO_WIDTH_JOINER = "\u200d"  # holds multi-part emoji together: keep it


def clean_text(text: str) -> str:
    """Drop control, format and unassigned characters; tabs become spaces, line breaks stay."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\n\t\r":
            kept.append(" " if char != "\n" else "\n")
        elif category in ("Cc", "Cf", "Cs", "Co", "Cn") and char != ZERO_WIDTH_JOINER:
            continue
        else:
            kept.append(char)
    return "".join(kept).strip()


def bot_message(recipient_id: str, text: str) -> Dict[str, Any]:
    return {"recipient_id": recipient_id, "text": text}


class NamingCollector(CollectingOutputChannel):
    """Rasa's collector, keeping the name of the domain response each bubble came from.

    Every sentence the bot says is a named response in domain.yml; Rasa passes
    that name along as `utter_action`, and the reply carries it as `response`.
    Clients may ignore it; tests and the blind suites grade turns by it, which
    survives rewording.
    """

    @staticmethod
    def _named(message: Dict[str, Any], kwargs: Dict[str, Any]) -> Dict[str, Any]:
        name = kwargs.get("utter_action")
        return {**message, "response": name} if isinstance(name, str) else message

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in text.strip().split("\n\n"):
            await self._persist_message(self._named(self._message(recipient_id, text=part), kwargs))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._persist_message(self._named(self._message(recipient_id, text=text, buttons=buttons), kwargs))

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._persist_message(self._named(self._message(recipient_id, custom=json_message), kwargs))


def domain_reply(domain: Any, name: str, **values: Any) -> Dict[str, Any]:
    """A bubble with the domain response `name`, for replies the channel gives without a turn."""
    template = domain.responses[name][0]["text"]
    text = interpolate_text(template, {**knowledge.clinic_slot_values(), **values})
    return {"text": text, "response": name}


def empty_message_reply() -> str:
    return "Your message looks empty. What would you like to know about treatment or intensive outpatient programs?"


def error_reply() -> str:
    return (
        "Sorry, something went wrong on my side. Please try again, or call our "
        f"admissions team at {knowledge.clinic().phone}. {knowledge.crisis_sentence()}"
    )


def finish_turn(messages: List[Dict[str, Any]], recipient_id: str) -> List[Dict[str, Any]]:
    """Merge payload-only messages into the bubble they belong to, then end with the disclaimer."""
    merged: List[Dict[str, Any]] = []
    for message in messages:
        payload_only = "text" not in message and "custom" in message and set(message) <= {"recipient_id", "custom", "response"}
        if payload_only and merged and "custom" not in merged[-1]:
            merged[-1] = {**merged[-1], "custom": message["custom"]}
        else:
            merged.append(dict(message))
    if not merged:
        merged.append(bot_message(recipient_id, error_reply()))
    disclaimer = knowledge.disclaimer()
    last = merged[-1]
    if last.get("text"):
        last["text"] = f"{last['text']}\n\n{disclaimer}"
    else:
        last = bot_message(recipient_id, disclaimer)
        merged.append(last)
    last["disclaimer"] = disclaimer
    return merged


def reads_as_crisis(parse_data: Dict[str, Any]) -> bool:
    """An intent that gets the crisis reply outside a form (a crisis, or one the classifier finds
    likely), which a channel gives itself when a turn can't run; and "calling 911 now", which
    gets it when no crisis came before (actions/crisis.py ActionAcknowledgeCall) and may have
    been the conversation's first word of one."""
    name = (parse_data.get("intent") or {}).get("name")
    if name == CALLING_INTENT:
        return names_emergency_services(parse_data.get("text") or "")
    return name in intents.CRISIS_REPLY


def crisis_language(parse_data: Dict[str, Any]) -> str:
    """"es" for a crisis the crisis net read as Spanish (under its verdict, or its suspicion)."""
    return intents.crisis_language(parse_data) or "en"


def crisis_bubble(domain: Any, language: str) -> Dict[str, Any]:
    """The crisis reply without the action server (invariant 8): over every rate limit, or when
    the crisis action fails during a handoff."""
    name = "utter_crisis_es" if language == "es" else "utter_crisis"
    reply = domain_reply(domain, name, crisis_lines=knowledge.crisis_lines(language))
    return {**reply, "custom": knowledge.crisis_payload()}
