"""Someone saying they are calling for help now: "ok calling 911", "someone called 911",
"I'll call the 988 number", "calling now".

Right after the crisis reply this is the best news the conversation can bring,
and the classifier reads it as a request to be called ("calling" is near "call
me"), which started the callback questions ("What name should they ask for?").
intent_classifier/emergency_calls.py gives such a message its own intent; the
action that answers it (actions/crisis.py `ActionAcknowledgeCall`) reads the
conversation: after a crisis, an acknowledgement with the lines; with no crisis
before, a call to emergency services is one, and gets the crisis reply.

The whole message must be the call and nothing else. "called 988 already, they
can't help me", "calling 911 means he goes to jail", "i called 988 last night and
they told me to look into iop", "we'll call 911 if he gets worse" say more than
that: the classifier and the crisis net read them as they read any message.
"""
import re

from answer_words.questions import asks_something

# The intent such a message gets (intent_classifier/emergency_calls.py); the rules,
# the crisis actions, the channels and staff read it.
CALLING_INTENT = "calling_for_help"

# Emergency services and crisis lines, as people name them.
EMERGENCY_SERVICES = (
    r"(?:the )?(?:911|988|999|112)(?: number| line)?|an? ambulance|the ambulance|ems|paramedics|"
    r"the (?:crisis|suicide|suicide prevention) (?:line|hotline|lifeline|number)|the lifeline|poison control"
)
# Any word of calling, in English or Spanish. After the crisis check-in, a "no" that
# says this is about calling, not about being safe: "not gonna call any hotline",
# "no llamo a nadie" (actions/crisis.py).
MENTIONS_CALLING = re.compile(r"\b(call\w*|ring|phone|text|hotline|988|911|llam\w*)\b", re.IGNORECASE)
_LEAD_IN = r"(?:(?:ok(?:ay)?|k|alright|yes|yeah|ya|fine|omg|oh god|oh my god)[\s,.!]+)?"
# Who is calling: "i'm", "someone", "my mom", "he's"; or nobody said ("calling now").
_CALLER = (
    r"(?:(?:i'?m|im|i am|i|we'?re|we|someone'?s|someone|somebody|he'?s|he|she'?s|she|they'?re|they|"
    r"(?:my|our) [a-z]+(?: is|'s)?|mom|dad|mum) )?"
)
# A call being made, or about to be: "calling", "i'll text", "gonna call". Not "call 911",
# which asks the assistant to call (it can't, and the crisis reply says so).
_MAKING_A_CALL = (
    r"(?:calling|called|dialing|dialling|dialed|dialled|ringing|rang|phoning|phoned|texting|texted|"
    r"(?:i'?ll|ill|i will|i'?m (?:going to|gonna)|gonna|going to|we'?ll|about to) (?:call|dial|ring|phone|text))"
)
_NOW = r"(?: (?:now|right now|rn|asap|now then))?[\s.!]*"
SERVICES_NAMED = re.compile(rf"\b{_MAKING_A_CALL}\s+(?:{EMERGENCY_SERVICES})\b", re.IGNORECASE)
CALLING_FOR_HELP = re.compile(
    rf"{_LEAD_IN}{_CALLER}{_MAKING_A_CALL}(?:\s+(?:{EMERGENCY_SERVICES}|them))?{_NOW}", re.IGNORECASE
)


def _plain(text: str) -> str:
    return " ".join(text.replace("’", "'").split())


def names_emergency_services(text: str) -> bool:
    return bool(SERVICES_NAMED.search(_plain(text)))


def calling_for_help(text: str) -> bool:
    """Whether the message says a call for help is being made (or was, just now), and nothing else."""
    text = _plain(text)
    return bool(CALLING_FOR_HELP.fullmatch(text)) and not asks_something(text)  # "am i calling 911?"
