"""LevelMentions: levels of care named with typos, and follow-ups that only name a level.

Runs after the FallbackClassifier (config.yml) and before the crisis net:

* A word the entity ruler missed because it is misspelt ("partail
  hospitilization", "resedential") is corrected to the closest word of the
  levels table (knowledge/levels_of_care.yml) when it is no English word and
  one edit away (two for long words); a run of corrected words that names a
  level becomes a `level_of_care` entity, as the ruler would have made it.
* A message the intent classifier could not place (nlu_fallback) but that
  names a level ("and php?", "what's a day like in residential") is a question
  about that level: its intent becomes `inform_level`, which answers the
  aspect asked last (actions/answers.py). True gibberish still falls back.
* A question about an IOP topic that names another level ("does residential
  have yoga?", "would she get individual therapy in residential?") is a
  question about that level: `ask_level_info`, whose summary answers it from
  the table, instead of the IOP answer.
* "What about X?" that names no level and points at none ("ok what about
  insurance", "what about vaping") asks about something the guide doesn't
  cover: the honest answer (`ask_admissions_info`), not "which level?".
* "The one where you live there", "the program where you go a few days a
  week" describe a level by what the guide says of it (the table's
  `described_as`): an entity, as if it had been named.
* "The least intensive one" and "the most intense level" name the first and
  the last level of the table, "the 5th one" the fifth of the overview's
  list: an entity, and a question about that level unless another aspect of
  it was asked ("how long is the most intensive one?"). So do "and the most?"
  and "and the 4th", said alone after a list of levels.
* "Do you have residential?", "can he come to you for detox" ask what that
  level is, not something the guide doesn't cover: `ask_level_info`.
* Two levels named with "vs", "or", "instead of" ("how many days a week is
  outpatient vs IOP") are compared (`compare_levels`), whatever aspect the
  classifier heard; "what's the difference" compares with the levels in context.
"""
from __future__ import annotations

import functools
import re
from typing import Any, Dict, List, Optional, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

import knowledge
from crisis_detection import intents
from intent_classifier.untrained import UntrainedComponent
from intent_classifier.verdict import override_intent
from spacy_pipeline.english_words import MIN_FUZZY_LENGTH, correction

ENTITY = "level_of_care"
FOLLOW_UP_INTENT = "inform_level"
LEVEL_INFO_INTENT = "ask_level_info"
IOP = "intensive_outpatient"
# Answers written about the IOP only (domain.yml utter_iop_therapies, utter_coping_skills).
IOP_TOPICS = {"ask_iop_therapies", "ask_coping_skills"}
MAX_WORDS = 5  # the longest level name people type ("medically managed intensive inpatient services")
WORD = re.compile(r"[a-z]+(?:[.\-][a-z]+)*")
EXTREMES = re.compile(
    # "at least one drink", "at most one" name no level.
    r"(?<!at )\b(?:(?P<low>least|lowest|mildest|lightest|gentlest)|(?P<high>most|highest|strongest))\s+"
    r"(?:intens\w*|level|step|serious|restrictive|one|option|supervis\w*|structured)\b",
    re.IGNORECASE,
)
# "the 5th one", "the second level": a place in the overview's numbered list.
ORDINAL_WORDS = ["first", "second", "third", "fourth", "fifth", "sixth"]
ORDINALS = re.compile(
    r"\b(?:the\s+)?(?:(?P<word>first|second|third|fourth|fifth|sixth)|(?P<digit>[1-6])(?:st|nd|rd|th)|(?:number|#)\s*(?P<number>[1-6]))"
    r"\s+(?:one|level|option)\b",
    re.IGNORECASE,
)
# A follow-up to a list of levels that names a place and nothing else: "and the most?",
# "and the least", "and the 4th", "what about the second". Alone, so that "on the 4th" or
# "most days" in a sentence names no level.
PLACE_ALONE = re.compile(
    r"(?:and|what about|how about|ok|so|um|then)?[\s,]*(?:the\s+)?"
    r"(?:(?P<low>least|lowest)|(?P<high>most|highest)|(?P<word>first|second|third|fourth|fifth|sixth)|"
    r"(?P<digit>[1-6])(?:st|nd|rd|th)|(?:number|#)\s*(?P<number>[1-6]))(?:\s+one)?[\s?.!]*",
    re.IGNORECASE,
)
# "do you have residential?", "do you guys do detox", "can he come to you for detox": asked of
# one level, what the level is answers it (the guide describes the levels the centre talks about).
OFFERED = re.compile(
    r"\b(?:(?:do|does|can) (?:you|u|y'?all|ya|you guys|your (?:place|centre|center|clinic))(?: guys)? "
    r"(?:have|do|offer|provide|run|got)|can (?:he|she|i|they|we|my \w+) (?:come|go) (?:to you|there|here) for)"
    r"(?: (?:an?|any|the))?\s*$",
    re.IGNORECASE,
)
# What may follow the level asked about: "do you have residential?", "do you do detox programs".
OFFERED_AFTER = re.compile(r"[\s?.!]*(?:(?:programs?|services?|treatment|options?|here|there|too|at all)\b[\s?.!]*)?$",
                           re.IGNORECASE)
