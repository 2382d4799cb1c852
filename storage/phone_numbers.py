"""Phone numbers as the project reads, stores and shows them: the one home of the format.

A callback request's number is read from what the person typed (`parse` for an
answer that is only a number, `first_in` for a number inside a sentence: valid
numbers, or North American numbers of the right shape) and stored in E.164,
with an extension as ";ext=123" ("+16195550142;ext=12"). Numbers typed without
a country code are read in REGION. Everyone who shows one (the bot's summary,
the staff app) shows it in national format at home and international format
otherwise, and dials it with an RFC 3966 tel: link; everyone who looks one up
(the staff app's search, make erase) compares E.164.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import phonenumbers
import sqlalchemy as sa

REGION = "US"  # where numbers typed without a country code are read
MAX_TYPED_CHARS = 40
# Digits, separators, a leading +, and an extension word: nothing else. The
# library would read "1-800-FLOWERS" or "📞 555..." happily; a person typing
# letters or emoji most likely made a mistake, so they are asked again.
TYPED_NUMBER = re.compile(r"^\+?[\d\s().\-/]+(\s*(ext\.?|extension|x)\s*\d{1,6})?$", re.IGNORECASE)
# A number of the North American plan by its shape: an area code and an exchange
# that start with 2-9 and are not N11 (911, 411). phonenumbers' list of area codes
# is only as new as the pinned release, and new ones open every year; so a
# well-shaped number is taken even when the list doesn't know its area code (the
# person confirms it in the summary). "055 ...", "911 ...", "619 055 ..." are not.
NANP_SHAPE = re.compile(r"^(?!\d11)[2-9]\d{2}(?!\d11)[2-9]\d{6}$")


@dataclass(frozen=True)
class PhoneNumber:
    e164: str
    extension: Optional[str]

    @property
    def stored(self) -> str:
        return f"{self.e164};ext={self.extension}" if self.extension else self.e164

    @property
    def display(self) -> str:
        return shown(self.stored)


@dataclass(frozen=True)
class Mention:
    """A phone number inside a message, with the words before and after it."""
    number: PhoneNumber
    before: str
    after: str


def parse(text: str) -> Optional[PhoneNumber]:
    """A phone number from an answer that is only a number ("(619) 555-0123 x7"), or None."""
    text = (text or "").strip()
    if not text or len(text) > MAX_TYPED_CHARS or not TYPED_NUMBER.match(text):
        return None
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not (phonenumbers.is_valid_number(number) or _well_shaped_in_north_america(number)):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return PhoneNumber(e164=e164, extension=number.extension or None)


def first_in(text: str) -> Optional[Mention]:
    """The first phone number in a message ("it's Dana 619-555-0134, mornings"), or None."""
    # POSSIBLE, not the matcher's default VALID: `parse` decides what is a number.
    for match in phonenumbers.PhoneNumberMatcher(text or "", REGION, leniency=phonenumbers.Leniency.POSSIBLE):
        number = parse(match.raw_string)
        if number:
            return Mention(number, before=text[: match.start], after=text[match.end:])
    return None


def _well_shaped_in_north_america(number: phonenumbers.PhoneNumber) -> bool:
    return number.country_code == 1 and bool(NANP_SHAPE.match(str(number.national_number)))


def shown(stored: str) -> str:
    """"+16195550142;ext=12" as people read it: "(619) 555-0142 ext. 12" (or "+44 20 7183 8750")."""
    number_part, _, extension = (stored or "").partition(";ext=")
    try:
        number = phonenumbers.parse(number_part, None)
    except phonenumbers.NumberParseException:
        return stored
    region = phonenumbers.region_code_for_number(number)
    # An area code the library doesn't know yet (NANP_SHAPE takes them) is at home too.
    at_home = region == REGION or (region is None and number.country_code == phonenumbers.country_code_for_region(REGION))
    text = phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.NATIONAL if at_home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return f"{text} ext. {extension}" if extension else text


def tel_uri(stored: str) -> str:
    """The link that dials a stored number: "tel:+16195550142;ext=12" (RFC 3966)."""
    return "tel:" + re.sub(r"\s", "", stored or "")


def e164_for_lookup(text: str) -> Optional[str]:
    """A number typed in any format by staff looking something up (619.555.0142,
    +1 619-555-0142) as E.164, or None. Lenient (a possible number, not only a valid
    one): staff type what they see, and a lookup stores nothing."""
    if len(re.sub(r"\D", "", text or "")) < 7:
        return None
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def stored_as(column, e164: str):
    """A SQL condition: `column` holds this number, with or without an extension."""
    return sa.or_(column == e164, column.like(e164 + ";ext=%"))
