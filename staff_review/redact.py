"""Redaction for exports: names, phone numbers and emails out of message text.

What it catches: email addresses; any run of 7 or more digits, with the
usual separators (spaces, dots, dashes, brackets, a leading +), which covers
phone numbers in any format the callback form accepts; the names the person
gave in this conversation (the callback_name slot and the stored callback
request), whole and word by word; and the whole answer to the form's name,
phone and note questions, which are personal by construction. What it can't:
a name never given as one ("this is Maria's account") or digits spelled out.
A redacted export is for sharing beyond the care team, after a read-through.
"""
from __future__ import annotations

import re
from typing import Iterable, List

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"\+?\(?\d[\d\s().\-]{5,}\d")
PERSONAL_ANSWERS = {"callback_name": "[name]", "callback_phone": "[phone]", "callback_note": "[note]"}


def _phone(match: re.Match) -> str:
    return "[phone]" if sum(ch.isdigit() for ch in match.group(0)) >= 7 else match.group(0)


def name_patterns(names: Iterable[str]) -> List[re.Pattern]:
    words = set()
    for name in names:
        name = name.strip()
        if name:
            words.add(name)
            words.update(part for part in re.split(r"[\s,.'-]+", name) if len(part) >= 2)
    # Longest first, so "Sam Rivera" goes before "Sam".
    return [re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE) for word in sorted(words, key=len, reverse=True)]


def redact(text: str, names: List[re.Pattern]) -> str:
    text = EMAIL.sub("[email]", text)
    text = PHONE.sub(_phone, text)
    for pattern in names:
        text = pattern.sub("[name]", text)
    return text
