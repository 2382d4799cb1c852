"""A question about calls is a request to be called only when it asks for a call
(answer_words/callback_requests.py); the others get the honest answer or the number."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from answer_words.callback_requests import asks_about_calls
from intent_classifier.unplaced_questions import UnplacedQuestions


def intent_of(text, intent="request_callback"):
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []})
    UnplacedQuestions().process([message])
    return message.get("intent")["name"]


@pytest.mark.parametrize("text", ["can someone call me", "Can I get a callback?", "can you call my mom",
                                  "could your staff ring my dad? he doesn't use computers",
                                  "is it possible for someone to reach out to me?",
                                  "is there a way someone could give me a buzz later",
                                  "can I be called back tonight?", "is a callback possible?",
                                  "can you have someone reach me at 619 555 0123?", "can someone text me instead?",
                                  "can your intake team call my husband?", "how soon can someone call me?",
                                  "could I get a call back, and how soon will they call?"])
def test_asking_for_a_call_is_a_request_to_be_called(text):
    assert not asks_about_calls(text)
    assert intent_of(text) == "request_callback"


@pytest.mark.parametrize("text", ["how soon will they call?", "who sees my callback info", "is that a free call",
                                  "can i call without giving my name", "can I at least call her"])
def test_a_question_about_calls_is_a_question_about_the_centre(text):
    assert asks_about_calls(text)
    assert intent_of(text) == "ask_admissions_info"


def test_someone_meaning_to_call_the_centre_gets_the_number():
    assert intent_of("can i just call you instead?") == "ask_contact"


@pytest.mark.parametrize("text", ["call me", "ring me tomorrow", "yes please"])
def test_a_request_that_asks_nothing_is_left_alone(text):
    assert intent_of(text) == "request_callback"


def test_other_intents_are_left_alone():
    assert intent_of("how soon will they call?", intent="ask_contact") == "ask_contact"
