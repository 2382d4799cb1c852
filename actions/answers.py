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
from answer_words.questions import SENTENCE_END, UNPLACED_INTENT, asks_a_question, asks_something, is_a_question
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


# "can I keep my job during IOP?", "could I still go to college": whether one lives at
# home answers half of it; how many days and hours is the other half.
WORK_OR_STUDY = re.compile(
    r"\b(jobs?|shifts?|career|school|college|class(es)?|uni|university|studies|employer|boss)\b|"
    # Work as a job, not "how does detox work".
    r"\b(keep|still|continue|continuing|keep on) (working|studying|going to (work|school|college|class(es)?))\b|"
    r"\b(at|to|from|during|after|before|around|with|miss|missing|off) work\b|\bwork(ing)? (full|part)[- ]time\b",
    re.IGNORECASE,
)


# When in the day a level meets, which the guide doesn't say ("are there evening groups?").
TIME_OF_DAY = re.compile(
    r"\b(evenings?|weekends?|mornings?|afternoons?|after (work|hours|school|class(es)?)|what time|at night|"
    r"night (groups?|sessions?|classes?))\b",
    re.IGNORECASE,
)
TIME_OF_DAY_GAP = "at what times of day its sessions run"
# The words of a question about a level that say which aspect it asks, when the classifier
# only knew it was about the level ("does iop let u live at home", "is that like staying in a
# hospital", "how long is residential", "is that for teens"). How long comes before where:
# "how long do you stay" asks the schedule.
SCHEDULE_WORDS = re.compile(
    r"\b(how long|how many (days|hours|weeks|nights|times)|hours|every ?day|daily|how often|days a week|"
    rf"times a week|per week|schedule|full[- ]time|part[- ]time)\b|{TIME_OF_DAY.pattern}",
    re.IGNORECASE,
)
LIVING_WORDS = re.compile(
    # Staying somewhere, not "stay sober".
    r"\b(live|lives|sleep|sleeps|sleeping|overnight|at home|move in|hospital bed)\b|"
    r"\bstay(s|ing)?\b(?!\s+(sober|clean|off|on|away|healthy|strong|focused|motivated|safe|calm|in touch|busy))|"
    r"(?<!sober )\bliving\b",
    re.IGNORECASE,
)
SUITS_WORDS = re.compile(
    r"\b(who('s| is)? (it|that|this) for|is (it|that|this|there one) (meant )?for|right for|good for|a (good )?fit|"
    r"suit(s|ed|able)?|meant for|(kids|teens?|people) (his|her|my|your) age|for (kids|teens|teenagers|adults)\b)",
    re.IGNORECASE,
)


# Details of a program the guide doesn't give, asked as about a level or the IOP's therapies:
# the honest answer, not the nearest answer the guide has ("how about family therapy", "how big
# are the groups", "can i do it online", "will i have the same therapist").
DETAILS_NOT_IN_GUIDE = re.compile(
    r"\b(famil(y|ies) (therapy|counsel\w*|sessions?|members? (in|at|to) (therapy|sessions?|groups?))|"
    r"(couples?|marriage) (therapy|counsel\w*)|famil(y|ies) (come|join|visit|attend|participate|be involved|"
    r"get (to be )?involved)|family members? (are |be )?(included|involved|allowed)|how (big|large|many people)|"
    r"mixed (groups?|gender|sex)|groups? (are |be )?mixed|co-?ed|men and women|(wo)?men only|same therapist|"
    r"(licensed|certified|qualified) (therapists?|counsel\w*|staff)|therapists? (licensed|certified|qualified)|"
    # "can i do it online", "is there a virtual option"; not "i found you online".
    r"(do (it|iop|this|that|them)|attend|join|offer|have|is there an?|any|be|done|take it) (\w+ )?"
    r"(online|virtual(ly)?|remote(ly)?|over zoom|by zoom|via zoom)|telehealth|"
    r"(online|virtual) (iop|program|sessions?|groups?|therapy|option|version|classes))\b",
    re.IGNORECASE,
)


def asked_part(text: str) -> str:
    """The last sentence of a message that asks something (the whole message if none does)."""
    spans = question_sentences(text)
    return text[spans[0].start:spans[0].stop] if spans else text


def aspect_in_words(text: str) -> Optional[str]:
    """The aspect the last question of a message names in so many words, if any."""
    asked = asked_part(text)
    if SCHEDULE_WORDS.search(asked):
        return "schedule"
    if LIVING_WORDS.search(asked) or WORK_OR_STUDY.search(asked):  # working answers with the schedule too
        return "living"
    if SUITS_WORDS.search(asked):
        return "suits"
    return None


def aspect_of(intent: Optional[str], text: str) -> Optional[str]:
    """The aspect a message asks about: the classifier's, unless it only knew the message was
    about a level ("what is" and "tell me about" are its info) and the words say which."""
    aspect = ASPECT_OF_INTENT.get(intent or "")
    if aspect in (None, "info"):
        return aspect_in_words(text) or aspect
    return aspect


def without_level_mentions(tracker: Tracker) -> str:
    """The latest message with the levels it names blanked out: "the program where you live
    there" names residential, and asks nothing about living."""
    text = tracker.latest_message.get("text") or ""
    for entity in tracker.latest_message.get("entities", []):
        start, end = entity.get("start"), entity.get("end")
        if entity.get("entity") == LEVEL_SLOT and isinstance(start, int) and isinstance(end, int):
            text = text[:start] + " " * (end - start) + text[end:]
    return text


