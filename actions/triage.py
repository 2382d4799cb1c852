"""Triage: from a few answers to an orientation toward levels of care (never a diagnosis).

The mapping is data (knowledge/triage.yml) a clinician can review; this module
applies it, words the result, and validates the answers to the triage form
(buttons, yes/no, or free text). Answers are kept in triage_* slots and sent
with a callback request.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

import knowledge
from actions.answers import answer_digression
from knowledge import Level

QUESTIONS = ["for_whom", "withdrawal", "safe_home", "can_attend", "mental_health", "prior_treatment"]
UNSURE = re.compile(r"\b(not sure|unsure|don'?t know|dunno|maybe|no idea|not certain)\b", re.IGNORECASE)
SOMEONE_ELSE = re.compile(
    r"\b(someone|somebody|son|daughter|child|kid|wife|husband|partner|boyfriend|girlfriend|friend|mom|mother|"
    r"dad|father|brother|sister|cousin|uncle|aunt|parent|family|loved one|they|he|she|him|her)\b",
    re.IGNORECASE,
)
MYSELF = re.compile(r"\b(me|myself|i|mine|for me)\b", re.IGNORECASE)

ASSESSMENT_NOTE = "Only a clinical assessment can decide the level of care."


@dataclass(frozen=True)
class Orientation:
    levels: List[Level]
    reasons: List[str]
    warn_detox_alone: bool


def orientation(answers: Dict[str, str]) -> Orientation:
    rows, default = knowledge.triage_table()
    applying = [row for row in rows if row.applies(answers)] or [default]
    levels: List[Level] = []
    for row in applying:
        levels += [level for level in row.levels if level not in levels]
    return Orientation(
        levels=levels,
        reasons=[row.reason for row in applying],
        warn_detox_alone=any(row.warn_detox_alone for row in applying),
    )


def describe(result: Orientation) -> str:
    if result.levels:
        names = [level.short for level in result.levels]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        lines = [f"From what you shared, the team may talk with you about {listed}, because:"]
    else:
        lines = ["Thank you for sharing that."]
    lines += [f"- {reason[0].upper()}{reason[1:]}" for reason in result.reasons]
    lines += ["", ASSESSMENT_NOTE]
    return "\n".join(lines)


def answers_from(tracker: Tracker) -> Dict[str, str]:
    return {q: tracker.get_slot(f"triage_{q}") for q in QUESTIONS if tracker.get_slot(f"triage_{q}")}


def yes_no_unsure(tracker: Tracker, text: str) -> Optional[str]:
    if UNSURE.search(text):
        return "unsure"
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    return {"affirm": "yes", "deny": "no"}.get(intent)


class ValidateTriageForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_triage_form"

    async def validate_triage_for_whom(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text = str(value)
        if SOMEONE_ELSE.search(text):
            return {"triage_for_whom": "someone_else"}
        if MYSELF.search(text):
            return {"triage_for_whom": "me"}
        if not answer_digression(dispatcher, tracker):
            dispatcher.utter_message(text="Please choose: is the help for you, or for someone you care about?")
        return {"triage_for_whom": None}

    async def _yes_no(self, slot: str, value: Any, dispatcher, tracker) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != slot:
            return {slot: value}  # an earlier answer, kept as it was
        answer = yes_no_unsure(tracker, str(value))
        if answer:
            return {slot: answer}
        if not answer_digression(dispatcher, tracker):
            dispatcher.utter_message(text="Please answer yes, no or not sure (the buttons work too).")
        return {slot: None}

    async def validate_triage_withdrawal(self, value, dispatcher, tracker, domain):
        return await self._yes_no("triage_withdrawal", value, dispatcher, tracker)

    async def validate_triage_safe_home(self, value, dispatcher, tracker, domain):
        return await self._yes_no("triage_safe_home", value, dispatcher, tracker)

    async def validate_triage_can_attend(self, value, dispatcher, tracker, domain):
        return await self._yes_no("triage_can_attend", value, dispatcher, tracker)

    async def validate_triage_mental_health(self, value, dispatcher, tracker, domain):
        return await self._yes_no("triage_mental_health", value, dispatcher, tracker)

    async def validate_triage_prior_treatment(self, value, dispatcher, tracker, domain):
        return await self._yes_no("triage_prior_treatment", value, dispatcher, tracker)


class ActionTriageOrientation(Action):
    """The orientation from the answers (knowledge/triage.yml), never a diagnosis."""

    def name(self) -> Text:
        return "action_triage_orientation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(
            text=describe(orientation(answers_from(tracker))),
            buttons=[{"title": "Change an answer", "payload": "/change_answer"}],
        )
        return []
