"""Answers about the levels of care: one table (knowledge/levels_of_care.yml), many views.

Every fact about a level of care comes from knowledge/levels_of_care.yml and
every sentence around it is a response in domain.yml (utter_level_*,
utter_levels_overview, utter_compare_levels), so a single answer, the overview
and every pairwise comparison always agree. Other guide topics are plain
responses in domain.yml.

The last level and the last aspect talked about are kept in the
`level_of_care` and `level_aspect` slots, which is how "how many days a week
is that?" knows what "that" is, and how "and php?" knows what is asked.
"""
import re
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import knowledge
from actions.person import reply_for_a_person
from answer_words.questions import SENTENCE_END, UNPLACED_INTENT, is_a_question
from knowledge import Level

LEVEL_SLOT = "level_of_care"
ASPECT_SLOT = "level_aspect"
COMPARED_SLOT = "level_compared"

# What each level-of-care question asks about: aspect -> (table field, how the gap is named).
ASPECTS = {
    "info": ("summary", "what it involves"),
    "schedule": ("schedule", "how many days a week it takes"),
    "living": ("living", "where you live during it"),
    "suits": ("suits", "who it suits"),
}
ASPECT_OF_INTENT = {
    "ask_level_info": "info",
    "ask_level_schedule": "schedule",
    "ask_level_living": "living",
    "ask_level_suitability": "suits",
    # Mental health alongside substance use: the guide says whom an IOP suits.
    "ask_dual_diagnosis": "suits",
}
# "What's the step down from that?" asks for the level below, not above.
DOWNWARD = re.compile(r"\b(down|less|lower|below|lighter|easier|step(ping)? down|not as)\b", re.IGNORECASE)
# The level the detox-alone warning belongs to (utter_detox_alone follows its summary).
DETOX = "medically_managed_inpatient"


def mentioned_levels(tracker: Tracker, within: Optional[range] = None) -> List[Level]:
    """Levels named in the latest message (or in a stretch of its text), in order, without repeats."""
    found: List[Level] = []
    for entity in tracker.latest_message.get("entities", []):
        if entity.get("entity") != LEVEL_SLOT or (within is not None and entity.get("start", -1) not in within):
            continue
        level = knowledge.resolve_level(entity.get("value"))
        if level and level not in found:
            found.append(level)
    return found


def question_sentences(text: str) -> List[range]:
    """Where the sentences that ask something lie in a message, last first."""
    spans, start = [], 0
    for gap in [*SENTENCE_END.finditer(text), None]:
        end = gap.start() if gap else len(text)
        if is_a_question(text[start:end]):
            spans.append(range(start, end))
        start = gap.end() if gap else end
    return spans[::-1]


def level_in_context(tracker: Tracker) -> Optional[Level]:
    """The level a message asks about: the one named in its last question that names one ("My son
    has been in and out of rehab. What does partial hospitalization involve?"), else the first
    named, else the one talked about last."""
    text = tracker.latest_message.get("text") or ""
    for sentence in question_sentences(text):
        asked = mentioned_levels(tracker, within=sentence)
        if asked:
            return asked[0]
    levels = mentioned_levels(tracker)
    return levels[0] if levels else knowledge.resolve_level(tracker.get_slot(LEVEL_SLOT))


