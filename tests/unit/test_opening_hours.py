"""When the admissions team is in (knowledge/opening_hours.py), and what someone asking for a
person is told at a given moment (actions/person.py)."""
from datetime import datetime, timezone

import pytest

import knowledge
from actions.person import reply_for_a_person
from knowledge.opening_hours import OpeningHours

WEEK = {"monday": "08:00-18:00", "tuesday": "08:00-12:00, 13:00-17:30", "wednesday": "08:00-18:00",
        "thursday": "08:00-18:00", "friday": "08:00-16:00", "saturday": "closed"}
HOURS = OpeningHours.from_config("America/Los_Angeles", WEEK, ["2026-12-25"])


def at(text: str) -> datetime:
    """A moment given in the clinic's own clock (Los Angeles, UTC-8 in winter)."""
    return datetime.fromisoformat(text + "-08:00").astimezone(timezone.utc)


@pytest.mark.parametrize("moment, is_open, back", [
    ("2026-11-30T09:00", True, "on Tuesday at 8 am"),  # Monday morning
    ("2026-11-30T07:59", False, "today at 8 am"),
    ("2026-11-30T18:00", False, "tomorrow at 8 am"),  # closing time is closed
    ("2026-12-01T12:30", False, "today at 1 pm"),  # Tuesday's lunch break
    ("2026-11-28T12:00", False, "on Monday at 8 am"),  # Saturday: closed all day
    ("2026-12-24T18:30", False, "on Monday at 8 am"),  # Christmas Eve: Friday is the holiday
])
def test_open_now_and_back_when(moment, is_open, back):
    assert HOURS.is_open(at(moment)) is is_open
    if not is_open:
        assert HOURS.back_when(at(moment)) == back


def test_a_holiday_is_closed_and_skipped():
    christmas_morning = at("2026-12-25T10:00")  # a Friday
    assert not HOURS.is_open(christmas_morning)
    assert HOURS.back_when(christmas_morning) == "on Monday at 8 am"


def test_the_week_reads_as_a_sentence():
    assert HOURS.describe() == (
        "Monday 8 am to 6 pm, Tuesday 8 am to noon and 1 pm to 5:30 pm, Wednesday to Thursday 8 am to 6 pm, "
        "and Friday 8 am to 4 pm"
    )
    every_day = OpeningHours.from_config("UTC", {day: "00:00-24:00" for day in ("monday", "tuesday", "wednesday")})
    assert every_day.describe() == "Monday to Wednesday all day"


@pytest.mark.parametrize("config, problem", [
    ({"mondays": "08:00-18:00"}, "'mondays' is not a weekday"),
    ({"monday": "8am-6pm"}, "is not like 08:00-18:00"),
    ({"monday": "18:00-08:00"}, "ends before it starts"),
    ({"monday": "08:00-25:00"}, "is not a time of day"),
])
def test_a_wrong_clinic_file_says_what_is_wrong(config, problem):
    with pytest.raises(ValueError, match=problem):
        OpeningHours.from_config("UTC", config)


def test_no_hours_known_means_nothing_is_claimed():
    nothing = OpeningHours.from_config("America/Los_Angeles", {})
    assert not nothing.known and nothing.describe() == ""
    assert reply_for_a_person(at("2026-11-30T03:00"), nothing) == {"response": "utter_human"}


def test_asking_for_a_person_during_and_outside_the_hours():
    assert reply_for_a_person(at("2026-11-30T09:00"), HOURS) == {"response": "utter_human_team_in"}
    after = reply_for_a_person(at("2026-11-30T19:00"), HOURS)
    assert after == {"response": "utter_human_after_hours", "team_back": "tomorrow at 8 am"}
    closed_for_weeks = OpeningHours.from_config("UTC", {"monday": "08:00-09:00"},
                                                [f"2026-12-{day:02d}" for day in (7, 14, 21, 28)] + ["2027-01-04"])
    away = reply_for_a_person(datetime(2026, 12, 1, tzinfo=timezone.utc), closed_for_weeks)
    assert away["response"] == "utter_human_team_away"


def test_make_run_refuses_a_clinic_file_it_cannot_read(tmp_path, monkeypatch, capsys):
    """A typo in the hours stops make run at once, with what is wrong: it must not first surface
    inside a conversation (the crisis reply reads the clinic file too)."""
    from scripts import serve

    clinic = tmp_path / "clinic.yml"
    clinic.write_text('name: X\nphone: "1"\nphone_e164: "+15550100199"\nopening_hours:\n  monday: "8am-6pm"\n')
    monkeypatch.setenv("IOP_CLINIC_FILE", str(clinic))
    knowledge.clinic.cache_clear()  # read once per process: this one may have read the default already
    try:
        assert serve.main(["--model", "unused.tar.gz"]) == 2
    finally:
        monkeypatch.delenv("IOP_CLINIC_FILE")
        knowledge.clinic.cache_clear()
    assert "opening_hours: monday: '8am-6pm' is not like 08:00-18:00" in capsys.readouterr().err
