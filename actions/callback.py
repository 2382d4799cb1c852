"""The callback request: a form, a summary to confirm or correct, and a stored request.

The form (domain.yml `callback_form`) asks for a name, a phone number, the
best time to call, an optional note and consent; `ValidateCallbackForm`
checks each answer and re-asks clearly. `action_callback_review` shows the
summary; only after the person confirms does `action_submit_callback` store
the request (storage/callbacks.py), and it confirms only once the database
has committed it (docs/design.md, invariant 3). Names and phone numbers are never
logged.

Phone numbers are read, stored and shown by storage/phone_numbers.py (the
phonenumbers library; default region US; international numbers and extensions
accepted; stored in E.164, with the extension as ";ext=").
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import answer_digression
from actions.forms import SafeFormValidationAction
from actions.triage import answers_from, skipped, yes_no_words
from answer_words.callback_requests import CALL_OFF_WORDS
from answer_words.questions import SENTENCE_END, starts_like_a_question
from channels.ownership import conversation_ref
from crisis_detection import intents
from storage import phone_numbers
from storage.callbacks import CallbackRequest, CallbackStoreError, save_request

logger = logging.getLogger(__name__)

FIELDS = ["callback_name", "callback_phone", "callback_best_time", "callback_note", "callback_consent"]
CANCELLED_SLOT = "callback_cancelled"  # "not now" said instead of an answer (CALLED_OFF)
MAX_PHONE_ATTEMPTS = 2
# Answers at the name question that are no name ("now", "he is 24"): after this many, the
# request goes on without one (NO_NAME) instead of asking for ever; the team asks on the phone.
MAX_NAME_ATTEMPTS = 3
MAX_NAME_CHARS = 60
MAX_TIME_CHARS = 60
MAX_UNSURE_TIME_WORDS = 5  # "maybe after 5?" is a time; a longer sentence with a "?" asks something
MAX_NOTE_CHARS = 500
# Letters (any script) in words joined by spaces, hyphens, apostrophes, dots, commas or quotes:
# 'Guadalupe "Lupe" Ortiz', "Rick Barrera, Barrera Roofing" (staff read what follows the name).
NAME = re.compile(r"^[^\W\d_]+(?:[ '’.,\-\"“”]+[^\W\d_]+)*[.\"”]?$")
# How people introduce a name: "it's Dana", "my name is Dana", "this is Dana Ruiz".
# Words said on the way: "sorry, Lupe", "lol fine, Chidi", "ok whatever, Dmitri Volkov".
NAME_LEAD_IN = re.compile(
    r"^(?:(?:hi|hello|hey|ok|okay|sure|yes|yeah|sorry|lol|fine|whatever|alright|um+|oh|well)[,!.]?\s+)*"
    r"(?:(?:my name is|my name's|my name|name is|name's|it'?s|its|it is|this is|i'm|i am|im|"
    r"(?:you can |just )?call me|(?:everyone|everybody|people|they|friends|my friends) calls? me|ask for|"
    r"they can ask for|(?:her|his|their) name is|(?:her|his|their) name's|soy|me llamo)\s+)?",
    re.IGNORECASE,
)
# A name written just before the number, in a request to be called:
# "call me please, Jean-Baptiste Ngata, 206 555 0117", "ok call me then. Dwayne 559-555-0104".
# "ok call me. Andre. (901) 555-0112": the name may end its own sentence.
NAME_BEFORE_NUMBER = re.compile(r"(?:^|[.,;:!?]\s*)([A-Z][^\W\d_]+(?:[ '’\-][A-Z][^\W\d_]+){0,2})[\s,:.\-]*$")
# Digits said in words, as voice typing writes them: "six one nine, five five five, ...".
SPOKEN_DIGITS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
# Words around a number that read as a sentence ("can i use my friend's? 323 555 0175");
# emoji or symbols there most likely mean a slip ("📞 619 555 0123"), so the number is asked for again.
# One character class repeated, not nested repeats: "?" * 40 + an emoji must not take hours.
PLAIN_WORDS = re.compile(r"^(?:[^\W\d_]|[\s.,:;!?'’()\-])*$")
# An answer to "when is the best time?": "after 3", "late morning", "weekdays before noon".
TIME_WORDS = re.compile(
    r"\d|\b((?:morning|afternoon|evening|night)s?|noon|lunch|am|pm|after|before|anytime|any time|asap|now|today|"
    r"tomorrow|tonight|weekdays?|weekends?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"(?:business|school|work|office) hours)\b",
    re.IGNORECASE,
)
# The words about the number around a name given with it: "my name is Aaliyah and my
# number is 626-555-0184", "Irina, phone 424 555 0140".
NUMBER_TALK = re.compile(
    r"(?:\b(?:and|,)\s*)?\b(?:my\s+)?(?:phone\s+|cell\s+|mobile\s+)?(?:number|phone|cell|mobile)(?:\s+is)?\b"
    r"(?:\s+and\b)?",
    re.IGNORECASE,
)
# A name said in passing, before the question: "My name is Harold Jensen, please call me".
# Or someone else's, when they are the one to call: "can someone call her? Her name's Tessa".
# A bare "name's Owen" only at the start of a sentence or clause: "my son's name is Kevin" names
# no one to call.
NAME_INTRODUCED = re.compile(
    r"(?:\b(?i:my name is|my name's|my name|this is|i am|i'm|im|(?:her|his|their) name is|(?:her|his|their) name's|"
    r"soy|me llamo)|(?:^|[.,;:!?])\s*(?i:name's|name is))\s+([A-Z][^\W\d_]+(?:[ '’\-][A-Z][^\W\d_]+){0,2})"
)
# A name signed after the request: "call me pls - Lisa", "ok call me. Darnell",
# "ok just call me then, Jessica", "Call me, please. Diane".
NAME_AFTER_REQUEST = re.compile(
    r"\b(?i:call|ring|phone)\s+(?i:me|her|him|us)\b(?:[^.,;:!?\-–]*[.,;:!?\-–]+\s*){1,3}?"
    r"([A-Z][^\W\d_]+(?:[ '’\-][A-Z][^\W\d_]+){0,2})(?:\s+here)?[.!]?\s*$"
)
# What people add after their name that is no part of it: "Linda Park (daughter)",
# "Monica Reyes, LCSW", "Mo here".
NAME_TRAILER = re.compile(r"(?:\s*\([^()]*\)|\s*,\s*[A-Z]{2,5}\.?|\s+here)\s*$")
# A name spelled out after it: "Siobhan O'Leary, S-I-O-B-H-A-N". Dropped only when it spells
# a word of the name: "Siobhan, O-L-E-A-R-Y" spells what staff would otherwise not have.
SPELLING = re.compile(r"\s*,\s*((?:[^\W\d_][ .\-]){2,}[^\W\d_])\.?\s*$")
# Words that answer something but are no name: "afternoon" typed at the name question.
NOT_NAMES = {
    "yes", "no", "yeah", "yep", "nope", "ok", "okay", "sure", "idk", "dunno", "none", "nothing", "me", "hi",
    "hello", "hey", "thanks", "help", "morning", "afternoon", "evening", "night", "anytime", "today", "tomorrow",
    "later", "why", "what", "huh", "stop", "cancel", "skip", "na", "n/a", "sorry", "lol", "fine", "whatever",
    "alright", "um", "oh", "well", "mornings", "afternoons", "evenings", "nights", "asap", "please", "pls",
    "thank you", "now", "tonight", "soon", "thx", "tysm", "bye", "goodbye", "cheers", "wrong", "right", "correct",
    "incorrect", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "weekends", "weekdays",
}
# Words no name contains: "it's for my son", "not sure", "call me later" are answers, not names.
NOT_IN_NAMES = {
    "my", "for", "the", "to", "is", "not", "sure", "call", "please", "this", "that", "what", "how", "you", "maybe",
    # A signed last sentence that is no name: "No thanks", "Just Ray", "Anonymous", "Text only".
    "no", "thanks", "thank", "just", "anonymous", "text", "only",
    # A sentence about oneself or someone else: "its me lol", "whenever i dont care", "he is 24".
    "i", "me", "its", "he", "she", "we", "they", "him", "them", "lol", "idk", "dont", "don't", "whenever",
}
# The best time of someone who skipped the question, as the summary and the staff app show it.
NO_PREFERENCE = "no preference"
# The name of someone who would rather not give one, or gave none after MAX_NAME_ATTEMPTS.
NO_NAME = "not given"
NOTHING_TO_ADD = {"nothing to add", "nothing", "no", "none", "skip", "n/a", "no thanks", "nope"}
# "not now", "no wait, not now", "never mind", "I'm not ready for anyone to call me yet. Please
# don't call.": said instead of a name, a number or a time, the request is called off (as "stop"
# is), not asked for again. Every sentence of the message must say so: "maybe later this week"
# is a time, "i changed my mind about the number, use my cell" a correction.
CALLED_OFF = re.compile(
    r"(?:(?:no|nah|nope|naw|wait|actually|sorry|i'?m sorry|hmm|um|ok|okay|oh)[\s,.!]+)*"
    r"(?:" + CALL_OFF_WORDS + r"|maybe later|later|i(?:'ve| have)? changed my mind|"
    r"i'?m not ready(?: for (?:anyone|someone|somebody|you) to call(?: me)?| for a call)?)"
    r"(?: yet| anymore)?(?:[\s,]+(?:please|sorry|thanks|thank you))?[\s.!]*",
    re.IGNORECASE,
)
# The questions at which calling the request off is read: the consent question has its own "no",
# and at the note question "no" or "not now" is nothing to add. At the best-time question, what
# names a time is one ("not now", "not today": the team reads it), so only "never mind" and the
# like call it off there.
CALLED_OFF_AT = ("callback_name", "callback_phone", "callback_best_time")
STOP_CONFIDENCE = 0.8


def without_its_spelling(name: str) -> str:
    spelled = SPELLING.search(name)
    if spelled is None:
        return name
    letters = re.sub(r"[ .\-]", "", spelled.group(1)).lower()
    words = [re.sub(r"[^\w]", "", word).lower() for word in name[: spelled.start()].split()]
    return name[: spelled.start()] if letters in words else name


def clean_name(text: str) -> Optional[str]:
    name = " ".join((text or "").split()).strip(" ,!")
    name = without_its_spelling(NAME_TRAILER.sub("", NAME_LEAD_IN.sub("", name))).strip(" ,!")
    if not name or len(name) > MAX_NAME_CHARS or not NAME.match(name):
        return None
    if any(part.strip(' "“”') in NOT_NAMES for part in name.lower().split(",")):
        return None
    if NOT_IN_NAMES & set(name.lower().split()):
        return None
    return name


def written_like_a_name(text: str) -> bool:
    """A name and nothing else, each word capitalised: "Darnell Price", "Lupe" (not "IOP",
    which may well ask about the level)."""
    name = clean_name(text)
    return name is not None and name == " ".join(text.split()).strip(" ,!.") and all(
        word[:1].isupper() and not (len(word) > 1 and word.isupper()) for word in name.replace('"', " ").split())


def signed_name(text: str) -> Optional[str]:
    """A name signed as the last sentence, capitalised: "call me, I'm her brother. Ray"."""
    sentences = SENTENCE_END.split(text.strip())
    last = sentences[-1]
    return clean_name(last) if len(sentences) > 1 and last[:1].isupper() else None


def words_around(mention: phone_numbers.Mention) -> str:
    """The message without its number: "it's Dana 619-555-0134" -> "it's Dana"."""
    return " ".join(f"{mention.before} {mention.after}".replace(",", " ").split())


def time_after(mention: phone_numbers.Mention) -> Optional[str]:
    """When to call, said after the number: "Mia 555 400 1122 mornings",
    "(442) 555-0190, I'm at work till 5 so after that"."""
    # Its first sentence: "weekday mornings. It's about my son." is a time, then a note.
    tail = re.split(r"[.;!?](?:\s|$)", mention.after.strip(" ,;:-–"))[0].strip(" ,.")
    if not tail or "?" in tail or len(tail) > MAX_TIME_CHARS or not TIME_WORDS.search(tail):
        return None
    return " ".join(tail.split())


def in_digits(text: str) -> str:
    """The message with digits said in words written as digits, when it holds a phone
    number's worth of them (seven or more); otherwise unchanged."""
    words = re.findall(r"[a-z]+", text.lower())
    if sum(word in SPOKEN_DIGITS for word in words) < 7:
        return text
    return re.sub(r"[a-z]+", lambda m: SPOKEN_DIGITS.get(m.group(0), m.group(0)), text.lower()).replace(",", " ")


