"""The callback request through the REST webhook, checked against the stored row.

A request is stored only after the person confirms the summary, and the bot
confirms only what the database committed (docs/design.md, invariant 3).
"""
import re
import sqlite3
import threading

import pytest

from tests.e2e.turns import PHONE, buttons, check_turn, is_crisis_reply

REFERENCE = re.compile(r"CB-[2-9A-HJKMNP-Z]{6}")


def stored(assistant, sender):
    with sqlite3.connect(assistant.database_url.replace("sqlite:///", "")) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM callback_requests WHERE conversation_id = ?", (sender,))]


def answer(assistant, sender, *messages):
    text = ""
    for message in messages:
        text = check_turn(assistant.say(sender, message))
    return text


def to_summary(assistant, sender, name="Sam Rivera", phone="(619) 555-0123", time="Evening", note="Nothing to add"):
    assert "What name" in answer(assistant, sender, "can someone from your team call me?")
    assert "phone number" in answer(assistant, sender, name)
    assert "best time" in answer(assistant, sender, phone)
    assert "anything you'd like the team to know" in answer(assistant, sender, time)
    assert "agree" in answer(assistant, sender, note)
    return answer(assistant, sender, "/affirm")


def test_complete_flow_stores_what_was_confirmed(assistant, sender):
    summary = to_summary(assistant, sender, note="please text first")
    assert "Sam Rivera" in summary and "(619) 555-0123" in summary and "Evening" in summary
    assert stored(assistant, sender) == [], "nothing is stored before the person confirms"
    confirmation = answer(assistant, sender, "/affirm")
    reference = REFERENCE.search(confirmation).group(0)
    [row] = stored(assistant, sender)
    assert (row["reference"], row["name"], row["phone"], row["best_time"], row["note"], row["consent"], row["status"]) == (
        reference, "Sam Rivera", "+16195550123", "Evening", "please text first", 1, "new",
    )


def test_offer_accepted_from_an_admissions_answer_starts_the_form(assistant, sender):
    reply = assistant.say(sender, "do you take insurance?")
    assert "/request_callback" in [b["payload"] for b in buttons(reply)]
    assert "What name" in answer(assistant, sender, "yes")


def test_asking_again_updates_the_open_request(assistant, sender):
    to_summary(assistant, sender)
    first = REFERENCE.search(answer(assistant, sender, "/affirm")).group(0)
    to_summary(assistant, sender, time="Morning")
    second = REFERENCE.search(answer(assistant, sender, "/affirm")).group(0)
    assert first == second
    [row] = stored(assistant, sender)
    assert row["best_time"] == "Morning"


def test_consent_refused_stores_nothing_and_says_so(assistant, sender):
    answer(assistant, sender, "please call me", "Jo", "+44 20 7946 0958", "Afternoon", "Nothing to add")
    text = answer(assistant, sender, "no")
    assert "haven't saved anything" in text and PHONE in text
    assert stored(assistant, sender) == []


def test_invalid_phone_twice_gives_the_centres_number(assistant, sender):
    answer(assistant, sender, "please call me", "Alex")
    assert "doesn't look like a phone number" in answer(assistant, sender, "my number is secret")
    text = answer(assistant, sender, "555")
    assert PHONE in text and "haven't saved" in text
    assert stored(assistant, sender) == []
    assert "five days a week" in answer(assistant, sender, "what is an intensive outpatient program?")


def test_stop_midway_stores_nothing(assistant, sender):
    answer(assistant, sender, "please call me", "Alex")
    assert "nothing has been saved" in answer(assistant, sender, "stop")
    assert stored(assistant, sender) == []
    assert "seven days a week" in answer(assistant, sender, "how many days a week is PHP?")


@pytest.mark.parametrize("called_off", ["nah not now", "no wait, not now", "never mind"])
def test_not_now_instead_of_a_number_calls_the_request_off(assistant, sender, called_off):
    answer(assistant, sender, "please call me", "Alex")
    assert "nothing has been saved" in answer(assistant, sender, called_off)
    assert stored(assistant, sender) == []
    assert "seven days a week" in answer(assistant, sender, "how many days a week is PHP?")
    # A new request starts from the first question, with nothing of the one called off.
    assert "What name" in answer(assistant, sender, "can someone from your team call me?")


