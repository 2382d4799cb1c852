"""Depressants mixed right now: an overdose the lexicon's phrases can't see.

The lexicon (lexicon.yml) matches words in sequence: "mixed xanax and vodka",
"took 10 klonopin". People say the same thing with the two substances apart
and the time elsewhere: "just took my klonopin and im on my 8th beer",
"drinking on top of my methadone dose tonight", "is it ok to take ambien after a
bottle of wine? already took it actually". A sedative or an opioid with alcohol,
or two of them, slow breathing together: taken now, that is a present danger.

All three must be in the message: a depressant, alcohol or a second depressant,
and a sign that it has happened now ("just took", "already took", "an hour ago",
"on my 8th beer", "drinking ... tonight"). A question in general ("can you drink on
methadone?") or about later ("can I have wine tonight with my xanax?") has no such
sign: it gets the medical-advice answer, as before. Measured on the studied sets
(red teams 1-12, look-alikes 1-12, conversations A-L): six red-team crises more,
no look-alike or ordinary turn.
"""
from __future__ import annotations

import re
from typing import Optional

# Names with an everyday sense are left out: "bars" (pubs), "subs" (sandwiches), "lean" (meat).
DEPRESSANT = re.compile(
    r"\b(xanax|xans?|klonopins?|klonnies|valium|ativan|benzos?|diazepam|alprazolam|clonazepam|lorazepam|"
    r"oxys?|oxycodone|oxycontin|percs?|percocets?|hydrocodone|vicodin|norco|methadone|fent|fentanyl|heroin|"
    r"morphine|tramadol|codeine|ambien|zolpidem|sleeping pills?|sleep meds|seroquel|gabapentin|gabbies|"
    r"lyrica|suboxone)\b",
    re.IGNORECASE,
)
ALCOHOL = re.compile(
    r"\b(beers?|wine|vodka|whiske?y|tequila|rum|liquor|booze|alcohol|fifth|drunk|"
    r"(drinks|drinking|drank)(?! (some |a |my )?(water|coffee|tea|juice|soda|milk|gatorade)))\b",
    re.IGNORECASE,
)
ORDINAL = r"(\d+(st|nd|rd|th)?|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)"
# Each alternative bounded ({0,60} within a sentence), so a long message costs linear time.
NOW = re.compile(
    r"\b(just|already) (took|taken|take|did|done|had|popped|swallowed|snorted|used|drank)\b|"
    r"\b(took|had|did|drank|popped|swallowed|used|mixed)\b[^.?!]{0,60}\b(tonight|an hour ago|"
    r"(\d+|a few|few|couple( of)?) (mins?|minutes|hours?) ago)\b|"
    rf"\bon (my|his|her) {ORDINAL} (beer|drink|shot|glass)\b|"
    r"\b(drinking|mixing|using|taking)\b[^.?!]{0,60}\b(tonight|right now|rn)\b|"
    r"\b(i'?m|i am|he'?s|she'?s) (drunk|wasted|hammered)\b",
    re.IGNORECASE,
)
# What staff see as the matched phrase (crisis_safety_net.phrases).
PHRASE = "a depressant with alcohol or another, taken now (crisis_detection/mixing.py)"


def mixed_now(text: str) -> Optional[str]:
    """The words that say it happened now, when `text` tells of depressants mixed now; else None."""
    substances = {found.group(0).lower() for found in DEPRESSANT.finditer(text)}
    if not substances or (len(substances) < 2 and not ALCOHOL.search(text)):
        return None
    now = NOW.search(text)
    return now.group(0) if now else None
