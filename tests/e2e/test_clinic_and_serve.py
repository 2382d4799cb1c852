"""The clinic's details come from one file: change it and every answer changes."""
import os
from datetime import datetime, timedelta, timezone

import pytest

from tests.e2e.turns import check_turn
from tests.servers import Assistant


# The other clinic's team is in on one day only, three days from now (UTC): closed now. Three,
# not two: the module is read before its tests run, and a run that crosses midnight would
# make two days from the reading "tomorrow" by the time the bot answers.
OPEN_DAY = (datetime.now(timezone.utc) + timedelta(days=3)).strftime("%A")


@pytest.fixture(scope="module")
def other_clinic(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("other-clinic")
    clinic = workdir / "clinic.yml"
    clinic.write_text(
        'name: Harbor Light Recovery\nphone: (555) 010-0199\nphone_e164: "+15550100199"\ntimezone: UTC\n'
        f'opening_hours:\n  {OPEN_DAY.lower()}: "09:00-17:00"\n'
    )
    os.environ["IOP_CLINIC_FILE"] = str(clinic)
    try:
        server = Assistant(workdir, f"sqlite:///{workdir / 'iop.db'}").start()
    finally:
        del os.environ["IOP_CLINIC_FILE"]
    yield server
    server.stop()


@pytest.mark.parametrize(
    "message",
    ["hi", "what's your phone number?", "how much does IOP cost?", "should I stop my meds?", "bye"],
)
def test_every_answer_uses_the_configured_clinic(other_clinic, sender, message):
    text = check_turn(other_clinic.say(sender, message))
    assert "(555) 010-0199" in text or "Harbor Light Recovery" in text
    assert "Casa Palmera" not in text and "508-0437" not in text


def test_configured_hours_are_given_with_the_contact_details(other_clinic, sender):
    assert f"available {OPEN_DAY} 9 am to 5 pm (UTC)" in check_turn(other_clinic.say(sender, "how can I reach you?"))


def test_asking_for_a_person_outside_the_hours_says_when_the_team_is_back(other_clinic, sender):
    text = check_turn(other_clinic.say(sender, "can I talk to a real person?"))
    assert f"they're back on {OPEN_DAY} at 9 am" in text and "(555) 010-0199" in text
    assert "988" in text and "911" in text, "where help is right now"
    assert "call you back?" in text, "and the callback request is offered"


def test_asking_for_a_person_when_no_hours_are_known_claims_none(assistant, sender):
    text = check_turn(assistant.say(sender, "can I talk to a real person?"))
    assert "(855) 508-0437" in text and "they're back" not in text and "right now" not in text
    assert "call you back?" in text


def test_no_hours_configured_means_none_are_claimed(assistant, sender):
    text = check_turn(assistant.say(sender, "how can I reach you?"))
    assert "(855) 508-0437" in text and "available" not in text and "None" not in text


def test_asking_for_a_person_in_the_middle_of_the_callback_form(other_clinic, sender):
    assert "name" in check_turn(other_clinic.say(sender, "can someone call me?"))
    text = check_turn(other_clinic.say(sender, "can I talk to a real person instead?"))
    assert f"they're back on {OPEN_DAY} at 9 am" in text and "988" in text
    assert "name" in text.split("988")[-1], "then the form asks its question again"


def test_outside_the_hours_no_live_chat_is_offered_even_with_someone_available(other_clinic, sender):
    from storage import handoffs

    handoffs.set_available("maria", True, url=other_clinic.database_url)
    try:
        reply = other_clinic.say(sender, "is there an actual human I can talk to?")
    finally:
        handoffs.set_available("maria", False, url=other_clinic.database_url)
    assert [message.get("response") for message in reply] == ["utter_human_after_hours", "utter_offer_callback"]
    assert "Chat with our admissions team now" not in str(reply)
    assert f"they're back on {OPEN_DAY} at 9 am" in check_turn(reply)
