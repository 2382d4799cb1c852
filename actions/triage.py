"""Triage: from a few answers to an orientation toward levels of care (never a diagnosis).

The mapping is data (knowledge/triage.yml) a clinician can review; this module
applies it, and validates the answers to the triage form (buttons, yes/no, or
free text). The wording is in domain.yml (utter_triage_orientation*). Answers
are kept in triage_* slots and sent with a callback request. Who the help is
for is not asked again when the person already said it ("my son drinks every
day, which program is right for him?").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

import knowledge
from actions.answers import answer_digression
from actions.recent_turns import latest_user_events
from actions.forms import SafeFormValidationAction
from answer_words.people import ABOUT_MYSELF, EXPLICITLY_MYSELF, LOVED_ONE, MYSELF, SOMEONE_ELSE
from answer_words.questions import SENTENCE_END, WORD_PARTS, is_a_question
from answer_words.unsure import UNSURE
from knowledge import Level

# A skip is short ("skip", "pass on that one"); "I'd rather not answer that one" is a
# skip too. A longer message the classifier took for one is an answer, kept.
MAX_SKIP_WORDS_ANY = 3
MAX_SKIP_WORDS = 7
RATHER_NOT_SAY = re.compile(r"\b(rather not|prefer not|don'?t want to (answer|say)|skip (this|that)( one| question)?|pass on)\b",
                            re.IGNORECASE)
QUESTIONS = ["for_whom", "withdrawal", "safe_home", "can_attend", "mental_health", "prior_treatment"]
TRIAGE_SLOTS = [f"triage_{question}" for question in QUESTIONS]
# How many of the latest user messages may tell who the help is for.
WHO_LOOKBACK = 3


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


def utter_orientation(dispatcher: CollectingDispatcher, result: Orientation) -> None:
    """The orientation (domain.yml utter_triage_orientation*), with the detox warning when it applies."""
    reasons = "\n".join(f"- {reason[0].upper()}{reason[1:]}" for reason in result.reasons)
    change = [{"title": "Change an answer", "payload": "/change_answer"}]
    if result.levels:
        names = [level.short for level in result.levels]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        dispatcher.utter_message(
            response="utter_triage_orientation", orientation_levels=listed, orientation_reasons=reasons, buttons=change
        )
    else:
        dispatcher.utter_message(response="utter_triage_orientation_open", orientation_reasons=reasons, buttons=change)
    if result.warn_detox_alone:
        dispatcher.utter_message(response="utter_detox_alone")


def who_was_mentioned(tracker: Tracker) -> Optional[str]:
    """"someone_else" or "me" when the latest messages already said who the help is for."""
    latest_first = latest_user_texts(tracker)
    if latest_first and EXPLICITLY_MYSELF.search(latest_first[0]):
        return "me"
    if any(LOVED_ONE.search(text) for text in latest_first):
        return "someone_else"
    if latest_first and ABOUT_MYSELF.search(latest_first[0]):
        return "me"
    return None


def latest_user_texts(tracker: Tracker, count: int = WHO_LOOKBACK) -> List[str]:
    return [event.get("text") or "" for event in latest_user_events(tracker, count)]


def withdrawal_was_described(tracker: Tracker) -> bool:
    return any(SYMPTOMS.search(text) and not SYMPTOMS_DENIED.search(text) for text in latest_user_texts(tracker))


def answers_from(tracker: Tracker) -> Dict[str, str]:
    return {q: tracker.get_slot(f"triage_{q}") for q in QUESTIONS if tracker.get_slot(f"triage_{q}")}


# Typed answers to the yes / no / not sure questions, read from their first words.
# "actually, no", "on reflection, no": a short lead-in before the answer.
LEAD_IN = (
    r"^\W*(?:(?:actually|hmm+|um+|well|ok|okay|on reflection|on second thought|sorry|oh|fine|alright|all right|"
    r"honestly|i mean|so|lol)[\s,.!]+)*"
)
YES_WORDS = re.compile(
    LEAD_IN + r"(yes|yeah|yea|ya|yep|yup|yess+|sure|si|sí|definitely|absolutely|correct|true|of course|"
    r"(i|he|she|they|we) (do|does|can|did|have|has))\b",
    re.IGNORECASE,
)
NO_WORDS = re.compile(
    LEAD_IN + r"(no|nope|nah|not really|never|none|(i|he|she|they|we) (don'?t|doesn'?t|can'?t|didn'?t|haven'?t|hasn'?t)|"
    r"can'?t|cannot)\b",
    re.IGNORECASE,
)
# What a typed answer says without a yes: "a fifth of whiskey a day" answers the
# withdrawal question, "PTSD from Iraq" the mental health one.
ANSWER_CUES = {
    "triage_withdrawal": re.compile(
        r"\b(every ?(single )?(day|night|nite|morning)|daily|nightly|a (day|night)|all day|each (day|night)|"
        r"shakes?|shaky|shaking|sweats|sick (if|when|without)|dope ?sick|withdraw\w*|morning drink|"
        r"(awful|sick|terrible) in the mornings?|until (he|she|they|i) (has|have|gets?) (a|one)|"
        r"can'?t (go|get through the day) without)\b", re.IGNORECASE),
    "triage_safe_home": re.compile(
        r"\b(it'?s safe|its safe|is safe|safe (home|place)|supportive|(home|house|it) is (calm|quiet|fine|ok|okay|good)|"
        r"(it'?s|its) (calm|quiet|fine|ok|okay|good)|(live|lives|living) (alone|by (myself|himself|herself)|with (me|us)))\b",
        re.IGNORECASE),
    "triage_can_attend": re.compile(
        r"\b(days a week|few days|after (work|school)|evenings?|(i|he|she|they|we) (can|could) (go|do|make|come|attend)|"
        r"(can|could) (do|come in|make it)|(has|have) the time|(i|we)('d| would| can| could) drive)\b",
        re.IGNORECASE),
    "triage_mental_health": re.compile(
        r"\b(depress\w*|anxi\w*|ptsd|bipolar|schizo\w*|adhd|ocd|trauma|panic|psychosis|eating disorder|"
        r"paranoi\w*|grief|grieving|mood swings|borderline|bpd|anorexi\w*|bulimi\w*)\b",
        re.IGNORECASE),
    "triage_prior_treatment": re.compile(
        r"\b(rehab|iop|detox|program|treatment|therapy|meetings|aa|na|outpatient|inpatient|residential|twice|once|"
        r"before|in 20\d\d|methadone|suboxone|clinic)\b", re.IGNORECASE),
}


# "he's doing online classes so yes": the yes or no that ends a sentence, after a
# word that makes it the answer ("no, but she'd say yes" is not a yes).
LAST_WORD_YES = re.compile(r"\b(so|then|and|but)\s*(yes|yeah|yep|yup)\W*$", re.IGNORECASE)
LAST_WORD_NO = re.compile(r"\b(so|then|and|but)\s*(no|nope|nah)\W*$", re.IGNORECASE)
# What a typed answer says without a no: "just weed and sometimes pills" is not
# heavy daily use, "my parents are kinda toxic" no safe home; "not paranoid or anything"
# is no mental health concern.
NEGATED_CUES = re.compile(
    r"\b(not|never) (every ?day|daily|all day|safe)\b|"
    r"\b(no|not|never|isn'?t|wasn'?t|aren'?t)( really| that| very)? (depress\w*|anxi\w*|paranoi\w*|bipolar)\b",
    re.IGNORECASE)
NO_CUES = {
    "triage_withdrawal": re.compile(
        r"\b(just|only) (weed|pot|on (the )?weekends?|weekends?|socially|sometimes|occasionally)\b|"
        r"\bnot (every ?day|daily)\b|\b(sometimes|occasionally|once in a while)\b", re.IGNORECASE),
    "triage_safe_home": re.compile(
        r"(?<!not )(?<!n't )\b(toxic|abusive|unsafe|dangerous|chaotic|violent)\b|\b(not|isn'?t) safe\b|"
        r"\b(hits|beats|threatens|hurts) (me|him|her|them|us)\b|\b(scared|afraid) of (him|her|them)\b|"
        r"\b(lives?|living|sleeps?|sleeping) (in (his|her|their|my|a) (car|truck|van)|on the streets?|in a shelter)\b|"
        r"\b(homeless|couch ?surfing)\b", re.IGNORECASE),
}
# Withdrawal said before the questions start ("I get sick if I go without",
# "she gets the shakes if she doesn't drink by noon"): not asked again.
SYMPTOMS = re.compile(
    r"\b(gets? (the )?shakes|(hands?|he|she|i) (shake|shakes|shaking)|shaky|sweats|sick (if|when|without)|dope ?sick|"
    r"withdrawals?|(awful|sick|terrible) in the mornings? until|morning drink)\b",
    re.IGNORECASE,
)
SYMPTOMS_DENIED = re.compile(
    r"\b(no|not|never|without|doesn'?t|don'?t|isn'?t) (\w+ ){0,2}(shak|sweat|sick|withdraw)", re.IGNORECASE
)


# Answers to a later question, volunteered while answering another ("no withdrawal,
# and home is fine, i live with my sister"; "home is safe, and he could do evenings").
# Stricter than ANSWER_CUES, which read the answer to the question asked: a later
# question is answered only by a clause that says it plainly, as a fact; the rest is
# still asked.
VOLUNTEERED_YES = {
    "triage_safe_home": re.compile(
        r"\b(home|house)('s| is) (safe|fine|calm|quiet|ok|okay|good|stable|supportive)\b|"
        r"\b(it'?s|its) (safe|calm|quiet|fine) (at home|there)\b",
        re.IGNORECASE),
    "triage_can_attend": re.compile(
        # "he could go", "she can go to groups": not "she could go into withdrawal", "he can go back to his dad's".
        r"\b(i|he|she|they|we) (can|could) (go|come|attend|make it)(?=\s*$|\s+(to (it|that|them|groups?|sessions?|"
        r"treatment|the program|iop|php|meetings)|(several|a few|some|most|\d) (days|times)|during the day|"
        r"in the (evenings?|mornings?)|after (work|school)|on (weekdays|weekends|evenings)))|"
        r"\b(can|could) (do|make) (evenings|nights|mornings|afternoons|weekdays)\b",
        re.IGNORECASE),
    "triage_mental_health": re.compile(
        r"\b(depression|depressed|anxiety|ptsd|bipolar|schizo\w*|adhd|ocd|panic attacks?|psychosis|eating disorder)\b",
        re.IGNORECASE),
    "triage_prior_treatment": re.compile(
        r"\b(been|went|gone) (to|through|into) (rehab|detox|treatment|an? iop|iop|aa|na|meetings|a program)\b|"
        r"\b(did|done|tried|finished|completed) (rehab|detox|an? iop|iop|a program|treatment|methadone|suboxone)\b|"
        r"\b(was|were) (on|in) (methadone|suboxone|a methadone program|a suboxone program)\b",
        re.IGNORECASE),
}
VOLUNTEERED_NO = {
    "triage_safe_home": re.compile(
        r"\b(home|house)('s| is) not safe\b|\b(home|house) isn'?t safe\b|\bnot safe (at|in) (home|the house)\b|"
        r"\b(abusive|violent|toxic) (home|house|household|partner|husband|wife|boyfriend|girlfriend)\b|"
        r"\b(he|she|they) (hits|beats|threatens) (me|him|her|them|us)\b|"
        r"\b(lives?|living|sleeps?|sleeping) (in (his|her|their|my|a) (car|truck|van)|on the streets?|in a shelter)\b|"
        r"\b(homeless|couch ?surfing)\b", re.IGNORECASE),
    "triage_can_attend": re.compile(
        r"\b(i|he|she|they|we) (can'?t|cannot|couldn'?t) (go to|attend|make it to) (it|that|them|groups|sessions|"
        r"treatment|the program|iop|php|several days|most days|during the day)\b|"
        r"\b(can'?t|cannot|couldn'?t) take (time|days) off\b", re.IGNORECASE),
    "triage_mental_health": re.compile(r"\bno (mental health (issues|problems|stuff)|depression|anxiety|diagnos\w+)\b",
                                       re.IGNORECASE),
    "triage_prior_treatment": re.compile(
        r"\b(never|not) (been )?(to|in|through) (rehab|treatment|detox)\b|\bnever (had )?(any )?treatment\b|"
        r"\bfirst time (getting|asking for|looking for) help\b", re.IGNORECASE),
}
# Mental health words that are withdrawal symptoms too ("shakes and anxiety when he
# stops"): not taken from an answer to the withdrawal question.
SYMPTOM_LIKE = re.compile(r"\b(anxiety|depressed|depression|panic attacks?)\b", re.IGNORECASE)
# A clause that isn't an account of what is: a negation before the cue ("not depressed",
# "hasn't been to rehab"), or a wish, a plan or a need ("needs a safe place to live",
# "wants to try a suboxone program", "refuses to go to rehab").
NOT_AN_ACCOUNT = re.compile(
    r"\b(no|not|never|without|(do|does|did|is|was|has|have|wo|ca|could|would|should|are|were)n'?t|cant|wont|"
    r"need|needs|want|wants|wanna|should|would|will|refuses?|refused|try|trying|hope|hoping|if|looking for)\b",
    re.IGNORECASE)
CLAUSE_BREAKS = re.compile(r"[,.;!?]+|\b(?:and|but|so|though|also|plus)\b", re.IGNORECASE)


# "what do u mean by withdrawal", "what does safe home mean? safe from what": a question
# about the question, answered with what it means (utter_triage_explain_*) and asked
# again, never taken for an answer. Only when the message says nothing else: "define
# safe lol. sure" answers.
# The question must open the sentence ("idk what counts as withdrawal, hes angry when he
# cant" answers), and be about the question's own words ("what does php mean" asks
# about a level, and is answered as a guide question).
QUESTION_WORDS_ASKED = (
    r"(?:u|you|ya|that|this|it|withdrawal|heavy|heavy daily use|daily use|safe|safe home|a safe home|supportive|"
    r"mental health|mental health concerns|concerns|treatment|prior treatment|attend|attending)"
)
ASKS_WHAT_IT_MEANS = re.compile(
    r"^\W*(?:(?:ok|okay|so|sorry|wait|um+|hmm+|and|but|lol)\W+)*"
    rf"(?:what (?:do|does|did) {QUESTION_WORDS_ASKED} (?:even |actually )?mean\b|what(?:'s| is) meant by\b|"
    rf"what counts as\b|(?:safe|heavy|supportive|concerns?) (?:from|like) what\b|define {QUESTION_WORDS_ASKED}\b|"
    r"(?:meaning|like what|what do you mean|wdym)\W*$)",
    re.IGNORECASE)


def asks_what_the_question_means(text: str) -> bool:
    sentences = [sentence for sentence in SENTENCE_END.split(text.strip()) if sentence.strip()]
    return bool(sentences) and any(ASKS_WHAT_IT_MEANS.search(s) for s in sentences) and all(
        ASKS_WHAT_IT_MEANS.search(s) or is_a_question(s) for s in sentences)


def volunteered(slot: str, tracker: Tracker) -> Optional[str]:
    """"yes" or "no" to a later triage question, said plainly in the message that starts
    the questions ("Vet here. PTSD and I drink to sleep. Which program?") or in the
    answer to the question asked. Only in an answer the form took (not a crisis, a stop
    or a question: slots_to_validate holds the question asked), never to a question
    already answered or asked before this one, and never when two clauses disagree
    ("no depression but bad anxiety")."""
    asked = tracker.get_slot("requested_slot")
    if tracker.get_slot(slot):
        return None
    opening = asked is None  # the form starts on this message: nothing has been asked yet
    if not opening and (asked not in TRIAGE_SLOTS or asked not in tracker.slots_to_validate()):
        return None
    if not opening and TRIAGE_SLOTS.index(slot) <= TRIAGE_SLOTS.index(asked):
        return None
    text = tracker.latest_message.get("text") or ""
    # "anxiety and the shakes when he stops": withdrawal, told before the withdrawal question.
    symptoms_told = asked == "triage_withdrawal" or (opening and bool(SYMPTOMS.search(text)))
    if slot in NO_CUES and NO_CUES[slot].search(text) and not VOLUNTEERED_NO[slot].search(text):
        # "his house is fine but his dad hits him": the question is asked, not answered for them.
        return None
    statements = [s for s in SENTENCE_END.split(text) if not is_a_question(s)]
    found = set()
    for clause in (clause for statement in statements for clause in CLAUSE_BREAKS.split(statement)):
        if UNSURE.search(clause):
            continue
        said_no = VOLUNTEERED_NO[slot].search(clause)
        if said_no and not NOT_AN_ACCOUNT.search(clause[:said_no.start()]):
            found.add("no")
            continue
        said = VOLUNTEERED_YES[slot].search(clause)
        if not said or NOT_AN_ACCOUNT.search(clause[:said.start()]):
            continue
        if slot == "triage_mental_health" and symptoms_told and SYMPTOM_LIKE.fullmatch(said.group()):
            continue
        found.add("yes")
    return found.pop() if len(found) == 1 else None


def yes_no_words(text: str) -> Optional[str]:
    """"yes" or "no" when a typed answer starts or ends with one ("yea evry day", "nope",
    "she doesn't", "she's home all day so yes")."""
    # The first word decides; the last decides only when the first says neither.
    for pattern, answer in ((YES_WORDS, "yes"), (NO_WORDS, "no"), (LAST_WORD_YES, "yes"), (LAST_WORD_NO, "no")):
        if pattern.search(text):
            return answer
    return None


def is_a_statement(text: str) -> bool:
    """A sentence of a few words, not a question: "purple elephants" or "??" is asked again."""
    return len(WORD_PARTS.findall(text)) >= 3 and not is_a_question(text)


def said_in_words(slot: str, text: str) -> Optional[str]:
    """"yes" or "no" from what a typed answer says without saying yes or no. A cue for
    yes wins: "every day, and sometimes he shakes" is heavy daily use; "not every day"
    is no cue for it."""
    if ANSWER_CUES[slot].search(NEGATED_CUES.sub(" ", text)):
        return "yes"
    if slot in NO_CUES and NO_CUES[slot].search(text):
        return "no"
    return None


def skipped(tracker: Tracker) -> bool:
    """Whether the latest message passes over the question ("skip", "i'd rather not say").
    Only a short one: a longer message the classifier took for a skip is an answer
    ("please don't call before 5, skip the voicemail" is a note), and nothing is lost."""
    latest = tracker.latest_message
    text = latest.get("text") or ""
    words = len(text.split())
    short_enough = words <= MAX_SKIP_WORDS_ANY or (words <= MAX_SKIP_WORDS and bool(RATHER_NOT_SAY.search(text)))
    return (latest.get("intent") or {}).get("name") == "skip" and short_enough


def yes_no_unsure(tracker: Tracker, text: str) -> Optional[str]:
    if UNSURE.search(text):
        return "unsure"
    said = yes_no_words(text)
    if said:
        return said
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    return {"affirm": "yes", "deny": "no"}.get(intent)


class ValidateTriageForm(SafeFormValidationAction):
    def name(self) -> Text:
        return "validate_triage_form"

    async def extract_triage_for_whom(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("triage_for_whom") or tracker.get_slot("requested_slot") == "triage_for_whom":
            return {}
        who = who_was_mentioned(tracker)
        return {"triage_for_whom": who} if who else {}

    async def extract_triage_withdrawal(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        # Only as the questions start: afterwards the answer is typed or tapped.
        if tracker.get_slot("triage_withdrawal") or tracker.get_slot("requested_slot"):
            return {}
        if not withdrawal_was_described(tracker):
            return {}
        dispatcher.utter_message(response="utter_withdrawal_help")  # invariant 8
        return {"triage_withdrawal": "yes"}

    async def extract_triage_safe_home(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._volunteered("triage_safe_home", tracker)

    async def extract_triage_can_attend(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._volunteered("triage_can_attend", tracker)

    async def extract_triage_mental_health(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._volunteered("triage_mental_health", tracker)

    async def extract_triage_prior_treatment(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._volunteered("triage_prior_treatment", tracker)

    @staticmethod
    def _volunteered(slot: str, tracker: Tracker) -> Dict[Text, Any]:
        answer = volunteered(slot, tracker)
        return {slot: answer} if answer else {}

    async def validate_triage_for_whom(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text = str(value)
        if value in ("me", "someone_else") and tracker.get_slot("requested_slot") != "triage_for_whom":
            return {"triage_for_whom": value}  # already known from what was said before
        if SOMEONE_ELSE.search(text):
            return {"triage_for_whom": "someone_else"}
        if MYSELF.search(text):
            return {"triage_for_whom": "me"}
        if not answer_digression(dispatcher, tracker):
            dispatcher.utter_message(response="utter_triage_for_whom_invalid")
        return {"triage_for_whom": None}

    async def _yes_no(self, slot: str, value: Any, dispatcher, tracker) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != slot:
            return {slot: value}  # an earlier answer, kept as it was
        if skipped(tracker):  # left for the admissions team to go over
            dispatcher.utter_message(response="utter_triage_noted_as_unsure")
            return {slot: "unsure"}
        text = str(value)
        if asks_what_the_question_means(text):
            dispatcher.utter_message(response=f"utter_triage_explain_{slot.removeprefix('triage_')}")
            return {slot: None}
        answer = yes_no_unsure(tracker, text)
        if answer:
            return {slot: answer}
        # What the sentence says answers the question, unless it asks one: "bipolar,
        # diagnosed" is a yes to mental health, not a question about who a level suits.
        said = said_in_words(slot, text)
        if said and not is_a_question(text):
            return {slot: said}
        if answer_digression(dispatcher, tracker):
            return {slot: None}
        if said:
            return {slot: said}
        if is_a_statement(text):
            # "he lives with his girlfriend now": an answer, just not one a rule can
            # read. Asking again would not help; the team will go over it.
            dispatcher.utter_message(response="utter_triage_noted_as_unsure")
            return {slot: "unsure"}
        dispatcher.utter_message(response="utter_triage_yes_no_invalid")
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
        utter_orientation(dispatcher, orientation(answers_from(tracker)))
        return []
