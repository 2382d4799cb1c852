"""An answer that hedges: "not sure", "idk", "maybe", "it depends", a shrug.

Triage notes such an answer as "not sure" (actions/triage.py); after the crisis
check-in question, it is no "no" and gets the crisis reply (actions/crisis.py).
"""
import re

UNSURE = re.compile(
    r"\b(not sure|unsure|don'?t know|dunno|idk|maybe|no idea|not certain|probably|possibly|kinda|"
    r"(?<!what )kind of|(?<!what )sort of|"
    r"hard to say|(it )?depends?( on)?|could be|i guess|"
    # Spanish, for the answer to a check-in asked in Spanish.
    r"no s[eé]|tal vez|quiz[aá]s|a veces)\b|🤷|🤔|😐|¯\\_\(ツ\)_/¯",
    re.IGNORECASE,
)
