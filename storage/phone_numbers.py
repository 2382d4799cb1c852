"""Phone numbers as the project stores and shows them: the one home of the format.

A callback request's number is stored in E.164, with an extension as
";ext=123" ("+16195550142;ext=12"), after the assistant has read it from what
the person typed (actions/callback.py: valid numbers, or North American numbers
of the right shape). Numbers typed without a country code are read in REGION.
Everyone who shows one (the bot's summary, the staff app) shows it in national
format at home and international format otherwise, and dials it with an RFC 3966
tel: link; everyone who looks one up (the staff app's search, make erase) compares E.164.
"""
from __future__ import annotations

import re
from typing import Optional

import phonenumbers
import sqlalchemy as sa

REGION = "US"  # where numbers typed without a country code are read


def shown(stored: str) -> str:
    """"+16195550142;ext=12" as people read it: "(619) 555-0142 ext. 12" (or "+44 20 7183 8750")."""
    number_part, _, extension = (stored or "").partition(";ext=")
    try:
        number = phonenumbers.parse(number_part, None)
    except phonenumbers.NumberParseException:
        return stored
    region = phonenumbers.region_code_for_number(number)
    # An area code the library doesn't know yet (actions/callback.py takes them) is at home too.
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
