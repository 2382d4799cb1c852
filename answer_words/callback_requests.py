"""A question about calls that asks for no call.

The classifier reads any question with "call" in it as a request to be called
back, which starts the callback questions ("What name should they ask for?").
Some are questions about calls: "how soon will they call?", "who sees my
callback info", "can i call without giving my name", "is that a free call".
Those are questions about the centre the guide doesn't answer, and get the
honest answer (intent_classifier/unplaced_questions.py); "can i just call you
instead?" asks for the number. Only questions that plainly ask about calls are
read so, and never one that also asks for a call ("how soon can someone call
me?") or gives a number: anything else stays a request to be called.
"""
import re

from storage import phone_numbers

# The kinds of question about calls: when they come, who sees the request, what a call costs
# or keeps private, calling without giving one's name, the person calling themselves.
ABOUT_CALLS = re.compile(
    r"\b(?:how soon|how long|when|what time)\b.{0,20}\b(?:will|would|do|does|did)\s+"
    r"(?:they|someone|somebody|you|u|the team|admissions|anyone)\s+(?:\w+\s+)?(?:call|ring|phone|get back)|"
    r"\bwho\s+(?:sees|can see|will see|reads|gets|has)\b|"
    r"\bfree call\b|\b(?:is|are)\s+(?:that|it|the call|calls)\s+(?:free|confidential|private|recorded)\b|"
    r"\bwithout\s+(?:giving|leaving|saying)\s+(?:my|a|our|your)\s+(?:name|number)\b|"
    r"\b(?:can|could|should|do|may)\s+(?:i|we)\s+(?:\w+\s+){0,2}?(?:call|ring|phone)\b",
    re.IGNORECASE,
)
# What asks for a call all the same: "how soon can someone call me", "could I get a call back".
ASKS_TO_BE_CALLED = re.compile(
    r"\b(?:call|ring|phone|buzz|contact|reach|text)\s+(?:me|us)\b|"
    r"\b(?:get|have|want|need|request|schedule|arrange|book)\s+(?:a\s+|an\s+)?"
    r"(?:call|callback|call back|call-back|phone call)\b|"
    r"\b(?:someone|somebody|anyone|anybody|you|u|your team|your staff|staff|the team|a counsell?or)\s+"
    r"(?:to\s+)?(?:\w+\s+){0,2}?(?:call|ring|phone|contact|reach out)\s+(?:me|us|my|him|her|them)\b",
    re.IGNORECASE,
)
# The person calling the centre: "can i just call you instead?", "can we phone the clinic".
CALLING_THE_CENTRE = re.compile(
    r"\b(?:i|we)\b(?:\s+\w+){0,3}?\s+(?:call|ring|phone|text)\s+(?:you|u|y'?all|the (?:centre|center|clinic|office))\b",
    re.IGNORECASE,
)

# The words that call a call off on their own: "please don't call me", "not now", "never mind".
# Read both in a first message (REFUSES_A_CALL below) and as the answer to a callback question
# (CALLED_OFF in actions/callback.py), which adds its own ("maybe later", "I changed my mind").
CALL_OFF_WORDS = "|".join((
    r"(?:please\s+)?(?:do not|don'?t|dont)\s+call(?:\s+me)?",
    r"not (?:now|yet|today|right now|at the moment)",
    r"never ?mind",
    r"forget it",
))
# A call refused, which the classifier may take for a request because it names one: "i dont
# want to call anyone", "please don't call me", "no calls", "never mind". The whole message says
# so: "i don't want to call, can someone text me" still asks for something.
REFUSES_A_CALL = re.compile(
    r"^\W*(?:(?:no|nah|nope|ok|okay|sorry|please|pls|and)[\s,.!]+)*"
    r"(?:(?:i|we|i'?m|im|we'?re)\s+(?:really\s+)?(?:do not|don'?t|dont|won'?t|wont|(?:am |are )?not (?:going to|gonna))"
    r"\s+(?:want\s+(?:to\s+)?)?(?:call|ring|phone|talk to|a call|a callback|"
    r"anyone to call|you to call|someone to call)|"
    + CALL_OFF_WORDS + r"|no\s+(?:calls?|callbacks?|phone calls?))"
    r"(?:\s+(?:anyone|anybody|any\s*one|you|u|them|me|a hotline|any hotline|right now|now|yet|please|"
    r"thanks|today))*[\s.!]*$",
    re.IGNORECASE,
)


def refuses_a_call(text: str) -> bool:
    return bool(REFUSES_A_CALL.match(_plain(text)))


def _plain(text: str) -> str:
    return text.replace("’", "'")


def asks_about_calls(text: str) -> bool:
    """A question about calls that doesn't ask for one."""
    text = _plain(text)
    # A phone number in the message is given to be called on.
    return bool(ABOUT_CALLS.search(text)) and not ASKS_TO_BE_CALLED.search(text) and not phone_numbers.first_in(text)


def calling_the_centre(text: str) -> bool:
    return bool(CALLING_THE_CENTRE.search(_plain(text)))
