"""Redaction for exports: what identifies a person, out of message text.

What it takes out, each replaced by a label ([phone], [email], ...):
- phone numbers in any format (`phonenumbers`' matcher, US first, then any
  run of seven or more digits with the usual separators), except the public
  lines the assistant itself gives (911, 988, the SAMHSA helpline, the
  centre's own number);
- email addresses, also written out ("mike23 at yahoo dot com");
- social handles: "@jenny_r", and what follows a platform's name
  ("instagram: jenny.r", "my snap is xo_kayla", facebook.com/...);
- street addresses ("1234 Elm Street", "55 W 3rd Ave", "apt 4B", "PO Box 1432"),
  and a state with a ZIP code;
- dates that are not a fraction or a range ("03/14/1990", "march 14 1990",
  "the 3rd of july 1985");
- ages ("I'm 34", "16 year old", "19 yo", "age: 45", "my daughter (15)"),
  but not durations or amounts ("30 days clean", "is 3 days a week");
- names: the ones the person gave in this conversation (the callback form's
  answer and stored request), in any case and with or without accents; and
  names introduced in the text ("my name is ...", "this is Carlos", "husband
  Carlos", "Mike Thompson here", "... is my name").

What it can't: a name said in passing in lower case with nothing to mark it
("my sponsor dave said"), or numbers spelled out. A redacted export is for
sharing beyond the care team, after a read-through.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Iterable, List, Tuple

import phonenumbers

import knowledge

PERSONAL_ANSWERS = {"callback_name": "[name]", "callback_phone": "[phone]", "callback_note": "[note]"}

# The part before the "@" is at most 64 characters, as the standard allows: unbounded, it was
# tried from every position inside "1-1-1-..." to the end, seconds on one long message.
EMAIL = re.compile(r"[\w.+'-]{1,64}@[\w-]+(\.[\w-]+)+")
SPELLED_EMAIL = re.compile(
    r"\b[\w.+-]{1,64}\s+(?:at|\[at\]|\(at\))\s+[\w-]+\s+(?:dot|\[dot\]|\(dot\))\s+(?:com|org|net|edu|gov|us|io|co)\b", re.I
)
PROFILE_URL = re.compile(
    r"\b(?:www\.)?(?:facebook|fb|instagram|twitter|x|tiktok|snapchat|linkedin)\.com/[\w./@-]+", re.I
)
AT_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_.]{2,30}")
PLATFORM = r"(?:ig|insta(?:gram)?|snap(?:chat)?|tik\s?tok|twitter|discord|fb|facebook|telegram|whatsapp|kik)"
# "instagram: jenny.r", "my snap is xo_kayla", "snapchat username bigmike_209", "discord nightowl#4821"
PLATFORM_HANDLE = re.compile(
    rf"\b{PLATFORM}(?:\s+(?:user(?:name)?|handle|name|id))?\s*(?::|\bis\b|-)?\s*@?(?P<handle>[A-Za-z0-9_.]*[_.#\d][A-Za-z0-9_.#]*|(?<=:\s)[A-Za-z]\w+|(?<=is\s)[A-Za-z]\w+)",
    re.I,
)
PHONE_DIGITS = re.compile(r"\+?\(?\d[\d\s().\-/]{5,}\d")

STREET_TYPES = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|ter|circle|cir|"
    r"highway|hwy|parkway|pkwy|trail|trl|square|sq"
)
STREET = re.compile(
    rf"\b\d{{1,6}}\s+(?:[NSEW]\.?\s+|(?:north|south|east|west)\s+)?(?:[A-Za-z0-9']+\.?\s+){{0,3}}?(?:{STREET_TYPES})\b\.?"
    r"(?:\s*,?\s*(?:#|apt\.?|apartment|unit|suite|ste\.?)\s*[\w-]{1,6})?",
    re.I,
)
UNIT = re.compile(r"\b(?:apt\.?|apartment|unit|suite|ste\.?)\s*#?\s*\w*\d\w*\b", re.I)
PO_BOX = re.compile(r"\bp\.?\s*o\.?\s*box\s+\d+\b", re.I)
STATES = (
    "al ak az ar ca co ct de fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj nm ny nc nd oh ok or pa "
    "ri sc sd tn tx ut vt va wa wv wi wy dc"
).split()
STATE_ZIP = re.compile(rf"\b(?:{'|'.join(STATES)})\.?,?\s+\d{{5}}(?:-\d{{4}})?\b", re.I)

MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
DATES = [
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b"),
    re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"),
    re.compile(rf"\b{MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", re.I),
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}\.?,?\s+\d{{4}}\b", re.I),
]

RELATION = (
    r"husband|wife|son|daughter|mom|mother|mum|dad|father|brother|sister|boyfriend|girlfriend|bf|gf|partner|"
    r"fiance|fiancee|friend|sponsor|cousin|uncle|aunt|grandma|grandpa|grandson|granddaughter|kid|child|nephew|niece"
)
NOT_AN_AGE = (
    r"%|percent|days?|weeks?|months?|years?\s+(?:sober|clean|ago)|hours?|hrs?|mins?|minutes?|pills?|mg|times?|drinks?|"
    r"beers?|shots?|miles?|am\b|pm\b|o'?clock|dollars?|bucks|\$|k\b|/|:|\.\d|x\b"
)
NUMBER_WORD = r"(?:thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
AGES = [
    re.compile(r"\b\d{1,3}\s*-?\s*(?:years?|yrs?|yr)\s*-?\s*old\b", re.I),
    re.compile(r"\b\d{1,3}\s+(?:years?|yrs?)\s+of\s+age\b", re.I),
    re.compile(r"\b\d{1,3}\s*(?:yo|y/o|y\.o\.)(?!\w)", re.I),
    re.compile(r"\bage[sd]?\s*[:=]?\s*\d{1,3}\b", re.I),
    re.compile(rf"\b(?:{RELATION})\s*\(\d{{1,2}}\)", re.I),
    re.compile(rf"\b(?:i'?m|im|i am|she'?s|he'?s|shes|hes|she is|he is|is|turned|turning)\s+\d{{1,3}}\b(?!\s*(?:{NOT_AN_AGE}))", re.I),
    re.compile(rf"\b(?:i'?m|im|i am|turned|turning)\s+{NUMBER_WORD}(?:[\s-]+(?:one|two|three|four|five|six|seven|eight|nine))?\b", re.I),
]

# What a person does, said of them: the word before it, after "my son", is their name.
DOES = (
    r"is|was|has|had|said|says|told|keeps|kept|relapsed|drinks|drank|uses|used|wont|won't|doesn't|doesnt|didn't|"
    r"didnt|can't|cant|will|would|started|stopped|needs|wants|thinks|got|gets|went|goes|overdosed|smokes|vapes"
)
NAME_WORD = r"[A-ZÀ-Ý][\w'À-ÿ-]+"
NAME = rf"{NAME_WORD}(?:\s+{NAME_WORD}){{0,2}}"
LOWER_WORD = r"[a-zà-ÿ][\w'à-ÿ-]+"
# Words that follow "I'm" without being a name.
NOT_NAMES = frozenset(
    "a an the and but so just not here in at on from with for to really very sure sorry new ok okay fine good "
    "worried scared looking calling trying asking writing wondering struggling using drinking sober clean "
    "desperate tired afraid ready done back still also now currently going getting having always never often "
    "usually sometimes who that which or is was has had does did will would can could keeps said really".split()
)
INTRODUCED = [
    # A capitalised name after an introduction or a relation: "this is Carlos", "husband Carlos".
    re.compile(rf"\b(?:my name is|my name's|name is|names|i am|i'?m|im|this is|it'?s|its|call me|me llamo|soy)\s+(?P<name>{NAME})"),
    re.compile(rf"\b(?i:{RELATION})(?:'s name is|\s+named|\s+called)?\s*,?\s+(?P<name>{NAME})"),
    # Lower case too, where the words can only be a name.
    re.compile(rf"\b(?i:my name is|my name's|name is|call me|me llamo)\s+(?P<name>{LOWER_WORD}(?:\s+{LOWER_WORD})?)"),
    re.compile(rf"\b(?i:hi|hey|hello|hiya),?\s+(?i:i'?m|im|this is|its|it's)\s+(?P<name>{LOWER_WORD})"),
    re.compile(r"^(?:(?:hi|hey|hello),?\s+)?(?P<name>[\w'À-ÿ-]+(?:\s+[\w'À-ÿ-]+){0,2}),?\s+here\b", re.I),
    re.compile(r"^(?P<name>[\w'À-ÿ-]+(?:\s+[\w'À-ÿ-]+){0,2})\s+is my name\b", re.I),
    re.compile(rf"\b(?i:{RELATION})(?:'s name is|\s+named|\s+called)\s+(?P<name>{LOWER_WORD})"),
    # "my sponsor dave said", "my son jayden is 16": a word between a relation and what they do.
    re.compile(rf"\b(?i:my|our|her|his)\s+(?i:{RELATION})\s+(?P<name>{LOWER_WORD})\s+(?i:{DOES})\b"),
]


def fold(text: str) -> str:
    """Lower case without accents, one character for one ("María" -> "maria"), so spans line up."""
    return "".join(unicodedata.normalize("NFKD", char)[0].lower() if char.strip() else char for char in text)


@functools.lru_cache(maxsize=1)
def public_numbers() -> frozenset:
    """Digits of the lines the assistant gives out itself: never a person's number."""
    numbers = {"911", "988", re.sub(r"\D", "", knowledge.clinic().phone_e164)[-10:]}
    for resource in knowledge.crisis_resources():
        numbers.add(re.sub(r"\D", "", resource.number)[-10:])
    return frozenset(numbers)


