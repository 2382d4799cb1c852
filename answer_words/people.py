"""Who a message is about: the person writing, or someone they care about.

Triage doesn't ask "is the help for you or someone you care about?" when the
person already said it ("my son drinks every day, which program is right for
him?", actions/triage.py `who_was_mentioned`), and reads the answer to it.
Only the action server reads these today; they are here, beside the other
words the forms read, so that an NLU component could too.
"""
from __future__ import annotations

import re

# The people a visitor may ask for help for, in one list for both patterns below.
RELATIONS = (
    r"son|daughter|child|kids?|teen|teenager|wife|husband|partner|boyfriend|girlfriend|fianc[eé]e?|friend|"
    r"mom|mother|dad|father|brother|sister|cousin|uncle|aunt|parent|grandson|granddaughter|grandchild|nephew|"
    r"niece|roommate|loved one|spouse|stepson|stepdaughter|stepmom|stepdad|grandma|grandpa|grandmother|"
    r"grandfather|in-law|coworker|co-worker|colleague|employee|buddy|best friend|bestie|neighbou?r|client|student|"
    # As people type them on a phone.
    r"gf|bf|mum|hubby|grandkids?|"
    # In Spanish, said inside an English message ("my tía is drinking", "mi esposo bebe mucho").
    r"t[ií]a|t[ií]o|mam[aá]|pap[aá]|hij[oa]|espos[oa]|marido|herman[oa]|abuel[oa]"
)
# Said only with "my" ("my homie", "me old man's been on the piss"): alone, "bro" and
# "mate" are said to the reader ("it's for me, bro").
SAID_WITH_MY = r"homie|homeboy|bro|old man|old lady|missus|mam|ma|pops|mate|wifey"
# What people say they use, as they say it: "i do coke on weekends", "my adderall use".
SUBSTANCES = (
    r"coke|cocaine|meth|drugs?|pills?|crack|dope|heroin|fent|fentanyl|molly|ketamine|xanax|xans|bars|percs|oxys?|"
    r"opioids?|blow|weed|pot|alcohol|adderall|benzos?|kratom|painkillers?|opiates?"
)
# An answer to "for you or someone you care about?".
SOMEONE_ELSE = re.compile(rf"\b(someone|somebody|family|they|he|she|him|her|{RELATIONS})\b", re.IGNORECASE)
MYSELF = re.compile(r"\b(me|myself|i|mine|for me)\b", re.IGNORECASE)
# Said before the question: "my son ...", "our daughter", "my 20 year old daughter",
# "for my 16 year old", "for him", "she drinks every day", "sis is using again",
# "I have a 19 y/o client".
LOVED_ONE = re.compile(
    # "my husbands drinking", "my dads addiction": a possessive typed without the apostrophe.
    rf"\b(my|our|mi|mis)\s+(?:[\w'/-]+\s+){{0,4}}?({RELATIONS})(?:'?s)?\b|\b(my|our)\s+\d+\s*(year old|yr old|yo|y/o)\b|"
    rf"\b(my|our)\s+(?:[\w'/-]+\s+)?({SAID_WITH_MY})(?:'?s)?\b|\bme (old man|old lady|missus|mam)\b|"
    # "help for brother, he drink too much": typed without "my" by someone writing in a second language.
    rf"\b(help|program|treatment) for ({RELATIONS})\b|"
    r"\bi have an?\s+(?:[\w'/-]+\s+){0,4}?(client|patient|student)\b|"
    # "an employee came to me", "help for someone I care about", "I am the grandmother of Marco";
    # not "i'm an employee at a hospital", "someone i love told me i should get help".
    r"(?<!i'm )(?<!i am )(?<!im )\ban? (employee|coworker|co-worker|client|patient|family member|loved one)\b|"
    r"\b(for|help|about) (someone|somebody|a person) (i|we) (care about|love)\b|"
    rf"\b(i am|i'm|im) (his|her|their) ({RELATIONS})\b|\b(i am|i'm|im) the ({RELATIONS}) of\b|"
    r"\bfor (him|her|them)\b|\b(he|she)('s| is| has| drinks| uses| won'?t| can'?t| keeps| needs)\b|"
    rf"\b({RELATIONS}|sis)( is| has| drinks| uses| won'?t| can'?t| keeps| needs)\b",
    re.IGNORECASE,
)
# Said in so many words, it settles it, whoever else the message names: "i want help for me,
# my tia told me about you". ABOUT_MYSELF holds it too, with looser ways of saying it.
SAID_OUTRIGHT = r"for myself|(help|program|treatment|it'?s|it is) (for|4) me\b|it'?s me\b"
EXPLICITLY_MYSELF = re.compile(rf"\b({SAID_OUTRIGHT})", re.IGNORECASE)
ABOUT_MYSELF = re.compile(
    # Not a bare "I need help": people write that for a loved one too.
    r"\b(i need (help )?(to (stop|quit)|(to )?get(ting|tin)? (clean|sober|off)|help (with|for) (my|me)|rehab|detox|"
    r"treatment)|i think i|i want to (stop|quit|get|sign up|enroll|join|start)|"
    # "i need help with pills", "i need help quitting meth", "I need to do something about it";
    # not "need help getting him into rehab".
    r"(i |^)need help (with|quitting|stopping|kicking|getting|gettin)\b(?!\s+(him|her|them|my|our|this person))|"
    r"i need to (do something|cut (back|down))|"
    # Said without "i": "need to cut back on weed", "relapsed after 8 months", "been drinking all day".
    r"^(need to (cut|stop|quit|get)|relapsed|been (drinking|using|smoking))\b|"
    r"i need to go (somewhere|to rehab|to detox|away)|i wanna (stop|quit|get|sign up|start)|"
    r"i('m| am) (an? )?(addict|alcoholic|struggling|using|drinking)|"
    r"i (drink|use|take|smoke|vape|snort|relapsed|can'?t stop|quit|stopped)|i('ve| have) been (drinking|using)|"
    rf"i do ({SUBSTANCES})\b|"
    rf"{SAID_OUTRIGHT}|(for|4) me\b|it'?s for me\b|my options\b|"
    r"someone like me|(fits?|suits?|would help) me\b|(level of care|program|treatment|help|one) (do |would )?i need\b|"
    # "i need to get into some kind of program", "help me pick a program", "help me decide".
    r"i need to get (into|in)\b|help me (pick|choose|decide|figure out)\b|"
    # "my drinking", "my adderall use", "my pill habit".
    rf"get me (into|in)|my (own |(?:{SUBSTANCES}) )?(drinking|use|using|addiction|habit)|"
    # "which program should I do", "what am I supposed to do", "fits my situation"
    r"(should|could|would|do|can) i (even |really |just )?(do|start|go|choose|pick|get|need|try|look at|consider|"
    r"attend|join|sign up)|program i should|am i supposed|my (situation|case)|"
    r"i('d| would) like (help|a recommendation)|i wa?n[ta]+ to (get )?(sober|clean|better|help))",
    re.IGNORECASE,
)