def aspect_asked(tracker: Tracker) -> str:
    """The aspect the latest message asks about; a bare "and php?" asks the last one again."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    aspect = aspect_of(intent, without_level_mentions(tracker))
    if aspect:
        return aspect
    last = tracker.get_slot(ASPECT_SLOT)
    return last if last in ASPECTS else "info"


def level_buttons(intent: str, exclude: Optional[Level] = None) -> List[Dict[str, str]]:
    return [
        {"title": level.title, "payload": f'/{intent}{{"{LEVEL_SLOT}": "{level.id}"}}'}
        for level in knowledge.levels()
        if level != exclude
    ]


def utter_aspect(dispatcher: CollectingDispatcher, level: Level, aspect: str, text: str = "") -> None:
    """One aspect of one level; a gap in the guide is admitted, with the phone number. Asked
    whether one can keep working or studying (`text`), the schedule follows where one lives;
    asked when in the day, the schedule is followed by the gap; asked a detail the guide doesn't
    give, the honest answer alone."""
    question = asked_part(text)
    if DETAILS_NOT_IN_GUIDE.search(question):
        dispatcher.utter_message(response="utter_admissions_info")
        return
    for asked in ([aspect, "schedule"] if aspect == "living" and WORK_OR_STUDY.search(question) else [aspect]):
        field, gap = ASPECTS[asked]
        value = getattr(level, field)
        if value:
            dispatcher.utter_message(
                response=f"utter_level_{asked}", level_name=level.name, level_short=level.short, level_text=value
            )
        else:
            dispatcher.utter_message(response="utter_level_not_in_guide", level_short=level.short, aspect_gap=gap)
        if asked == "schedule" and value and TIME_OF_DAY.search(question):
            dispatcher.utter_message(
                response="utter_level_not_in_guide", level_short=level.short, aspect_gap=TIME_OF_DAY_GAP
            )
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
        utter_aspect(dispatcher, level, aspect, without_level_mentions(tracker))
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


# How far back "diff" looks for the two levels to compare: the last few turns, not the whole
# conversation (a long one has thousands of events).
RECENT_EVENTS = 200


def levels_talked_about(tracker: Tracker, count: int = 2) -> List[Level]:
    """The last `count` different levels the conversation was about before the latest message,
    oldest first."""
    found: List[Level] = []
    seen_message = False
    for event in list(reversed(tracker.events))[:RECENT_EVENTS]:
        if event.get("event") == "user":
            seen_message = True
        elif seen_message and event.get("event") == "slot" and event.get("name") == LEVEL_SLOT:
            level = knowledge.resolve_level(event.get("value"))
            if level and level not in found:
                found.append(level)
                if len(found) == count:
                    break
    return found[::-1]


def answer_iop_topic(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Therapies and coping skills: the IOP's, or the level in context when the question points back at it."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    level = level_before_this_message(tracker)
    text = tracker.latest_message.get("text") or ""
    if DETAILS_NOT_IN_GUIDE.search(asked_part(text)):  # "how about family therapy", "how big are the groups"
        dispatcher.utter_message(response="utter_admissions_info")
        return []
    points_back = REFERS_BACK.search(text)
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
        if len(named) < 2:
            # "php?" ... "iop" ... "diff": the two levels talked about last.
            recent = [level for level in levels_talked_about(tracker) if level not in named]
            named = (named + recent)[:2] if len(named + recent) >= 2 else named
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
    # Said to someone: "cheers pal", "thanks man", "ty bot".
    r"(?:[\s,]+(?:pal|mate|man|dude|bro|buddy|friend|hun|love|guys|y'all|bot))?"
    r"[\s,.!]*(?:[😊🙏👍][\s,.!]*)?",
    re.IGNORECASE,
)


def confidence_needed(intent: Optional[str], text: str) -> float:
    """How sure the classifier must be before a message in a form is answered, not taken as the answer."""
    marked = text.rstrip().endswith("?")
    if intent == UNPLACED_INTENT and marked:
        # The classifier placed no intent, but the message plainly asks ("do I have to give
        # my real name?" at the name question; intent_classifier/unplaced_questions.py).
        # Without the "?", nothing but its shape would say it asks: it is read as an answer.
        return 0.0
    # A question typed without "?" ("what do they do in IOP exactly", "hm wait what's php
    # again") asks as plainly as one with it; a name or a yes opens like no question.
    return QUESTION_CONFIDENCE if marked or asks_something(text) else DIGRESSION_CONFIDENCE


def answer_digression(dispatcher: CollectingDispatcher, tracker: Tracker, answer_thanks: bool = True) -> bool:
    """Answer the latest message if it is clearly a guide question (or, unless `answer_thanks`
    is False, just thanks); whether it was."""
    intent = tracker.latest_message.get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence") or 0.0
    text = tracker.latest_message.get("text") or ""
    if confidence < confidence_needed(name, text):
        return False
    if name == "ask_admissions_info" and not asks_a_question(text):
        # "he is 24", "my son is 17": said at a form's question, a fact about someone is an answer
        # (or none), however like the start of a question about teenagers the classifier finds it.
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
        asked = without_level_mentions(tracker)
        utter_aspect(dispatcher, level, aspect_of(name, asked), asked)
        return True
    if name == "ask_levels_overview":
        utter_overview(dispatcher, buttons=False)
        return True
    named = mentioned_levels(tracker)
    if name == "compare_levels" and len(named) >= 2:
        dispatcher.utter_message(response="utter_compare_levels", **comparison(named[0], named[1]))
        return True
    return False