def test_a_crisis_that_opens_like_never_mind_gets_the_crisis_reply_not_a_request_called_off(assistant, sender):
    answer(assistant, sender, "please call me", "Alex")
    reply = assistant.say(sender, "forget it, i'm going to kill myself tonight")
    check_turn(reply)
    assert is_crisis_reply(reply) and "nothing has been saved" not in check_turn(reply)


def test_calling_911_in_the_middle_of_the_form_gets_the_crisis_reply_and_ends_it(assistant, sender):
    answer(assistant, sender, "please call me", "Alex")
    assert is_crisis_reply(assistant.say(sender, "calling 911"))
    assert "seven days a week" in answer(assistant, sender, "how many days a week is PHP?"), "the form is over"


def test_a_note_that_sounds_like_stop_is_kept_as_the_note(assistant, sender):
    summary = to_summary(assistant, sender, note="please don't leave a voicemail")
    assert "please don't leave a voicemail" in summary


def test_a_question_mid_form_is_answered_and_the_form_goes_on(assistant, sender):
    answer(assistant, sender, "please call me", "Alex")
    text = answer(assistant, sender, "wait, what is an intensive outpatient program?")
    assert "five days a week" in text and "phone number" in text
    assert "best time" in answer(assistant, sender, "(619) 555-0123")


def test_correcting_an_answer_before_confirming(assistant, sender):
    to_summary(assistant, sender)
    reply = assistant.say(sender, "/deny")
    check_turn(reply)
    change_time = next(b["payload"] for b in buttons(reply) if b["title"] == "Best time")
    assert "best time" in answer(assistant, sender, change_time)
    summary = answer(assistant, sender, "Afternoon")
    assert "Afternoon" in summary and "Is that right?" in summary
    answer(assistant, sender, "/affirm")
    assert stored(assistant, sender)[0]["best_time"] == "Afternoon"


def test_a_correction_that_says_the_new_answer_brings_the_summary_straight_back(assistant, sender):
    to_summary(assistant, sender)
    summary = answer(assistant, sender, "wrong name, its Kimberly")
    assert "Kimberly" in summary and "Is that right?" in summary
    summary = answer(assistant, sender, "no the time is wrong, mornings are better")
    assert "mornings are better" in summary and "Evening" not in summary
    answer(assistant, sender, "/affirm")
    row = stored(assistant, sender)[0]
    assert (row["name"], row["best_time"]) == ("Kimberly", "mornings are better")


@pytest.mark.parametrize("named", ["phone number", "the number", "phone"])
def test_the_answer_to_change_named_in_words_is_asked_again_not_taken_for_the_centres_number(
        assistant, sender, named):
    to_summary(assistant, sender)
    assert "What would you like to change?" in answer(assistant, sender, "no")
    reply = assistant.say(sender, named)
    text = check_turn(reply)
    assert [m["response"] for m in reply] == ["utter_ask_callback_phone"], text
    summary = answer(assistant, sender, "858 555 0199")
    assert "Sam Rivera" in summary and "Is that right?" in summary
    answer(assistant, sender, "/affirm")
    assert stored(assistant, sender)[0]["phone"] == "+18585550199"


def test_a_name_signed_after_the_request_is_kept(assistant, sender):
    assert "phone number" in answer(assistant, sender, "Call me, please. Diane")
    assert "best time" in answer(assistant, sender, "(619) 555-0123")


@pytest.mark.parametrize("question", ["how soon will they call?", "can i call without giving my name",
                                      "who sees my callback info"])
def test_a_question_about_calls_is_answered_not_taken_for_a_request_to_be_called(assistant, sender, question):
    reply = assistant.say(sender, question)
    check_turn(reply)
    assert [m["response"] for m in reply] == ["utter_admissions_info", "utter_offer_callback"]


def test_crisis_mid_form_gets_the_crisis_reply_and_ends_the_form(assistant, sender):
    answer(assistant, sender, "please call me", "Kim")
    reply = assistant.say(sender, "i don't want to be alive anymore")
    assert is_crisis_reply(reply)
    check_turn(reply)
    assert "seven days a week" in answer(assistant, sender, "how many days a week is PHP?")
    assert stored(assistant, sender) == []


@pytest.mark.parametrize("bad_name", ["1234567", "<script>alert(1)</script>", "x" * 500, "!!!", "🙂"])
def test_bad_names_are_asked_again(assistant, sender, bad_name):
    answer(assistant, sender, "please call me")
    text = answer(assistant, sender, bad_name)
    assert "just the name" in text
    assert "phone number" in answer(assistant, sender, "Robin")


