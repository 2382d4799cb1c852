"""What the staff app reads from domain.yml: the intents (the choices for "this message
meant ..."), and what each form question asks (the label of an answer: "Answer to: ...")."""
from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Dict, List

import yaml

from answer_words.emergency_calls import CALLING_INTENT
from answer_words.questions import UNPLACED_INTENT
from crisis_detection import intents

DOMAIN = Path(__file__).resolve().parent.parent / "domain.yml"
# Intents no example may teach: the fallback, and those set by code from the classifier's
# confidence or the words (the crisis net's, an unplaced question, a call for help), which a
# learned one would bypass.
NOT_TRAINABLE = {"nlu_fallback", UNPLACED_INTENT, CALLING_INTENT, *intents.SET_BY_THE_NET}
# The callback questions are long ("I can pass a callback request ... What name should they ask
# for?"): staff read these words instead. Other form slots are labelled by their question.
SLOT_LABELS = {
    "callback_name": "name",
    "callback_phone": "phone number",
    "callback_best_time": "best time to call",
    "callback_note": "note for the team",
    "callback_consent": "consent to be called",
}
QUESTION = re.compile(r"[^.?!]*\?")


def _document() -> dict:
    path = Path(os.environ.get("STAFF_DOMAIN_FILE") or DOMAIN)
    return yaml.safe_load(path.read_text()) or {}


def intents() -> List[str]:
    document = _document()
    names = [next(iter(i)) if isinstance(i, dict) else str(i) for i in document.get("intents") or []]
    return sorted(name for name in names if name not in NOT_TRAINABLE)


@functools.lru_cache(maxsize=4)
def _slot_labels(path: str) -> Dict[str, str]:
    document = _document()
    responses = document.get("responses") or {}
    labels: Dict[str, str] = {}
    for form in (document.get("forms") or {}).values():
        for slot in (form or {}).get("required_slots") or []:
            variants = responses.get(f"utter_ask_{slot}") or [{}]
            text = " ".join(str(variants[0].get("text") or "").split())
            questions = QUESTION.findall(text)
            # "First: is the help for you, or ...?" -> "Is the help for you, or ...?"
            question = questions[-1].strip().split(": ")[-1] if questions else ""
            labels[slot] = SLOT_LABELS.get(slot) or (question[:1].upper() + question[1:]) or slot.replace("_", " ")
    return labels


def answer_label(slot: str) -> str:
    """What a form slot's question asks, as staff read it: "best time to call", "Is there a safe ...?"."""
    labels = _slot_labels(os.environ.get("STAFF_DOMAIN_FILE") or str(DOMAIN))
    return labels.get(slot) or SLOT_LABELS.get(slot) or slot.replace("_", " ")
