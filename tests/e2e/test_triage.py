"""Triage through the REST webhook: a few questions, an orientation, the callback offer."""
import json
import sqlite3

import pytest

import knowledge
from tests.e2e.turns import PHONE, buttons, check_turn, is_crisis_reply


def answer(assistant, sender, *messages):
    reply = []
    for message in messages:
        reply = assistant.say(sender, message)
        check_turn(reply)
    return reply


def text_of(reply):
    return check_turn(reply)


ALL_YES = ["For me", "/affirm", "/affirm", "/affirm", "/affirm", "/affirm"]
# Asks for help without saying for whom, so the first question is who it's for.
OPENING = "can you help me find the right program?"


def test_asking_for_help_starts_the_questions(assistant, sender):
    reply = answer(assistant, sender, OPENING)
    assert "sign of strength" in text_of(reply)
    # Someone asking for help may be in danger: the lines come first, though it isn't the crisis reply.
    assert knowledge.crisis_sentence() in text_of(reply) and not is_crisis_reply(reply)
    assert "for you, or for someone you care about" in text_of(reply)
    assert [b["title"] for b in buttons(reply)] == ["For me", "For someone I care about"]


@pytest.mark.parametrize("opening", ["I think I need help", "which program is right for my son?"])
def test_who_the_help_is_for_is_not_asked_when_already_said(assistant, sender, opening):
    text = text_of(answer(assistant, sender, opening))
    assert "sign of strength" in text and "withdrawal" in text
    assert "for you, or for someone you care about" not in text


def test_withdrawal_always_brings_the_detox_warning_and_an_assessment_note(assistant, sender):
    reply = answer(assistant, sender, OPENING, *ALL_YES)
    text = text_of(reply)
    assert "may talk with you about medically managed detox" in text
    assert "strongly discouraged" in text
    assert "Only a clinical assessment can decide the level of care." in text
    assert "/request_callback" in [b["payload"] for b in buttons(reply)]


def test_no_safe_home_points_to_residential(assistant, sender):
    text = text_of(answer(assistant, sender, OPENING, "For someone I care about", "no", "no", "no", "no", "no"))
    assert "residential treatment" in text and "detox" not in text.lower()


def test_free_text_and_not_sure_are_understood(assistant, sender):
    answer(assistant, sender, "my wife needs help with her drinking")
    # "my wife" already said who the help is for: the questions start at withdrawal.
    text = text_of(answer(assistant, sender, "not sure", "yes we have a good home", "yes", "I don't know", "no"))
    assert "From what you shared" in text or "Thank you for sharing" in text


def test_answers_said_along_the_way_are_not_asked_again(assistant, sender):
    answer(assistant, sender, "my husband needs help with his drinking")
    reply = answer(assistant, sender, "he drinks every day and gets the shakes, home is safe, and he could do evenings")
    assert [m["response"] for m in reply][-1] == "utter_ask_triage_mental_health"
    reply = answer(assistant, sender, "no. he did rehab in 2019 though")
    assert "From what you shared" in text_of(reply) or "Thank you for sharing" in text_of(reply)
    assert "IOP or partial hospitalization" in text_of(reply), "a safe home and evenings free"


def test_unrelated_text_to_a_button_question_is_asked_again(assistant, sender):
    answer(assistant, sender, OPENING, "For me")
    text = text_of(answer(assistant, sender, "purple elephants"))
    assert "yes, no or not sure" in text and "withdrawal" in text


def test_stop_midway(assistant, sender):
    answer(assistant, sender, OPENING, "For me", "no")
    assert PHONE in text_of(answer(assistant, sender, "stop"))
    assert "five days a week" in text_of(answer(assistant, sender, "what is an intensive outpatient program?"))


def test_asking_to_be_called_mid_triage_goes_straight_to_the_callback_request(assistant, sender):
    answer(assistant, sender, OPENING, "For me")
    text = text_of(answer(assistant, sender, "/request_callback"))
    assert "What name" in text and "withdrawal" not in text


def test_a_question_mid_triage_is_answered_and_the_questions_go_on(assistant, sender):
    answer(assistant, sender, OPENING, "For me")
    text = text_of(answer(assistant, sender, "what coping skills does IOP teach?"))
    assert "journaling" in text and "withdrawal" in text


@pytest.mark.parametrize("thanks", ["ok thanks", "thank you so much"])
def test_thanks_after_an_answer_mid_triage_is_acknowledged_and_the_question_asked_again(assistant, sender, thanks):
    answer(assistant, sender, OPENING, "For me", "what coping skills does IOP teach?")
    reply = answer(assistant, sender, thanks)
    assert [m.get("response") for m in reply] == ["utter_you_are_welcome_in_form", "utter_ask_triage_withdrawal"]
    assert text_of(reply).startswith("You're welcome.")


def test_crisis_mid_triage(assistant, sender):
    answer(assistant, sender, OPENING, "For me")
    reply = answer(assistant, sender, "my dad is having a seizure since he stopped drinking")
    assert is_crisis_reply(reply)
    assert "seven days a week" in text_of(answer(assistant, sender, "how many days a week is PHP?"))


def test_triage_answers_are_stored_with_the_callback_request(assistant, sender):
    answer(assistant, sender, OPENING, "For someone I care about", "no", "yes", "yes", "not sure", "no")
    answer(assistant, sender, "yes", "Sam", "(619) 555-0123", "Evening", "Nothing to add", "/affirm", "/affirm")
    with sqlite3.connect(assistant.database_url.replace("sqlite:///", "")) as db:
        [(triage,)] = db.execute("SELECT triage FROM callback_requests WHERE conversation_id = ?", (sender,)).fetchall()
    assert json.loads(triage) == {
        "for_whom": "someone_else", "withdrawal": "no", "safe_home": "yes",
        "can_attend": "yes", "mental_health": "unsure", "prior_treatment": "no",
    }


def test_correcting_an_earlier_answer_changes_the_orientation(assistant, sender):
    reply = answer(assistant, sender, OPENING, "For me", "no", "no", "no", "no", "no")
    assert "residential treatment" in text_of(reply)
    change = next(b["payload"] for b in buttons(reply) if b["title"] == "Change an answer")
    reply = answer(assistant, sender, change)
    home = next(b["payload"] for b in buttons(reply) if b["title"] == "A safe home")
    assert "safe, supportive home" in text_of(answer(assistant, sender, home))
    text = text_of(answer(assistant, sender, "yes"))
    assert "outpatient" in text and "residential" not in text
