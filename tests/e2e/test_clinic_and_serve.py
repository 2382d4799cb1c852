"""The clinic's details come from one file: change it and every answer changes."""
import os

import pytest

from tests.e2e.turns import check_turn
from tests.servers import Assistant


@pytest.fixture(scope="module")
def other_clinic(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("other-clinic")
    clinic = workdir / "clinic.yml"
    clinic.write_text('name: Harbor Light Recovery\nphone: (555) 010-0199\nphone_e164: "+15550100199"\nhours: "weekdays 8am to 6pm"\n')
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
    assert "available weekdays 8am to 6pm" in check_turn(other_clinic.say(sender, "how can I reach you?"))


def test_no_hours_configured_means_none_are_claimed(assistant, sender):
    text = check_turn(assistant.say(sender, "how can I reach you?"))
    assert "(855) 508-0437" in text and "available" not in text and "None" not in text
