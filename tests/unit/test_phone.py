"""Phone numbers as people type them, and as the project stores, shows and looks them up (storage/phone_numbers.py)."""
import pytest

from storage import phone_numbers


@pytest.mark.parametrize(
    "typed, stored, shown",
    [
        ("(619) 555-0123", "+16195550123", "(619) 555-0123"),
        ("619.555.0123", "+16195550123", "(619) 555-0123"),
        ("6195550123", "+16195550123", "(619) 555-0123"),
        ("+1 619 555 0123", "+16195550123", "(619) 555-0123"),
        ("855 508 0437 ext. 12", "+18555080437;ext=12", "(855) 508-0437 ext. 12"),
        ("+1 855-508-0437 x7", "+18555080437;ext=7", "(855) 508-0437 ext. 7"),
        ("+44 20 7946 0958", "+442079460958", "+44 20 7946 0958"),
        ("+33 1 42 68 53 00", "+33142685300", "+33 1 42 68 53 00"),
        # An area code phonenumbers' list doesn't know (yet), in the North American shape.
        ("555 442 9010", "+15554429010", "(555) 442-9010"),
    ],
)
def test_valid_numbers_are_normalised(typed, stored, shown):
    number = phone_numbers.parse(typed)
    assert number.stored == stored
    assert number.display == shown


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "call me maybe",
        "1-800-FLOWERS",
        "619 555 O123",
        "📞 619 555 0123",
        "619 555 0123 🙂",
        "12345",
        "555",
        "619 555 0123 4567 8901 2345",
        "1" * 60,
        "<b>6195550123</b>",
        # Not a North American number's shape: an area code or exchange starting with 0 or 1, or N11.
        "055 442 9010",
        "619 055 0123",
        "911 555 0123",
    ],
)
def test_bad_numbers_are_refused(typed):
    assert phone_numbers.parse(typed) is None


@pytest.mark.parametrize("typed", ["619.555.0142", "+1 619-555-0142", "(619) 555 0142", "6195550142", "1-619-555-0142"])
def test_staff_find_a_number_however_they_type_it(typed):
    assert phone_numbers.e164_for_lookup(typed) == "+16195550142"


@pytest.mark.parametrize("typed", ["Jordan", "CB-7KQ4MZ", "555", "12345", "what is iop"])
def test_words_and_short_numbers_are_not_looked_up_as_phone_numbers(typed):
    assert phone_numbers.e164_for_lookup(typed) is None


@pytest.mark.parametrize("stored, seen, link", [
    ("+16195550142", "(619) 555-0142", "tel:+16195550142"),
    ("+18555080437;ext=12", "(855) 508-0437 ext. 12", "tel:+18555080437;ext=12"),
    ("+442079460958", "+44 20 7946 0958", "tel:+442079460958"),
])
def test_stored_numbers_are_shown_at_home_in_national_format_and_dialled_by_link(stored, seen, link):
    assert phone_numbers.shown(stored) == seen
    assert phone_numbers.tel_uri(stored) == link
