"""The triage table (knowledge/triage.yml), one test per row, and its wording."""
from rasa_sdk.executor import CollectingDispatcher

import knowledge
from actions.triage import orientation, utter_orientation
from tests.responses import rendered

ASSESSMENT_NOTE = "Only a clinical assessment can decide the level of care."


def describe(result):
    """What a person reads for this orientation (domain.yml utter_triage_orientation*)."""
    dispatcher = CollectingDispatcher()
    utter_orientation(dispatcher, result)
    return rendered(dispatcher.messages)


def ids(result):
    return [level.id for level in result.levels]


def test_row_withdrawal_points_to_medically_managed_detox_with_the_warning():
    result = orientation({"withdrawal": "yes", "safe_home": "yes", "can_attend": "yes"})
    assert ids(result)[0] == "medically_managed_inpatient"
    assert result.warn_detox_alone
    assert "strongly discouraged" in describe(result)


def test_row_no_safe_home_points_to_residential():
    result = orientation({"withdrawal": "no", "safe_home": "no", "can_attend": "yes"})
    assert ids(result) == ["residential"]
    assert not result.warn_detox_alone


def test_row_home_and_time_points_to_iop_and_partial_hospitalization():
    result = orientation({"withdrawal": "no", "safe_home": "yes", "can_attend": "yes"})
    assert ids(result) == ["intensive_outpatient", "partial_hospitalization"]


def test_row_home_but_no_time_points_to_outpatient():
    result = orientation({"withdrawal": "no", "safe_home": "yes", "can_attend": "no"})
    assert ids(result) == ["outpatient"]


def test_row_mental_health_adds_iop():
    result = orientation({"safe_home": "yes", "can_attend": "no", "mental_health": "yes"})
    assert ids(result) == ["outpatient", "intensive_outpatient"]
    assert any("mental health disorder" in reason for reason in result.reasons)


def test_default_when_nothing_applies_names_no_level():
    result = orientation({"withdrawal": "unsure", "safe_home": "unsure"})
    assert ids(result) == []
    assert "admissions team" in describe(result)


def test_every_orientation_ends_with_the_assessment_note():
    for answers in ({}, {"withdrawal": "yes"}, {"safe_home": "no", "mental_health": "yes"}):
        dispatcher = CollectingDispatcher()
        utter_orientation(dispatcher, orientation(answers))
        assert rendered(dispatcher.messages[:1]).endswith(ASSESSMENT_NOTE)


def test_every_row_is_exercised_by_these_tests():
    rows, _ = knowledge.triage_table()
    assert len(rows) == 5, "a new row in triage.yml needs its own test here"