# Two levels named with one of these words are compared, whatever aspect is asked ("how many days
# a week is outpatient vs IOP", "who should go to residential instead of iop", "does he need
# detox or IOP"); one level, or none, with one of the stronger words is compared with the
# level talked about before ("whats the difference in how many days").
COMPARING = re.compile(r"\b(vs\.?|versus|or|instead of|rather than|compared? (to|with)|than|between|both)\b", re.IGNORECASE)
COMPARING_WITH_CONTEXT = re.compile(
    # Not "different" alone: "is iop different for teens", "is the schedule different on holidays".
    r"\b(vs\.?|versus|compared? (to|with)|difference between|(what'?s|whats|what is) the (difference|diff))\b|^diff\W*$",
    re.IGNORECASE,
)
COMPARE_INTENT = "compare_levels"
# What comes before a level described rather than named: "the one where", "the program that".
DESCRIBED = re.compile(
    r"\b(?:the|that|a)\s+(?:one|program|programme|place|level|option|kind|type|treatment)\s+"
    r"(?:where|that|in which|with)\b",
    re.IGNORECASE,
)
DESCRIPTION_CHARS = 80  # how far after "the one where" the description may run
NEGATION = re.compile(r"\b(not|no|never|without|don'?t|doesn'?t|didn'?t|won'?t|can'?t|isn'?t)\b", re.IGNORECASE)
NOT_IN_GUIDE_INTENT = "ask_admissions_info"
# Words that point back at a level already talked about: "and that one?", "what about there?".
POINTS_BACK = re.compile(r"\b(it|its|that|this|those|these|one|ones|them|there|level|levels|program|same)\b", re.IGNORECASE)
ASPECT_INTENTS = {"ask_level_info", "ask_level_schedule", "ask_level_living", "ask_level_suitability"}
# What the classifier may have made of a comparison (COMPARING).
# Not the honest answer's: "is there a difference in cost between iop and php" asks what the
# guide doesn't say.
COMPARED_FROM = ASPECT_INTENTS | {FOLLOW_UP_INTENT, DEFAULT_NLU_FALLBACK_INTENT_NAME}
CRISIS_INTENT = intents.CRISIS


@functools.lru_cache(maxsize=1)
def level_words() -> Tuple[str, ...]:
    """Every word of every level name and synonym, longest first."""
    words = {word for term, _ in knowledge.level_terms() for word in WORD.findall(term.lower())}
    return tuple(sorted((w for w in words if len(w) >= MIN_FUZZY_LENGTH), key=len, reverse=True))


def corrected(word: str) -> Optional[str]:
    """The level word a misspelt word stands for, or None."""
    return correction(word, level_words())


def _entity(level_id: str, match: "re.Match") -> Dict[str, Any]:
    return {"entity": ENTITY, "value": level_id, "start": match.start(), "end": match.end(),
            "extractor": "LevelMentions", "confidence_entity": 1.0}


