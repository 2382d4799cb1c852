"""Callback requests: checking what the person typed before anything is stored.

The form that asks for these (name, phone, best time, consent) comes next;
storage is in storage/callbacks.py. Phone numbers are parsed by the
phonenumbers library (default region US; international numbers and
extensions accepted) and stored in E.164, with the extension as ";ext=".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import phonenumbers

DEFAULT_REGION = "US"
MAX_PHONE_CHARS = 40
# Digits, separators, a leading +, and an extension word: nothing else. The
# library would read "1-800-FLOWERS" or "📞 555..." happily; a person typing
# letters or emoji most likely made a mistake, so they are asked again.
PHONE_CHARACTERS = re.compile(r"^\+?[\d\s().\-/]+(\s*(ext\.?|extension|x)\s*\d{1,6})?$", re.IGNORECASE)


@dataclass(frozen=True)
class PhoneNumber:
    e164: str
    extension: Optional[str]

    @property
    def stored(self) -> str:
        return f"{self.e164};ext={self.extension}" if self.extension else self.e164

    @property
    def display(self) -> str:
        number = phonenumbers.parse(self.e164)
        region_format = (
            phonenumbers.PhoneNumberFormat.NATIONAL
            if phonenumbers.region_code_for_number(number) == DEFAULT_REGION
            else phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        shown = phonenumbers.format_number(number, region_format)
        return f"{shown} ext. {self.extension}" if self.extension else shown


def parse_phone(text: str) -> Optional[PhoneNumber]:
    """A valid phone number from what the person typed, or None."""
    text = (text or "").strip()
    if not text or len(text) > MAX_PHONE_CHARS or not PHONE_CHARACTERS.match(text):
        return None
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return PhoneNumber(e164=e164, extension=number.extension or None)