def _spans_of_phones(text: str) -> List[Tuple[int, int]]:
    spans = []
    for match in phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.POSSIBLE):
        # The matcher reads letters as a keypad's ("1-800-FLOWERS"): end at the last digit.
        digits_end = max(i for i, char in enumerate(match.raw_string) if char.isdigit()) + 1
        spans.append((match.start, match.start + digits_end))
    for match in PHONE_DIGITS.finditer(text):
        if sum(ch.isdigit() for ch in match.group(0)) >= 7:
            spans.append(match.span())
    return [span for span in spans if re.sub(r"\D", "", text[span[0]:span[1]])[-10:] not in public_numbers()]


def _replace(text: str, spans: Iterable[Tuple[int, int]], label: str) -> str:
    """Replace each span by `label`; overlapping spans (two finders, one number) become one."""
    merged: List[List[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        text = text[:start] + label + text[end:]
    return text


def name_patterns(names: Iterable[str]) -> List[re.Pattern]:
    """Patterns for the names given in this conversation, whole and word by word, matched on folded text."""
    words = set()
    for name in names:
        name = fold(name.strip())
        if name:
            words.add(name)
            words.update(part for part in re.split(r"[\s,.'-]+", name) if len(part) >= 2)
    # Longest first, so "sam rivera" goes before "sam".
    return [re.compile(rf"(?<!\w){re.escape(word)}(?!\w)") for word in sorted(words, key=len, reverse=True)]


def redact(text: str, names: List[re.Pattern]) -> str:
    text = EMAIL.sub("[email]", text)
    text = SPELLED_EMAIL.sub("[email]", text)
    text = PROFILE_URL.sub("[handle]", text)
    text = _replace(text, [m.span("handle") for m in PLATFORM_HANDLE.finditer(text)], "[handle]")
    text = AT_HANDLE.sub("[handle]", text)
    for pattern in (STREET, PO_BOX, UNIT, STATE_ZIP):
        text = pattern.sub("[address]", text)
    for pattern in DATES:
        text = pattern.sub("[date]", text)
    text = _replace(text, _spans_of_phones(text), "[phone]")
    for pattern in AGES:
        text = pattern.sub(_age, text)
    for pattern in INTRODUCED:
        text = _replace(text, [m.span("name") for m in pattern.finditer(text) if _is_name(m.group("name"))], "[name]")
    for pattern in names:
        text = _replace(text, [m.span() for m in pattern.finditer(fold(text))], "[name]")
    return text


def _age(match: re.Match) -> str:
    """Keep the words that say what the number is ("I'm", "my daughter"); the number goes."""
    found = match.group(0)
    return re.sub(rf"\d{{1,3}}|{NUMBER_WORD}(?:[\s-]+(?:one|two|three|four|five|six|seven|eight|nine))?", "[age]", found, flags=re.I)


def _is_name(words: str) -> bool:
    first = words.split()[0].lower()
    return first not in NOT_NAMES and not first.startswith("[")
