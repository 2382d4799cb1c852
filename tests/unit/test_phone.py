"""Phone numbers as people type them (actions/callback.py)."""
import pytest

from actions.callback import parse_phone


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
    ],
)
def test_valid_numbers_are_normalised(typed, stored, shown):
    number = parse_phone(typed)
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
    ],
)
def test_bad_numbers_are_refused(typed):
    assert parse_phone(typed) is None
