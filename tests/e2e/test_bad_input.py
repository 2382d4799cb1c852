"""Bad input gets a clear answer or a 4xx, never a 500, and the conversation goes on."""
import json

import pytest

from tests.e2e.turns import PHONE, check_turn


def still_talking(assistant, sender):
    """The same conversation answers a normal question afterwards."""
    assert "five days a week" in check_turn(assistant.say(sender, "what is an intensive outpatient program?"))


@pytest.mark.parametrize("message", ["", "   ", "\n\t  "])
def test_empty_message_gets_a_prompt(assistant, sender, message):
    text = check_turn(assistant.say(sender, message))
    assert "empty" in text
    still_talking(assistant, sender)


def test_ten_thousand_characters(assistant, sender):
    text = check_turn(assistant.say(sender, "I have a question about treatment. " * 300))
    assert text
    still_talking(assistant, sender)


def test_ten_thousand_characters_hiding_a_crisis_at_the_end(assistant, sender):
    message = "I have a question about treatment. " * 285 + "and honestly i want to kill myself"
    assert len(message) > 10_000
    reply = assistant.say(sender, message)
    assert "988" in check_turn(reply)


@pytest.mark.parametrize(
    "message",
    [
        "🙂🙂🙂",
        "🤷‍♀️",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "'; DROP TABLE events; --",
        "%s %n {0} ${jndi:ldap://x}",
    ],
)
def test_odd_text_gets_a_sensible_reply(assistant, sender, message):
    reply = assistant.say(sender, message)
    text = check_turn(reply)
    assert "<script" not in text and "onerror" not in text
    still_talking(assistant, sender)


@pytest.mark.parametrize("message", ["?", "...", "🙃🙃🙃"])
def test_a_message_of_symbols_only_is_asked_to_be_said_again(assistant, sender, message):
    # Not "glad that helped" or an answer picked at random: there is nothing to read.
    reply = assistant.say(sender, message)
    check_turn(reply)
    assert [m.get("response") for m in reply][0] == "utter_ask_rephrase"
    still_talking(assistant, sender)


def test_a_thumbs_up_is_still_an_ok(assistant, sender):
    check_turn(assistant.say(sender, "what is an intensive outpatient program?"))
    assert [m.get("response") for m in assistant.say(sender, "👍")][0] == "utter_anything_else"


@pytest.mark.parametrize(
    "message",
    [
        "Bonjour, je voudrais des informations sur le traitement s'il vous plaît",
        "¿Qué es un programa intensivo para pacientes ambulatorios?",
        "这是什么项目",
    ],
)
def test_non_english_is_told_english_only(assistant, sender, message):
    text = check_turn(assistant.say(sender, message))
    # Spanish gets a short answer in Spanish (utter_spanish); other languages, in English.
    assert "English" in text or ("inglés" in text and PHONE in text)
    still_talking(assistant, sender)


def test_control_characters_are_ignored(assistant, sender):
    text = check_turn(assistant.say(sender, "what\x00 is\x07 an intensive\x1b outpatient program?"))
    assert "five days a week" in text


@pytest.mark.parametrize(
    "body",
    [
        b"{this is not json",
        b"\x00\xff\xfe binary \x89PNG",
        b"",
        b"[]",
        b'{"message": "hello"}',
        b'{"sender": "", "message": "hello"}',
        b'{"sender": "x", "message": {"nested": true}}',
        json.dumps({"sender": "s" * 1000, "message": "hello"}).encode(),
    ],
)
def test_malformed_requests_get_a_400_with_a_reason(assistant, body):
    status, reply = assistant.post(body)
    assert status == 400
    assert "error" in reply


def test_a_malformed_request_does_not_break_the_conversation(assistant, sender):
    check_turn(assistant.say(sender, "hello"))
    assert assistant.post(b'{"sender": "' + sender.encode() + b'", "message": ')[0] == 400
    still_talking(assistant, sender)


def test_action_server_down_gets_an_apology_with_the_phone_number(assistant, sender):
    check_turn(assistant.say(sender, "hello"))
    assistant.actions.stop()
    try:
        status, reply = assistant.post(json.dumps({"sender": sender, "message": "what is IOP?"}).encode())
        assert status == 200
        text = check_turn(reply)
        assert PHONE in text and "988" in text
        # A turn that needs no custom action still gets its real answer.
        assert "automated assistant" in check_turn(assistant.say(sender, "am I talking to a bot?"))
    finally:
        assistant.start_actions()
    still_talking(assistant, sender)
