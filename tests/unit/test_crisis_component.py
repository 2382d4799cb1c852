"""The crisis net's verdict on what the lexicon and the intent classifier said."""
import pytest
import spacy
from rasa.shared.nlu.training_data.message import Message

from answer_words.languages import looks_spanish
from crisis_detection.component import CrisisSafetyNet

SETTINGS = CrisisSafetyNet.get_default_config()


@pytest.fixture(scope="module")
def net():
    return CrisisSafetyNet(SETTINGS)


@pytest.fixture(scope="module")
def nlp():
    return spacy.load(SETTINGS["spacy_model"])


def verdict(net, nlp, text, intent, confidence, runner_up="ask_level_info"):
    """The parse data after the net, for a message the classifier read as `intent`."""
    ranking = [{"name": intent, "confidence": confidence}, {"name": runner_up, "confidence": 1 - confidence}]
    message = Message(data={"text": text, "intent": ranking[0], "intent_ranking": ranking})
    message.set("text_spacy_doc", nlp(text.lower()))
    net.process([message])
    return message


def test_a_crisis_the_classifier_is_sure_of_gets_the_crisis_reply(net, nlp):
    message = verdict(net, nlp, "gave my guitar to my nephew today, he should have it now", "crisis", 0.93)
    assert message.get("intent")["name"] == "crisis"
    assert message.get("crisis_safety_net") == {"source": "classifier", "confidence": 0.93, "language": "en"}


def test_a_crisis_the_classifier_finds_likely_gets_the_crisis_reply_outside_a_form_only(net, nlp):
    # crisis_likely: the crisis reply (data/rules/crisis.yml), unless a form takes it as an answer.
    likely = SETTINGS["classifier_threshold"]
    message = verdict(net, nlp, "gave my guitar to my nephew today, he should have it now", "crisis", likely)
    assert message.get("intent") == {"name": "crisis_likely", "confidence": likely}
    assert message.get("crisis_suspected") == {"confidence": likely, "likely": True, "language": "en"}
    assert message.get("crisis_safety_net") is None
    spanish = verdict(net, nlp, "ya regalé mis cosas a mi hermana, no las voy a necesitar", "crisis", likely)
    assert spanish.get("crisis_suspected")["language"] == "es"


def test_a_crisis_the_classifier_is_surer_of_interrupts_any_form(net, nlp):
    sure = SETTINGS["form_interrupt_threshold"]
    message = verdict(net, nlp, "gave my guitar to my nephew today, he should have it now", "crisis", sure)
    assert message.get("intent")["name"] == "crisis"
    assert message.get("crisis_safety_net")["source"] == "classifier"


def test_a_crisis_the_classifier_is_unsure_of_gets_the_check_in_question(net, nlp):
    unsure = SETTINGS["classifier_threshold"] - 0.1
    message = verdict(net, nlp, "gave my guitar to my nephew today, he should have it now", "crisis", unsure)
    assert message.get("intent")["name"] == "crisis_check_in"
    assert message.get("crisis_suspected") == {"confidence": unsure}
    assert message.get("crisis_safety_net") is None


def test_a_crisis_the_classifier_barely_suspects_asks_to_say_more(net, nlp):
    faint = SETTINGS["check_in_threshold"] - 0.05
    message = verdict(net, nlp, "gave my guitar to my nephew today, he should have it now", "crisis", faint)
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("crisis_suspected") == {"confidence": faint}


def test_a_spanish_check_in_is_asked_in_spanish(net, nlp):
    message = verdict(net, nlp, "todo me da igual ya, estoy muy cansada de todo esto", "crisis", 0.6)
    assert message.get("intent")["name"] == "crisis_check_in"
    assert message.get("crisis_suspected") == {"confidence": 0.6, "language": "es"}


def test_a_short_answer_is_never_a_crisis_on_the_classifier_alone(net, nlp):
    assert verdict(net, nlp, "tonight", "crisis", 0.95).get("intent")["name"] == "nlu_fallback"
    assert verdict(net, nlp, "tonight", "crisis", 0.6).get("intent")["name"] == "nlu_fallback"


def test_a_story_of_the_past_keeps_its_answer_even_if_the_classifier_worries(net, nlp):
    message = verdict(net, nlp, "my sister died of an overdose two years ago, what is IOP", "crisis", 0.9)
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("crisis_mentioned") == {"categories": ["overdose"]}


def test_the_lexicon_decides_whatever_the_classifier_said(net, nlp):
    message = verdict(net, nlp, "i took 30 pills an hour ago", "ask_level_info", 0.9)
    assert message.get("intent")["name"] == "crisis"
    assert message.get("crisis_safety_net")["source"] == "lexicon"


@pytest.mark.parametrize("text, spanish", [
    ("ya no quiero seguir, nadie me va a extrañar", True),
    ("no one would miss me", False),
    ("mi hijo no quiere ayuda", True),
    ("the la la land of no and me", False),
])
def test_spanish_is_recognised_for_the_reply_language(text, spanish):
    assert looks_spanish(text) is spanish


def test_an_unsure_crisis_that_reads_as_withdrawal_gets_the_medical_pointer(net, nlp):
    message = verdict(net, nlp, "so shaky and sweaty since i stopped drinking", "crisis", 0.4, "report_withdrawal")
    assert message.get("intent") == {"name": "report_withdrawal", "confidence": 0.6}
    assert message.get("crisis_suspected") == {"confidence": 0.4}


def test_a_faint_crisis_that_reads_as_a_request_for_help_starts_the_questions(net, nlp):
    text = "i think i have a problem with pills. i dont know what i need"
    faint = SETTINGS["check_in_threshold"] - 0.05
    message = verdict(net, nlp, text, "crisis", faint, "request_help")
    assert message.get("intent")["name"] == "request_help"
    assert message.get("crisis_suspected") == {"confidence": faint}  # still there for staff to review
    # In the check-in's range, the question is still asked.
    assert verdict(net, nlp, text, "crisis", SETTINGS["check_in_threshold"] + 0.05, "request_help").get("intent")["name"] == (
        "crisis_check_in"
    )


def undecided(net, nlp, text, *guesses):
    """The parse data after the net, for a message the FallbackClassifier couldn't decide on."""
    ranking = [{"name": "nlu_fallback", "confidence": 0.3}, *({"name": n, "confidence": c} for n, c in guesses)]
    message = Message(data={"text": text, "intent": ranking[0], "intent_ranking": ranking})
    message.set("text_spacy_doc", nlp(text.lower()))
    net.process([message])
    return message


def test_a_tie_between_withdrawal_and_anything_goes_to_the_medical_pointer(net, nlp):
    message = undecided(net, nlp, "day 3 no booze, night sweats", ("report_withdrawal", 0.42), ("crisis", 0.38))
    assert message.get("intent")["name"] == "report_withdrawal"
    assert message.get("crisis_suspected") == {"confidence": 0.38}


def test_a_tie_between_two_ordinary_answers_still_asks_to_rephrase(net, nlp):
    message = undecided(net, nlp, "hmm what about that", ("ask_level_info", 0.3), ("ask_level_schedule", 0.28))
    assert message.get("intent")["name"] == "nlu_fallback"
