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
    r"gf|bf|mum|hubby|grandkids?"
)
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
    rf"\b(my|our)\s+(?:[\w'/-]+\s+){{0,4}}?({RELATIONS})(?:'?s)?\b|\b(my|our)\s+\d+\s*(year old|yr old|yo|y/o)\b|"
    r"\bi have an?\s+(?:[\w'/-]+\s+){0,4}?(client|patient|student)\b|"
    r"\bfor (him|her|them)\b|\b(he|she)('s| is| has| drinks| uses| won'?t| can'?t| keeps| needs)\b|"
    rf"\b({RELATIONS}|sis)( is| has| drinks| uses| won'?t| can'?t| keeps| needs)\b",
    re.IGNORECASE,
)
ABOUT_MYSELF = re.compile(
    # Not a bare "I need help": people write that for a loved one too.
    r"\b(i need (help )?(to (stop|quit)|(to )?get(ting|tin)? (clean|sober|off)|help (with|for) (my|me)|rehab|detox|"
    r"treatment)|i think i|i want to (stop|quit|get|sign up|enroll|join|start)|"
    # "i need help with pills", "i need help quitting meth", "I need to do something about it";
    # not "need help getting him into rehab".
    r"(i |^)need help (with|quitting|stopping|kicking|getting)\b(?!\s+(him|her|them|my|our|this person))|"
    r"i need to (do something|cut (back|down))|"
    r"i('m| am) (an? )?(addict|alcoholic|struggling|using|drinking)|"
    r"i (drink|use|take|smoke|vape|snort|relapsed|can'?t stop)|i('ve| have) been (drinking|using)|"
    rf"i do ({SUBSTANCES})\b|"
    r"for myself|for me\b|it'?s (for )?me\b|"
    r"someone like me|(fits?|suits?) me\b|(level of care|program|treatment|help) (do |would )?i need\b|"
    # "my drinking", "my adderall use", "my pill habit".
    rf"get me (into|in)|my (own |(?:{SUBSTANCES}) )?(drinking|use|using|addiction|habit)|"
    # "which program should I do", "what am I supposed to do", "fits my situation"
    r"(should|could|do|can) i (do|start|go|choose|pick|get|need|try)|am i supposed|my (situation|case)|"
    r"i('d| would) like (help|a recommendation)|i wa?n[ta]+ to (get )?(sober|clean|better|help))",
    re.IGNORECASE,
)

