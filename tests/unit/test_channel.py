"""The REST channel's request checks and the disclaimer at the end of every turn."""
import json

import pytest

import knowledge
from channels.replies import crisis_language, reads_as_crisis
from channels.rest_with_disclaimer import (
    MAX_MESSAGE_CHARS, MAX_RUN_CHARS, BadRequest, clean_text, finish_turn, parse_request, words_unless_payload,
)

DISCLAIMER = knowledge.disclaimer()


def body(**fields) -> bytes:
    return json.dumps(fields).encode()


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"\xff\xfe\x00binary",
        b"[1, 2]",
        body(message="hi"),
        body(sender="", message="hi"),
        body(sender="x" * 500, message="hi"),
        body(sender="a\x00b", message="hi"),
        body(sender="me", message=42),
        body(sender="me", message="hi", metadata={"a": {"b": {"c": {"d": 1}}}}),
        b'{"sender": "me", "message": "hi", "metadata": ' + b"[" * 900 + b"]" * 900 + b"}",
        body(sender="me", message="a" * 60_000),
    ],
)
def test_bad_requests_are_refused_with_a_reason(raw):
    with pytest.raises(BadRequest):
        parse_request(raw)


def test_text_is_cleaned_of_control_characters_and_capped():
    sender, text = parse_request(body(sender="me", message="  what\x00 is\x1b IOP?\u200b  "))
    assert text == "what is IOP?"
    _, long_text = parse_request(body(sender="me", message="a " * 5_000))
    assert long_text == ("a " * 5_000).strip()
    _, huge_text = parse_request(body(sender="me", message="a " * 15_000))
    assert len(huge_text) == MAX_MESSAGE_CHARS


def test_a_run_without_spaces_is_broken_up_for_the_tokenizer_and_nothing_is_dropped():
    # spaCy's tokenizer takes quadratic time on one long run: 20,000 apostrophes held the server 50 s.
    pasted = "my son sent me this " + "https://example.org/" + "x" * 450 + " is it you?"
    _, text = parse_request(body(sender="me", message=pasted))
    assert max(len(run) for run in text.split()) == MAX_RUN_CHARS
    assert text.replace(" ", "") == pasted.replace(" ", "")
    assert text.startswith("my son sent me this ") and text.endswith(" is it you?")
    _, apostrophes = parse_request(body(sender="me", message="'" * 20_000))
    assert apostrophes.replace(" ", "") == "'" * 20_000 and max(map(len, apostrophes.split())) == MAX_RUN_CHARS


@pytest.mark.parametrize("word", ["suicide", "kms", "overdose tonight"])
def test_a_word_stuck_to_a_long_run_is_kept_whole_for_the_crisis_lexicon(word):
    _, text = parse_request(body(sender="me", message="!" * 198 + word))
    assert text.split()[-len(word.split()):] == word.split()


def test_a_flat_metadata_object_is_accepted_and_not_read():
    assert parse_request(body(sender="me", message="hi", metadata={"page": "/iop"})) == ("me", "hi")


def test_clean_text_keeps_emoji_and_other_scripts():
    assert clean_text("¿Qué es IOP? 🙂 什么") == "¿Qué es IOP? 🙂 什么"


def test_disclaimer_ends_the_last_message_only():
    turn = finish_turn([{"recipient_id": "me", "text": "one"}, {"recipient_id": "me", "text": "two"}], "me")
    assert turn[0]["text"] == "one"
    assert turn[1]["text"] == f"two\n\n{DISCLAIMER}"
    # Marked, so that the widget can show it as small print under the turn.
    assert "disclaimer" not in turn[0]
    assert turn[1]["disclaimer"] == DISCLAIMER


def test_a_payload_joins_its_message_and_the_disclaimer_still_ends_the_turn():
    turn = finish_turn([{"recipient_id": "me", "text": "help"}, {"recipient_id": "me", "custom": {"crisis": True}}], "me")
    assert len(turn) == 1
    assert turn[0]["custom"] == {"crisis": True}
    assert turn[0]["text"].endswith(DISCLAIMER)


def test_a_turn_without_text_gets_the_disclaimer_as_its_own_message():
    turn = finish_turn([{"recipient_id": "me", "image": "https://example.org/x.png"}], "me")
    assert turn[-1]["text"] == DISCLAIMER


def test_an_empty_turn_becomes_an_apology_with_the_phone_number():
    turn = finish_turn([], "me")
    assert knowledge.clinic().phone in turn[0]["text"]
    assert turn[0]["text"].endswith(DISCLAIMER)


INTENTS, ENTITIES = ["affirm", "ask_level_info", "greet"], ["level_of_care"]


@pytest.mark.parametrize("text", [
    "/affirm", "/greet", '/ask_level_info{"level_of_care": "partial_hospitalization"}',
])
def test_our_buttons_payloads_pass(text):
    assert words_unless_payload(text, INTENTS, ENTITIES) == text


@pytest.mark.parametrize("text, words", [
    ("/greet@1 I want to kill myself", "greet@1 I want to kill myself"),
    ('/affirm{"level_of_care": "I want to kill myself"}', 'affirm{"level_of_care": "I want to kill myself"}'),
    ('/greet{"x": "web-0123"}', 'greet{"x": "web-0123"}'),
    ("/no_such_intent", "no_such_intent"),
    ("// i want to die", "i want to die"),
    ("/", ""),
    ("what is IOP?", "what is IOP?"),
])
def test_anything_else_starting_with_a_slash_is_read_as_words(text, words):
    assert words_unless_payload(text, INTENTS, ENTITIES) == words


@pytest.mark.parametrize("parse, crisis, language", [
    ({"intent": {"name": "crisis"}, "crisis_safety_net": {"language": "es"}}, True, "es"),
    # The classifier's likely crisis: the crisis reply wherever a channel gives it itself
    # (over the rate limit, a failed turn, a live handoff).
    ({"intent": {"name": "crisis_likely"}, "crisis_suspected": {"likely": True, "language": "en"}}, True, "en"),
    ({"intent": {"name": "crisis_likely"}, "crisis_suspected": {"likely": True, "language": "es"}}, True, "es"),
    ({"intent": {"name": "crisis_check_in"}, "crisis_suspected": {"confidence": 0.6}}, False, "en"),
    ({"intent": {"name": "greet"}}, False, "en"),
    ({}, False, "en"),
    # "calling 911 now" gets the crisis reply when no crisis came before; "calling now" names no service.
    ({"intent": {"name": "calling_for_help"}, "text": "calling 911 now"}, True, "en"),
    ({"intent": {"name": "calling_for_help"}, "text": "ok calling now"}, False, "en"),
])
def test_a_channel_knows_a_crisis_reply_and_its_language_from_the_parse(parse, crisis, language):
    assert reads_as_crisis(parse) is crisis
    assert crisis_language(parse) == language