def levels_named_by_place(text: str) -> List[Dict[str, Any]]:
    """Levels named by their place: "the least intensive one" (the table's first), "the most" (its
    last), "the 5th one" (as numbered in the overview)."""
    levels = knowledge.levels()
    alone = PLACE_ALONE.fullmatch(text.strip())
    if alone and (alone.group("low") or alone.group("high")):
        return [_entity((levels[0] if alone.group("low") else levels[-1]).id, alone)]
    found = [_entity((levels[0] if m.group("low") else levels[-1]).id, m) for m in EXTREMES.finditer(text)]
    for m in [alone] if alone else ORDINALS.finditer(text):
        rank = ORDINAL_WORDS.index(m.group("word").lower()) + 1 if m.group("word") else int(m.group("digit") or m.group("number"))
        if rank <= len(levels):
            found.append(_entity(levels[rank - 1].id, m))
    return found


@functools.lru_cache(maxsize=1)
def level_descriptions() -> Tuple[Tuple[str, "re.Pattern"], ...]:
    """(level id, compiled description) for every `described_as` of the levels table."""
    return tuple(
        (level.id, re.compile(pattern, re.IGNORECASE)) for level in knowledge.levels() for pattern in level.descriptions
    )


def levels_described(text: str) -> List[Dict[str, Any]]:
    """Levels described by what the guide says of them: "the one where you live there"."""
    found = []
    for lead in DESCRIBED.finditer(text):
        rest = text[lead.end() : lead.end() + DESCRIPTION_CHARS]
        matches = [
            (m.start(), m.end(), level_id)
            for level_id, pattern in level_descriptions()
            for m in [pattern.search(rest)]
            # "where I don't have to stay overnight", "where you live at home" describe no level.
            if m and not NEGATION.search(rest[: m.end()]) and "home" not in m.group().lower()
        ]
        if matches:
            _, end, level_id = min(matches)  # the description said first
            found.append({"entity": ENTITY, "value": level_id, "start": lead.start(), "end": lead.end() + end,
                          "extractor": "LevelMentions", "confidence_entity": 1.0})
    return found


def misspelt_levels(text: str) -> List[Dict[str, Any]]:
    """level_of_care entities for level names with at least one corrected word."""
    words = [(m.start(), m.end(), m.group(), corrected(m.group())) for m in WORD.finditer(text.lower())]
    found: List[Dict[str, Any]] = []
    i = 0
    while i < len(words):
        for size in range(min(MAX_WORDS, len(words) - i), 0, -1):
            span = words[i : i + size]
            if not any(fix for *_, fix in span):
                continue
            phrase = " ".join(fix or word for _, _, word, fix in span)
            level = knowledge.resolve_level(phrase)
            if level:
                start, end = span[0][0], span[-1][1]
                found.append({"entity": ENTITY, "value": level.id, "start": start, "end": end,
                              "extractor": "LevelMentions", "confidence_entity": 1.0})
                i += size
                break
        else:
            i += 1
    return found