def aspect_asked(tracker: Tracker) -> str:
    """The aspect the latest message asks about; a bare "and php?" asks the last one again."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent in ASPECT_OF_INTENT:
        return ASPECT_OF_INTENT[intent]
    last = tracker.get_slot(ASPECT_SLOT)
    return last if last in ASPECTS else "info"


def level_buttons(intent: str, exclude: Optional[Level] = None) -> List[Dict[str, str]]:
    return [
        {"title": level.title, "payload": f'/{intent}{{"{LEVEL_SLOT}": "{level.id}"}}'}
        for level in knowledge.levels()
        if level != exclude
    ]


def utter_aspect(dispatcher: CollectingDispatcher, level: Level, aspect: str) -> None:
    """One aspect of one level; a gap in the guide is admitted, with the phone number."""
    field, gap = ASPECTS[aspect]
    value = getattr(level, field)
    if value:
        dispatcher.utter_message(
            response=f"utter_level_{aspect}", level_name=level.name, level_short=level.short, level_text=value
        )
    else:
        dispatcher.utter_message(response="utter_level_not_in_guide", level_short=level.short, aspect_gap=gap)
    if level.id == DETOX and aspect == "info":
        dispatcher.utter_message(response="utter_detox_alone")


def utter_overview(dispatcher: CollectingDispatcher, buttons: bool = True) -> None:
    lines = []
    for level in knowledge.levels():
        first_sentence = level.summary.split(". ")[0].rstrip(".")
        lines.append(f"{level.rank}. **{level.name}**: {first_sentence}.")
    dispatcher.utter_message(
        response="utter_levels_overview",
        levels_list="\n".join(lines),
        buttons=level_buttons("ask_level_info") if buttons else [],
    )


def ordinal(rank: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(rank, f"{rank}th")


def comparison(first: Level, second: Level) -> Dict[str, str]:
    """The variables of utter_compare_levels: two levels side by side, from the table."""
    lower, higher = sorted((first, second), key=lambda level: level.rank)

    def cell(level: Level, field: str) -> str:
        return getattr(level, field) or "our guide doesn't say."

    values = {
        "first_title": first.title,
        "higher_name": higher.name,
        "higher_rank": ordinal(higher.rank),
        "lower_rank": ordinal(lower.rank),
        "lower_short": lower.short,
        "level_count": str(len(knowledge.levels())),
    }
    for prefix, level in (("first", first), ("second", second)):
        values[f"{prefix}_short"] = level.short
        for field in ("living", "schedule", "suits"):
            values[f"{prefix}_{field}"] = cell(level, field)
    return values


class ActionExplainLevel(Action):
    """One aspect (what, schedule, living, who it suits) of one level of care."""

    def name(self) -> Text:
        return "action_explain_level"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        aspect = aspect_asked(tracker)
        level = level_in_context(tracker)
        if level is None:
            intent = next(name for name, value in ASPECT_OF_INTENT.items() if value == aspect)
            dispatcher.utter_message(response="utter_which_level", buttons=level_buttons(intent))
            return [SlotSet(ASPECT_SLOT, aspect)]
        utter_aspect(dispatcher, level, aspect)
        return [SlotSet(LEVEL_SLOT, level.id), SlotSet(ASPECT_SLOT, aspect)]


# Words that point back at the level talked about last: "is there yoga THERE?",
# "would SHE get individual therapy?". The IOP answers (coping skills, therapies)
# are written about the IOP; asked about another level in context, the
# answer is that level's own summary, as LevelMentions does when it is named.
REFERS_BACK = re.compile(r"\b(there|they|he|she|him|her|that (place|program|one|level)|it)\b", re.IGNORECASE)
IOP = "intensive_outpatient"
IOP_TOPIC_RESPONSES = {"ask_iop_therapies": "utter_iop_therapies", "ask_coping_skills": "utter_coping_skills"}


def level_before_this_message(tracker: Tracker) -> Optional[Level]:
    """The level in context before the latest message: the IOP topics' own slot mapping
    (domain.yml) has already set it to the IOP by the time an action runs."""
    seen_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_message = True
        elif seen_message and event.get("event") == "slot" and event.get("name") == LEVEL_SLOT:
            return knowledge.resolve_level(event.get("value"))
    return None


def answer_iop_topic(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Therapies and coping skills: the IOP's, or the level in context when the question points back at it."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    level = level_before_this_message(tracker)
    points_back = REFERS_BACK.search(tracker.latest_message.get("text") or "")
    if mentioned_levels(tracker) or level is None or level.id == IOP or not points_back:
        dispatcher.utter_message(response=IOP_TOPIC_RESPONSES.get(intent, "utter_iop_therapies"))
        return []
    utter_aspect(dispatcher, level, "info")
    return [SlotSet(LEVEL_SLOT, level.id), SlotSet(ASPECT_SLOT, "info")]


class ActionAnswerIopTopic(Action):
    def name(self) -> Text:
        return "action_answer_iop_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        return answer_iop_topic(dispatcher, tracker)


class ActionNextLevel(Action):
    """The level above (or below) the one in context: "what's the next level up?"."""

    def name(self) -> Text:
        return "action_next_level"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        level = level_in_context(tracker)
        if level is None:
            utter_overview(dispatcher)
            return []
        down = bool(DOWNWARD.search(tracker.latest_message.get("text") or ""))
        levels = knowledge.levels()
        index = level.rank - 1 + (-1 if down else 1)
        if not 0 <= index < len(levels):
            dispatcher.utter_message(
                response="utter_level_lowest" if down else "utter_level_highest", level_short=level.short
            )
            return []
        neighbour = levels[index]
        dispatcher.utter_message(
            response="utter_level_below" if down else "utter_level_above",
            level_short=level.short,
            neighbour_name=neighbour.name,
            neighbour_summary=neighbour.summary,
        )
        return [SlotSet(LEVEL_SLOT, neighbour.id), SlotSet(ASPECT_SLOT, "info")]


class ActionListLevels(Action):
    def name(self) -> Text:
        return "action_list_levels"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        utter_overview(dispatcher)
        return []


class ActionCompareLevels(Action):
    """Two levels side by side, from the table; a missing side comes from context or a question."""

    def name(self) -> Text:
        return "action_compare_levels"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        named = mentioned_levels(tracker)
        # Not the slot itself: naming a level sets it as the message arrives (domain.yml).
        previous = level_before_this_message(tracker)
        compared = knowledge.resolve_level(tracker.get_slot(COMPARED_SLOT))
        if len(named) == 1 and previous and previous != named[0]:
            named = [previous, named[0]]
        if not named and previous and compared and previous != compared:
            named = [compared, previous]  # "which one is more days?" after a comparison
        if len(named) >= 2:
            dispatcher.utter_message(response="utter_compare_levels", **comparison(named[0], named[1]))
            return [SlotSet(LEVEL_SLOT, named[1].id), SlotSet(COMPARED_SLOT, named[0].id)]
        anchor = named[0] if named else previous
        if anchor is None:
            utter_overview(dispatcher)
            return []
        dispatcher.utter_message(
            response="utter_ask_compare_with",
            level_short=anchor.short,
            buttons=level_buttons("compare_levels", exclude=anchor),
        )
        return [SlotSet(LEVEL_SLOT, anchor.id)]


# Guide questions asked in the middle of a form, answered without leaving it.
# The same intent -> response pairs as data/rules/answers.yml and
# admissions.yml (tests/unit/test_callback_validation.py checks they agree).
RESPONSE_ANSWERS = {
    "ask_iop_start": "utter_iop_start",
    "ask_relapse_signs": "utter_relapse_signs",
    "ask_cognitive_skills": "utter_cognitive_skills",
    "ask_after_iop": "utter_after_iop",
    "ask_detox_alone": "utter_detox_alone",
    "ask_contact": "utter_contact",
    "ask_admissions_info": "utter_admissions_info",
    "ask_medical_advice": "utter_medical_advice",
    UNPLACED_INTENT: "utter_unplaced_question",
    "bot_challenge": "utter_iamabot",
}
# Below this confidence a message in a form is taken as the answer asked for:
# a name like "Hope" must not become a question about hope.
DIGRESSION_CONFIDENCE = 0.8
# A message that asks ("will this stay private?") is no name or number: a
# lower confidence is enough to answer it.
QUESTION_CONFIDENCE = 0.5
# Thanks and nothing else: "ok thanks", "thank you so much!", "thx". Said in the middle
# of a form after a question answered on the way, it is acknowledged before the form's
# question; a longer message ("thanks, it's 619 555 0123") is read as an answer.
JUST_THANKS = re.compile(
    r"(?:(?:ok|okay|oh|alright|cool|great|perfect|awesome)[\s,.!]+)?"
    r"(?:thanks?|thank you|thx|ty|tysm|cheers|much appreciated)(?:\s+(?:so much|a lot|again|anyway|for that))?"
    r"[\s,.!]*(?:[😊🙏👍][\s,.!]*)?",
    re.IGNORECASE,
)


def confidence_needed(intent: Optional[str], text: str) -> float:
    """How sure the classifier must be before a message in a form is answered, not taken as the answer."""
    asks = text.rstrip().endswith("?")
    if intent == UNPLACED_INTENT and asks:
        # The classifier placed no intent, but the message plainly asks ("do I have to give
        # my real name?" at the name question; intent_classifier/unplaced_questions.py).
        return 0.0
    return QUESTION_CONFIDENCE if asks else DIGRESSION_CONFIDENCE


def answer_digression(dispatcher: CollectingDispatcher, tracker: Tracker, answer_thanks: bool = True) -> bool:
    """Answer the latest message if it is clearly a guide question (or, unless `answer_thanks`
    is False, just thanks); whether it was."""
    intent = tracker.latest_message.get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence") or 0.0
    text = tracker.latest_message.get("text") or ""
    if confidence < confidence_needed(name, text):
        return False
    if name in RESPONSE_ANSWERS:
        dispatcher.utter_message(response=RESPONSE_ANSWERS[name])
        return True
    if name in IOP_TOPIC_RESPONSES:  # the slot it may set back is left to the form's next question
        answer_iop_topic(dispatcher, tracker)
        return True
    if name == "thank" and answer_thanks and JUST_THANKS.fullmatch(text):
        dispatcher.utter_message(response="utter_you_are_welcome_in_form")
        return True
    if name == "ask_human":  # as action_offer_a_person answers it, by the team's hours
        dispatcher.utter_message(**reply_for_a_person(datetime.now(timezone.utc)))
        return True
    if name in ASPECT_OF_INTENT:
        level = level_in_context(tracker)
        if level is None:
            return False
        utter_aspect(dispatcher, level, ASPECT_OF_INTENT[name])
        return True
    if name == "ask_levels_overview":
        utter_overview(dispatcher, buttons=False)
        return True
    named = mentioned_levels(tracker)
    if name == "compare_levels" and len(named) >= 2:
        dispatcher.utter_message(response="utter_compare_levels", **comparison(named[0], named[1]))
        return True
    return False