def test_a_name_asked_again_is_asked_plainly_and_a_third_miss_goes_on_without_one(assistant, sender):
    answer(assistant, sender, "please call me")
    again = answer(assistant, sender, "now")
    assert "just the name" in again and "What name" in again and "four quick questions" not in again
    assert "What name" in answer(assistant, sender, "12345")
    assert "phone number" in answer(assistant, sender, "he is 24")
    answer(assistant, sender, "619-555-0123", "Evening", "Nothing to add")
    assert "not given" in answer(assistant, sender, "/affirm")


def test_a_number_typed_at_the_name_question_is_kept_and_the_name_asked_for(assistant, sender):
    answer(assistant, sender, "please call me")
    reply = answer(assistant, sender, "760 555 0123")
    assert "noted that number" in reply and "What name" in reply and "just the name" not in reply
    assert "best time" in answer(assistant, sender, "Rick Barrera, Barrera Roofing")
    answer(assistant, sender, "Evening", "Nothing to add")
    summary = answer(assistant, sender, "/affirm")
    assert "Rick Barrera, Barrera Roofing" in summary and "(760) 555-0123" in summary


@pytest.mark.parametrize("bad_phone", ["call me at FLOWERS", "123", "1" * 25, "📞 619 555 0123", "six one nine"])
def test_bad_phone_numbers_are_asked_again(assistant, sender, bad_phone):
    answer(assistant, sender, "please call me", "Robin")
    assert "doesn't look like a phone number" in answer(assistant, sender, bad_phone)
    assert "best time" in answer(assistant, sender, "619-555-0123")


def test_unrelated_text_to_the_consent_question(assistant, sender):
    answer(assistant, sender, "please call me", "Robin", "619-555-0123", "Evening", "Nothing to add")
    assert "yes or no" in answer(assistant, sender, "purple elephants")
    assert "Is that right?" in answer(assistant, sender, "/affirm")


def test_two_tabs_answering_the_same_form(assistant, sender):
    answer(assistant, sender, "please call me", "Robin", "619-555-0123")
    replies = []

    def tab(time):
        replies.append(assistant.say(sender, time))

    threads = [threading.Thread(target=tab, args=(time,)) for time in ("Morning", "Evening")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    asked = " ".join(check_turn(reply) for reply in replies)
    if "agree" not in asked:  # both answers went to the best time: the note is still asked
        answer(assistant, sender, "Nothing to add")
    summary = answer(assistant, sender, "/affirm")
    assert "Is that right?" in summary
    answer(assistant, sender, "/affirm")
    assert len(stored(assistant, sender)) == 1


def test_a_database_that_refuses_the_write_gets_the_honest_message(assistant, sender):
    database = assistant.database_url.replace("sqlite:///", "")
    with sqlite3.connect(database) as db:
        db.execute(
            "CREATE TRIGGER refuse_test BEFORE INSERT ON callback_requests "
            "WHEN NEW.name = 'Rufus Meyer' BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    try:
        to_summary(assistant, sender, name="Rufus Meyer")
        text = answer(assistant, sender, "/affirm")
        assert "couldn't save your request" in text and PHONE in text
        assert not REFERENCE.search(text)
        assert stored(assistant, sender) == []
    finally:
        with sqlite3.connect(database) as db:
            db.execute("DROP TRIGGER refuse_test")


def test_names_and_numbers_never_reach_the_logs(assistant, sender):
    to_summary(assistant, sender, name="Quintessa Logcheck", phone="(619) 555-0177")
    answer(assistant, sender, "/affirm")
    for log in (assistant.actions.log, assistant.rasa.log):
        text = log.read_text()
        assert "Quintessa" not in text and "555-0177" not in text and "5550177" not in text


def test_make_callbacks_lists_open_requests(assistant, sender):
    import os
    import subprocess
    import sys

    from tests.servers import ROOT

    to_summary(assistant, sender, name="Lister Pearson")
    reference = REFERENCE.search(answer(assistant, sender, "/affirm")).group(0)
    env = {**os.environ, "DATABASE_URL": assistant.database_url, "PYTHONPATH": str(ROOT)}
    output = subprocess.run(
        [sys.executable, "-m", "storage.callbacks"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert reference in output and "Lister Pearson" in output and "+16195550123" in output


def test_an_empty_answer_loses_nothing(assistant, sender):
    answer(assistant, sender, "please call me")
    assert "empty" in answer(assistant, sender, "   ")
    assert "phone number" in answer(assistant, sender, "Robin")