def _overlap(a: Dict[str, Any], b: Dict[str, Any]) -> bool:
    return a.get("start", -1) < b["end"] and b["start"] < a.get("end", -1)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LevelMentions(UntrainedComponent):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            entities = list(message.get(ENTITIES, []))
            taken = [(e.get("start", -1), e.get("end", -1)) for e in entities]
            for entity in misspelt_levels(text) + levels_described(text):
                if not any(start < entity["end"] and entity["start"] < end for start, end in taken):
                    entities.append(entity)
                    taken.append((entity["start"], entity["end"]))
            # "the most intensive" is the last level, not the "intensive" of intensive outpatient.
            by_place = levels_named_by_place(text)
            entities = [e for e in entities if not any(_overlap(e, x) for x in by_place)] + by_place
            message.set(ENTITIES, entities, add_to_output=True)
            if by_place:
                self._about_the_level_by_place(message, entities)
            self._follow_up_if_unplaced(message, entities)
            self._about_the_level_named(message, entities)
            self._about_a_level_offered(message, entities)
            self._levels_compared(message, entities)
            self._about_something_else(message, entities)
        return messages

    @staticmethod
    def _about_the_level_by_place(message: Message, entities: List[Dict[str, Any]]) -> None:
        """"Which one is the least intensive?" asks about that level, unless another aspect of it
        was asked, two levels are compared, or the classifier said crisis (the crisis net decides)."""
        intent = message.get(INTENT) or {}
        named = {e.get("value") for e in entities if e.get("entity") == ENTITY}
        if intent.get("name") in ASPECT_INTENTS | {CRISIS_INTENT}:
            return
        if intent.get("name") == "compare_levels" and len(named) >= 2:
            return
        override_intent(message, LEVEL_INFO_INTENT, intent.get("confidence", 0.0))

    @staticmethod
    def _about_the_level_named(message: Message, entities: List[Dict[str, Any]]) -> None:
        intent = message.get(INTENT) or {}
        if intent.get("name") not in IOP_TOPICS:
            return
        named = {knowledge.resolve_level(e.get("value")) for e in entities if e.get("entity") == ENTITY}
        named.discard(None)
        if not named or any(level.id == IOP for level in named):
            return
        override_intent(message, LEVEL_INFO_INTENT, intent.get("confidence", 0.0))

    @staticmethod
    def _about_a_level_offered(message: Message, entities: List[Dict[str, Any]]) -> None:
        """"Do you have residential?" asks what the centre's residential is, not something the
        guide doesn't cover. A question about several levels, or about none, is left as it is."""
        intent = message.get(INTENT) or {}
        if intent.get("name") not in (NOT_IN_GUIDE_INTENT, DEFAULT_NLU_FALLBACK_INTENT_NAME):
            return
        text = message.get(TEXT) or ""
        mentions = [e for e in entities if e.get("entity") == ENTITY and knowledge.resolve_level(e.get("value"))]
        if len(mentions) != 1:
            return
        start, end = mentions[0].get("start", -1), mentions[0].get("end", -1)
        # The level right after the question, and nothing but "program?" after it: not "do you
        # have an outpatient program in orlando", "transportation to IOP" or "sober living after residential".
        if start >= 0 and OFFERED.search(text[:start]) and OFFERED_AFTER.match(text[end:]):
            override_intent(message, LEVEL_INFO_INTENT, intent.get("confidence", 0.0))

    @staticmethod
    def _levels_compared(message: Message, entities: List[Dict[str, Any]]) -> None:
        """"how many days a week is outpatient vs IOP" compares the two, rather than answering one."""
        intent = message.get(INTENT) or {}
        if intent.get("name") not in COMPARED_FROM:
            return
        text = message.get(TEXT) or ""
        named = {knowledge.resolve_level(e.get("value")) for e in entities if e.get("entity") == ENTITY}
        named.discard(None)
        if (len(named) >= 2 and COMPARING.search(text)) or (len(named) < 2 and COMPARING_WITH_CONTEXT.search(text)):
            override_intent(message, COMPARE_INTENT, intent.get("confidence", 0.0))

    @staticmethod
    def _follow_up_if_unplaced(message: Message, entities: List[Dict[str, Any]]) -> None:
        intent = message.get(INTENT) or {}
        if intent.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME:
            return
        if not any(entity.get("entity") == ENTITY for entity in entities):
            return
        override_intent(message, FOLLOW_UP_INTENT, intent.get("confidence", 0.0))

    @staticmethod
    def _about_something_else(message: Message, entities: List[Dict[str, Any]]) -> None:
        """"What about insurance?" is no level follow-up: it names no level and points at none."""
        intent = message.get(INTENT) or {}
        if intent.get("name") != FOLLOW_UP_INTENT or any(e.get("entity") == ENTITY for e in entities):
            return
        if POINTS_BACK.search(message.get(TEXT) or ""):
            return
        override_intent(message, NOT_IN_GUIDE_INTENT, intent.get("confidence", 0.0))
