"""A question only a clinician should answer: a dose, a taper, what to take, whether something
is safe for a body, whether a symptom is normal or a diagnosis.

The classifier places most of these (ask_medical_advice); those it can't place, or takes for
a question about the centre, get the same refusal with a referral instead of "our guide doesn't
cover that", which would suggest the admissions team gives medical advice by phone
(intent_classifier/unplaced_questions.py). Narrow on purpose: "can i bring my meds" and
"do you take my insurance" are questions about the centre.
"""
import re

# Medicines used in treating addiction and withdrawal, as people name them.
MEDICINES = (
    r"(naltrexone|vivitrol|antabuse|disulfiram|campral|acamprosate|suboxone|subutex|buprenorphine|sublocade|"
    r"methadone|gabapentin|librium|chlordiazepoxide|ativan|lorazepam|valium|diazepam|lucemyra|lofexidine|"
    r"clonidine|baclofen|topamax|topiramate)"
)
MEDICAL_QUESTION = re.compile(
    r"\b(taper(ing)?( schedule| plan)?|dos(e|es|age)|milligrams?|\d+ ?mg|"
    # "can you prescribe me something", "a prescription for sleep"; not "can i bring my prescription".
    r"prescribe (me|him|her|them|something|anything)|(a|get|write|need) (me )?(a )?prescription for|"
    r"how much (\w+ )?(should|can|do|would|to) (i|he|she|they|you|we) (take|give|use)|how much (\w+ )?is too much|"
    # "what can he take to sleep"; not "what should i take with me".
    r"what (can|should) (i|he|she|they) take (for|to|instead|when|if)\b|anything (i|he|she|they) can take|"
    r"safe (to|for me to|for (him|her) to) (take|mix|stop|quit|combine|drink|use|detox|go cold turkey|come off|taper)|"
    r"safe (for|with) (the baby|my baby|a baby|his heart|her heart|my heart|my liver|his liver|her liver|my body|"
    r"blood pressure|my meds|his meds|her meds)|dangerous to (mix|stop|quit|combine|take)|"
    r"is (that|this|it) (normal|depression|bipolar|anxiety|withdrawal|an addiction)\b(?!\s+for)|"
    r"sound(s)? (bipolar|depressed|like (an? )?(addict|alcoholic|addiction|depression|bipolar))|"
    r"(will|can|would) (my|his|her|their) (brain|liver|heart|memory) (recover|heal|get better)|"
    r"diagnose (me|him|her|them|my \w+)|(is|does) (this|that|it|he|she) (sound like )?(a )?diagnosis|"
    r"am i an? (addict|alcoholic)|"
    # A medicine named as a question of its own: "what about vivitrol", "thoughts on antabuse?".
    # Not a place that gives it: "what about methadone clinics" asks about the centre.
    rf"^\W*(and |so |ok )?(what|how) about (the |a )?{MEDICINES}\b(?!\s+(clinic|program|center|centre|provider))|"
    rf"\bthoughts on (the )?{MEDICINES})\b",
    re.IGNORECASE,
)


def asks_for_medical_advice(text: str) -> bool:
    return bool(MEDICAL_QUESTION.search(text))
