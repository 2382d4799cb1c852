"""Answers about the levels of care: one table (knowledge/levels_of_care.yml), many views.

Everything about a level of care is rendered from knowledge/levels_of_care.yml,
so a single answer, the overview and every pairwise comparison always agree.
Other guide topics are plain responses in domain.yml.
The last level talked about is kept in the `level_of_care` slot, which is how
"how many days a week is that?" knows what "that" is.
"""
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import knowledge
from knowledge import Level

LEVEL_SLOT = "level_of_care"

# What each level-of-care question asks about: (table field, how the gap is named).
ASPECTS = {
    "ask_level_info": ("summary", "what it involves"),
    "ask_level_schedule": ("schedule", "how many days a week it takes"),
    "ask_level_living": ("living", "where you live during it"),
    "ask_level_suitability": ("suits", "who it suits"),
}


def mentioned_levels(tracker: Tracker) -> List[Level]:
    """Levels named in the latest message, in order, without repeats."""
    found: List[Level] = []
    for entity in tracker.latest_message.get("entities", []):
        if entity.get("entity") != LEVEL_SLOT:
            continue
        level = knowledge.resolve_level(entity.get("value"))
        if level and level not in found:
            found.append(level)
    return found


def level_in_context(tracker: Tracker) -> Optional[Level]:
    levels = mentioned_levels(tracker)
    return levels[0] if levels else knowledge.resolve_level(tracker.get_slot(LEVEL_SLOT))


def level_buttons(intent: str, exclude: Optional[Level] = None) -> List[Dict[str, str]]:
    return [
        {"title": level.title, "payload": f'/{intent}{{"{LEVEL_SLOT}": "{level.id}"}}'}
        for level in knowledge.levels()
        if level != exclude
    ]


def describe(level: Level, field: str, gap: str) -> str:
    value = getattr(level, field)
    if value:
        return f"**{level.name}**: {value}"
    phone = knowledge.clinic().phone
    return (
        f"Our guide doesn't say {gap} for {level.short}. "
        f"The admissions team can tell you: call {phone}."
    )


def overview() -> str:
    lines = ["Treatment happens at different levels of care. From least to most intensive:", ""]
    for level in knowledge.levels():
        first_sentence = level.summary.split(". ")[0].rstrip(".")
        lines.append(f"{level.rank}. **{level.name}**: {first_sentence}.")
    lines += ["", "Ask me about any of them, or compare two, for example \"IOP vs partial hospitalization\"."]
    return "\n".join(lines)


def ordinal(rank: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(rank, f"{rank}th")


def compare(first: Level, second: Level) -> str:
    lower, higher = sorted((first, second), key=lambda level: level.rank)
    total = len(knowledge.levels())

    def cell(level: Level, field: str) -> str:
        return getattr(level, field) or "our guide doesn't say."

    lines = [
        f"**{first.title} vs {second.short}**",
        "",
        f"{higher.name} is the more intensive of the two "
        f"({ordinal(higher.rank)} of {total} levels, against {ordinal(lower.rank)} for {lower.short}).",
    ]
    for title, field in (("Where you live", "living"), ("How often", "schedule"), ("Who it suits", "suits")):
        lines += ["", f"**{title}**", f"- {first.short}: {cell(first, field)}", f"- {second.short}: {cell(second, field)}"]
    lines += ["", "Only a clinical assessment can say which level is right for someone."]
    return "\n".join(lines)


class ActionExplainLevel(Action):
    """One aspect (what, schedule, living, who it suits) of one level of care."""

    def name(self) -> Text:
        return "action_explain_level"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or "ask_level_info"
        field, gap = ASPECTS.get(intent, ASPECTS["ask_level_info"])
        level = level_in_context(tracker)
        if level is None:
            dispatcher.utter_message(text="Which level of care do you mean?", buttons=level_buttons(intent))
            return []
        dispatcher.utter_message(text=describe(level, field, gap))
        return [SlotSet(LEVEL_SLOT, level.id)]


class ActionListLevels(Action):
    def name(self) -> Text:
        return "action_list_levels"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(text=overview(), buttons=level_buttons("ask_level_info"))
        return []


class ActionCompareLevels(Action):
    """Two levels side by side, from the table; a missing side comes from context or a question."""

    def name(self) -> Text:
        return "action_compare_levels"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        named = mentioned_levels(tracker)
        previous = knowledge.resolve_level(tracker.get_slot(LEVEL_SLOT))
        if len(named) == 1 and previous and previous != named[0]:
            named = [previous, named[0]]
        if len(named) >= 2:
            dispatcher.utter_message(text=compare(named[0], named[1]))
            return [SlotSet(LEVEL_SLOT, named[1].id)]
        anchor = named[0] if named else previous
        if anchor is None:
            dispatcher.utter_message(text=overview(), buttons=level_buttons("ask_level_info"))
            return []
        dispatcher.utter_message(
            text=f"Which level would you like to compare with {anchor.short}?",
            buttons=level_buttons("compare_levels", exclude=anchor),
        )
        return [SlotSet(LEVEL_SLOT, anchor.id)]


# Guide questions asked in the middle of a form, answered without leaving it.
# The same intent -> response pairs as data/rules/answers.yml and
# admissions.yml (tests/unit/test_digressions.py checks they agree).
RESPONSE_ANSWERS = {
    "ask_iop_therapies": "utter_iop_therapies",
    "ask_iop_start": "utter_iop_start",
    "ask_coping_skills": "utter_coping_skills",
    "ask_relapse_signs": "utter_relapse_signs",
    "ask_cognitive_skills": "utter_cognitive_skills",
    "ask_after_iop": "utter_after_iop",
    "ask_detox_alone": "utter_detox_alone",
    "ask_contact": "utter_contact",
    "ask_admissions_info": "utter_admissions_info",
    "ask_medical_advice": "utter_medical_advice",
    "bot_challenge": "utter_iamabot",
}
# Below this confidence a message in a form is taken as the answer asked for:
# a name like "Hope" must not become a question about hope.
DIGRESSION_CONFIDENCE = 0.8


def answer_digression(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Answer the latest message if it is clearly a guide question; whether it was."""
    intent = tracker.latest_message.get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence") or 0.0
    if confidence < DIGRESSION_CONFIDENCE:
        return False
    if name in RESPONSE_ANSWERS:
        dispatcher.utter_message(response=RESPONSE_ANSWERS[name])
        return True
    if name in ASPECTS:
        field, gap = ASPECTS[name]
        level = level_in_context(tracker)
        if level is None:
            return False
        dispatcher.utter_message(text=describe(level, field, gap))
        return True
    if name == "ask_levels_overview":
        dispatcher.utter_message(text=overview())
        return True
    return False
