"""A plain question the classifier couldn't place gets the honest answer; gibberish, statements
and anything the crisis net should weigh are left to the fallback and the net."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from answer_words.questions import UNPLACED_INTENT, asks_something, is_a_question
from intent_classifier.unplaced_questions import UnplacedQuestions


def parsed(text, ranking=(("ask_contact", 0.2), ("greet", 0.1))):
    guesses = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message = Message(data={"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.3},
                            "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.3}, *guesses], "entities": []})
    UnplacedQuestions().process([message])
    return message.get("intent")


@pytest.mark.parametrize("text", ["ok what about payment plans", "im not religious, is iop going to push god on me",
                                  "im 17 and i think i drink too much. can i even go to your place",
                                  "How do I even get him to agree to go", "do you have a waiting list?",
                                  "where is casa palmera", "tell me about visiting hours",
                                  "what's the difference between all the options lol"])
def test_a_sentence_or_clause_that_opens_like_a_question_asks_something(text):
    assert asks_something(text)


@pytest.mark.parametrize("text", ["he relapsed and is using again", "my son drinks every day", "thats what i was told",
                                  "you're useless", "when i drink i forget everything",
                                  "can't talk during work hours, evenings are best", "Will do", "Do not call before noon",
                                  "what he did last night was awful", "who cares anymore"])
def test_statements_ask_nothing(text):
    assert not asks_something(text)


@pytest.mark.parametrize("text", ["ok what about payment plans", "how do i get him to agree to go",
                                  "do you have a waiting list for the evening group?", "and does he keep his pain meds"])
def test_an_unplaced_question_gets_the_honest_answer_at_the_fallback_confidence(text):
    assert parsed(text) == {"name": UNPLACED_INTENT, "confidence": 0.3}


@pytest.mark.parametrize("text", ["jfjf kdkd lala?", "why?", "you're useless", "my friend says gabapentin works",
                                  "when i drink i forget everything", "¿dónde está la clínica y que necesito?"])
def test_gibberish_short_questions_statements_and_spanish_still_fall_back(text):
    assert parsed(text)["name"] == "nlu_fallback"


@pytest.mark.parametrize("ranking", [
    (("ask_contact", 0.2), ("crisis", 0.15)),
    (("ask_contact", 0.2), ("report_withdrawal", 0.15)),
    (("ask_contact", 0.2), ("crisis_check_in", 0.15)),
    # Third, but not nothing: "will anyone even notice" is the crisis net's to weigh.
    (("ask_contact", 0.2), ("greet", 0.15), ("crisis", 0.12)),
])
def test_a_question_the_crisis_net_should_weigh_is_left_to_it(ranking):
    assert parsed("will anyone even notice?", ranking=ranking)["name"] == "nlu_fallback"


def test_a_placed_intent_is_left_alone():
    message = Message(data={"text": "how much does it cost?", "intent": {"name": "ask_admissions_info", "confidence": 0.9},
                            "entities": []})
    UnplacedQuestions().process([message])
    assert message.get("intent") == {"name": "ask_admissions_info", "confidence": 0.9}


@pytest.mark.parametrize("text", ["what's the schedule for outpatient vs IOP", "whats the difference", "how's it work"])
def test_the_forms_still_read_a_contracted_question_word_as_a_question(text):
    assert is_a_question(text)


@pytest.mark.parametrize("text", ["what's the taper schedule", "hes barely sleeping, is that depression?",
                                  "what can he take to sleep", "is it safe to drink on gabapentin",
                                  # A medicine named as a question of its own.
                                  "what about vivitrol", "thoughts on antabuse?"])
def test_a_medical_question_the_classifier_missed_gets_the_medical_refusal(text):
    assert parsed(text)["name"] == "ask_medical_advice"


def test_a_medical_question_taken_for_one_about_the_centre_gets_the_medical_refusal():
    message = Message(data={"text": "like librium? how much should i take", "entities": [],
                            "intent": {"name": "ask_admissions_info", "confidence": 0.6},
                            "intent_ranking": [{"name": "ask_admissions_info", "confidence": 0.6}]})
    UnplacedQuestions().process([message])
    assert message.get("intent")["name"] == "ask_medical_advice"


@pytest.mark.parametrize("text", ["can i bring my meds?", "is it safe to bring my phone?", "how much does it cost?",
                                  "can i bring my prescription with me?", "what should i take with me to residential?",
                                  "do i need a diagnosis to get in?", "what about methadone clinics near me?"])
def test_a_question_about_the_centre_that_names_medicine_is_no_medical_question(text):
    assert parsed(text)["name"] == "ask_unplaced"


def test_a_medical_question_with_a_crisis_guess_is_left_to_the_crisis_net():
    assert parsed("how much would kill me", ranking=(("crisis", 0.4),))["name"] == "nlu_fallback"


def read_as_a_callback_request(text):
    message = Message(data={"text": text, "entities": [], "intent": {"name": "request_callback", "confidence": 0.34},
                            "intent_ranking": [{"name": "request_callback", "confidence": 0.34}]})
    UnplacedQuestions().process([message])
    return message.get("intent")["name"]


@pytest.mark.parametrize("text", ["i dont want to call anyone", "please don't call me", "no calls please",
                                  "im not gonna call any hotline", "I don't want a callback.", "never mind",
                                  "ok not now", "forget it please"])
def test_a_call_refused_is_a_no_never_a_request_to_be_called(text):
    assert read_as_a_callback_request(text) == "deny"


@pytest.mark.parametrize("text", ["i dont want to call, can someone text me", "call me", "i'd like someone to call me",
                                  "i dont want a callback i want to talk to someone NOW"])
def test_a_request_with_a_refusal_in_it_is_still_a_request(text):
    assert read_as_a_callback_request(text) == "request_callback"