def name_before(mention: phone_numbers.Mention) -> Optional[str]:
    match = NAME_BEFORE_NUMBER.search(mention.before)
    return clean_name(match.group(1)) if match else None


def called_off(tracker: Tracker, slot: str) -> bool:
    """Whether the answer to this slot's question calls the request off instead. Only a message
    the form took as its answer (a crisis is no answer: its rule ends the form with the crisis
    reply) and that worried the crisis net not at all: "actually forget it, no point, I won't be
    around by the time they call" is a crisis, never a request called off."""
    if slot not in tracker.slots_to_validate() or intents.worried_the_net(tracker.latest_message):
        return False
    text = " ".join((tracker.latest_message.get("text") or "").split())
    if slot == "callback_note" and asked(tracker, slot):
        # The note question takes what the classifier calls "stop" (domain.yml), since "please don't
        # leave a voicemail" sounds like one (0.4): only a sure "stop" calls the request off.
        intent = tracker.latest_message.get("intent") or {}
        return intent.get("name") == "stop" and (intent.get("confidence") or 0.0) >= STOP_CONFIDENCE
    sentences = [sentence.strip() for sentence in SENTENCE_END.split(text) if sentence.strip()]
    return (
        asked(tracker, slot) and slot in CALLED_OFF_AT and bool(sentences)
        and all(CALLED_OFF.fullmatch(sentence) for sentence in sentences)
        and not (slot == "callback_best_time" and TIME_WORDS.search(text))  # "not now" is a time there
    )


def asked(tracker: Tracker, slot: str) -> bool:
    """Whether the latest message answers this slot's question (not a re-validation)."""
    return tracker.get_slot("requested_slot") == slot


def yes_or_no(tracker: Tracker) -> Optional[str]:
    said = yes_no_words(tracker.latest_message.get("text") or "")
    if said:
        return said
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    return {"affirm": "yes", "deny": "no"}.get(intent)


class ValidateCallbackForm(SafeFormValidationAction):
    def name(self) -> Text:
        return "validate_callback_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if (tracker.get_slot("callback_phone_attempts") or 0) >= MAX_PHONE_ATTEMPTS:
            return []  # ends the form; the review gives the centre's number instead
        if tracker.get_slot(CANCELLED_SLOT):
            return []  # ends the form; the review says nothing was sent
        return domain_slots

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
                                    ) -> List[EventType]:
        requested = tracker.get_slot("requested_slot")
        if requested and called_off(tracker, requested):  # required_slots then ends the form
            return [SlotSet(requested, None), SlotSet(CANCELLED_SLOT, True)]
        return await super().get_validation_events(dispatcher, tracker, domain)

    async def validate_callback_name(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        # "Ty" asked for a name is a name, not thanks; "thx" is no name, so it is thanks. Only an
        # answer to the question: a name kept while another answer is corrected ("phone number",
        # answering "what would you like to change?") is no question to answer.
        # "Darnell Price" is a name, whatever the classifier makes of it.
        if asked(tracker, "callback_name") and not written_like_a_name(str(value)) and answer_digression(
                dispatcher, tracker, answer_thanks=clean_name(str(value)) is None):
            return {"callback_name": None}
        text, number = str(value), None
        mention = phone_numbers.first_in(text) if asked(tracker, "callback_name") else None
        if mention:  # "it's Dana 619-555-0134": both answers at once
            text, number = NUMBER_TALK.sub(" ", words_around(mention)), mention.number
        name = clean_name(text) or signed_name(text)
        the_number = {"callback_phone": number.stored, "callback_phone_attempts": 0} if (
            number and not tracker.get_slot("callback_phone")) else {}
        if name is None and asked(tracker, "callback_name") and skipped(tracker):
            name = NO_NAME  # "i'd rather not say"
        if name is None:
            return {**self.no_name_yet(dispatcher, tracker, bool(the_number)), **the_number}
        fresh_count = {"callback_name_attempts": 0} if tracker.get_slot("callback_name_attempts") else {}
        return {"callback_name": name, **fresh_count, **the_number}

    @staticmethod
    def no_name_yet(dispatcher: CollectingDispatcher, tracker: Tracker, number_taken: bool) -> Dict[Text, Any]:
        """What an answer with no name in it leads to: the question again, or, after
        MAX_NAME_ATTEMPTS, the request without a name. A bare number is no failed name:
        it answers the next question, and is thanked for."""
        if number_taken:
            dispatcher.utter_message(response="utter_callback_number_noted")
            return {"callback_name": None}
        attempts = (tracker.get_slot("callback_name_attempts") or 0) + 1
        if attempts >= MAX_NAME_ATTEMPTS:
            dispatcher.utter_message(response="utter_callback_without_a_name")
            return {"callback_name": NO_NAME, "callback_name_attempts": 0}
        dispatcher.utter_message(response="utter_callback_name_invalid", max_chars=MAX_NAME_CHARS)
        return {"callback_name": None, "callback_name_attempts": attempts}

    async def extract_callback_name(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A name introduced before it was asked for ("this is Harold, please call me") is kept."""
        if tracker.get_slot("callback_name") or asked(tracker, "callback_name"):
            return {}
        text = tracker.latest_message.get("text") or ""
        introduced = NAME_INTRODUCED.search(text) or NAME_AFTER_REQUEST.search(text)
        if introduced:
            name = clean_name(introduced.group(1))
        else:
            mention = phone_numbers.first_in(text)
            name = name_before(mention) if mention else None
        return {"callback_name": name} if name else {}

    async def extract_callback_phone(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A number given before it was asked for ("call me at 619 555 0134") is kept."""
        if tracker.get_slot("callback_phone") or asked(tracker, "callback_phone") or asked(tracker, "callback_name"):
            return {}
        mention = phone_numbers.first_in(tracker.latest_message.get("text") or "")
        return {"callback_phone": mention.number.stored} if mention else {}

    async def extract_callback_best_time(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A time given with the number ("Teresa Lin, 626 555 0190, evenings") is kept."""
        if tracker.get_slot("callback_best_time") or asked(tracker, "callback_best_time"):
            return {}
        mention = phone_numbers.first_in(tracker.latest_message.get("text") or "")
        when = time_after(mention) if mention else None
        return {"callback_best_time": when} if when else {}

    async def validate_callback_phone(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if not asked(tracker, "callback_phone") and str(value).startswith("+"):
            return {"callback_phone": value}  # already parsed (extracted, or kept while correcting)
        # "ok. 760-555-0145", "my number is (858) 555 0199", "six one nine, five five five, ...",
        # "it's 619 555 0123, is that ok?": a number is read before anything else said with it.
        mention = phone_numbers.first_in(str(value)) or phone_numbers.first_in(in_digits(str(value)))
        if mention and (PLAIN_WORDS.match(words_around(mention)) or time_after(mention)):
            return {"callback_phone": mention.number.stored, "callback_phone_attempts": 0}
        if answer_digression(dispatcher, tracker):
            return {"callback_phone": None}
        attempts = (tracker.get_slot("callback_phone_attempts") or 0) + 1
        if attempts < MAX_PHONE_ATTEMPTS:
            dispatcher.utter_message(response="utter_callback_phone_invalid")
        return {"callback_phone": None, "callback_phone_attempts": attempts}

    async def validate_callback_best_time(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text = " ".join(str(value).split())
        usable = bool(text) and len(text) <= MAX_TIME_CHARS and "<" not in text and ">" not in text
        if not asked(tracker, "callback_best_time"):
            # Said with the number (extract_callback_best_time); if unusable, it is asked for.
            return {"callback_best_time": text if usable else None}
        names_a_time = bool(TIME_WORDS.search(text))
        if skipped(tracker) and not names_a_time:  # "skip mornings" is a time
            return {"callback_best_time": NO_PREFERENCE}
        # "Before we continue, will Medicare cover this?" is a question, not a time;
        # "idk, around 3?" is a time said unsurely.
        # "are you open on weekends?" asks; "idk, around 3?" answers.
        unsure_time = names_a_time and len(text.split()) <= MAX_UNSURE_TIME_WORDS and not starts_like_a_question(text)
        if (not names_a_time or text.endswith("?") and not unsure_time) and answer_digression(dispatcher, tracker):
            return {"callback_best_time": None}
        if not usable:
            dispatcher.utter_message(response="utter_callback_time_invalid")
            return {"callback_best_time": None}
        return {"callback_best_time": text}

    async def validate_callback_note(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text = " ".join(str(value).split())
        # "nope" is nothing to add; "no, but call after 5" is a note.
        if (
            skipped(tracker)
            or text.lower().strip(".! ") in NOTHING_TO_ADD
            or (yes_or_no(tracker) == "no" and len(text.split()) <= 3)
        ):
            return {"callback_note": "-"}  # answered: nothing to add
        if len(text) > MAX_NOTE_CHARS:
            dispatcher.utter_message(response="utter_callback_note_too_long", max_chars=MAX_NOTE_CHARS)
            return {"callback_note": None}
        return {"callback_note": text}

    async def validate_callback_consent(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if not asked(tracker, "callback_consent"):
            return {"callback_consent": value}  # kept while another answer is corrected
        answer = yes_or_no(tracker)
        if answer is None:
            if answer_digression(dispatcher, tracker):
                return {"callback_consent": None}
            dispatcher.utter_message(response="utter_answer_yes_or_no")
            return {"callback_consent": None}
        return {"callback_consent": answer}


def reset_events() -> List[EventType]:
    return [SlotSet(field, None) for field in FIELDS] + [
        SlotSet("callback_phone_attempts", 0), SlotSet("callback_name_attempts", 0), SlotSet(CANCELLED_SLOT, False)]


def note_of(tracker: Tracker) -> Optional[str]:
    note = tracker.get_slot("callback_note")
    return None if note in (None, "-") else note


class ActionCallbackReview(Action):
    """The summary to confirm, or why nothing will be sent."""

    def name(self) -> Text:
        return "action_callback_review"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot(CANCELLED_SLOT):  # "not now" instead of an answer
            dispatcher.utter_message(response="utter_callback_stopped")
            return reset_events()
        if not tracker.get_slot("callback_phone"):
            dispatcher.utter_message(response="utter_callback_phone_unreadable")
            return reset_events()
        if tracker.get_slot("callback_consent") != "yes":
            dispatcher.utter_message(response="utter_callback_declined")
            return reset_events()
        dispatcher.utter_message(
            response="utter_callback_summary",
            phone_shown=phone_numbers.shown(tracker.get_slot("callback_phone")),
            note_shown=note_of(tracker) or "none",
        )
        return []


class ActionSubmitCallback(Action):
    """Store the confirmed request; confirm only what the database committed."""

    def name(self) -> Text:
        return "action_submit_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if not tracker.get_slot("callback_phone") or tracker.get_slot("callback_consent") != "yes":
            # "ok" after the review said nothing was sent (called off, declined, no number): no
            # summary is waiting, and nothing failed.
            dispatcher.utter_message(response="utter_anything_else")
            return []
        request = CallbackRequest(
            conversation_id=tracker.sender_id,
            name=tracker.get_slot("callback_name"),
            phone=tracker.get_slot("callback_phone"),
            best_time=tracker.get_slot("callback_best_time"),
            consent=tracker.get_slot("callback_consent") == "yes",
            note=note_of(tracker),
            triage=answers_from(tracker),
        )
        try:
            reference = save_request(request)
        except (CallbackStoreError, ValueError) as problem:
            logger.error("Callback request not stored (conversation %s): %s", conversation_ref(tracker.sender_id), problem)
            dispatcher.utter_message(response="utter_callback_not_saved")
            return []
        logger.info("Callback request %s stored (conversation %s).", reference, conversation_ref(tracker.sender_id))
        dispatcher.utter_message(response="utter_callback_saved", reference=reference)
        return reset_events()


class ActionCallbackReset(Action):
    def name(self) -> Text:
        return "action_callback_reset"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        return reset_events()
