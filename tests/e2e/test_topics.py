"""Every topic of the guide, asked in new words through the REST webhook.

Each question starts a fresh conversation; each reply must carry the guide's
facts and end with the disclaimer.
"""
import pytest

from tests.e2e.turns import PHONE, buttons, check_turn, is_crisis_reply

TOPICS = [
    ("hello there", ["automated helper"]),
    ("ok bye for now", [PHONE]),
    ("thank you so much", ["welcome"]),
    ("wait, is this a real human I'm chatting with?", ["automated assistant", "not a clinician"]),
    ("what kind of things can you help me with", ["levels of addiction treatment", "can't give medical advice"]),
    ("what's the best pizza place near me", ["can't help with that"]),
    ("what are all the different kinds of treatment, in order?",
     ["Early intervention", "Outpatient services", "Intensive outpatient", "Partial hospitalization",
      "Residential services", "Medically managed intensive inpatient"]),
    ("explain what an intensive outpatient program is", ["five days a week", "live at home"]),
    ("how many days per week would partial hospitalization take?", ["seven days a week"]),
    ("if i go to residential treatment do i stay there overnight", ["live at the treatment centre"]),
    ("who is IOP meant for?", ["mental health disorder", "close care or supervision"]),
    ("what's the difference between IOP and PHP", ["more intensive", "five days", "seven days"]),
    ("what kinds of therapy happen in an IOP?", ["group therapy", "individual", "12-step"]),
    ("what should I expect on my first days in the IOP program", ["psychiatric, medical and goal assessments", "treatment plan"]),
    ("which coping skills does the program teach", ["journaling", "meditation", "spirituality"]),
    ("how would I know I'm about to relapse?", ["depression", "anxiety", "withdrawing from friends or family", "triggers"]),
    ("what do you mean by cognitive skills", ["pay attention", "retain information"]),
    ("I'm scared about what happens once my IOP is over", ["not alone", "therapist", "support system"]),
    ("is it ok to just detox on my own at home?", ["strongly discouraged", "specialized care"]),
    ("what number can I call you on", [PHONE]),
    ("does my insurance cover this and what does it cost", ["admissions team", PHONE]),
    ("how many mg of suboxone should i be taking", ["can't give medical advice", PHONE]),
    ("do you think I'm an alcoholic?", ["can't give medical advice"]),
]


@pytest.mark.parametrize("message, expected", TOPICS, ids=[t[0][:40] for t in TOPICS])
def test_topic_answered_from_the_guide_with_disclaimer(assistant, sender, message, expected):
    text = check_turn(assistant.say(sender, message))
    for fact in expected:
        assert fact.lower() in text.lower(), f"{message!r} -> {text!r}"


def test_questions_the_guide_cannot_answer_offer_a_callback(assistant, sender):
    reply = assistant.say(sender, "is there a waitlist right now or can I start next week?")
    check_turn(reply)
    assert "/request_callback" in [b["payload"] for b in buttons(reply)]
    text = check_turn(assistant.say(sender, "no thanks"))
    assert "What else" in text


def test_medical_advice_is_referred_with_a_callback_offer(assistant, sender):
    reply = assistant.say(sender, "can I stop taking my antidepressants once I start IOP?")
    text = check_turn(reply)
    assert "can't give medical advice" in text and "clinician" in text
    assert "/request_callback" in [b["payload"] for b in buttons(reply)]


def test_button_payloads_answer_like_typed_questions(assistant, sender):
    reply = assistant.say(sender, "what can you do?")
    payload = next(b["payload"] for b in buttons(reply) if b["title"] == "What is IOP?")
    assert "five days a week" in check_turn(assistant.say(sender, payload))


def test_crisis_reply_has_every_resource(assistant, sender):
    reply = assistant.say(sender, "i don't want to live anymore")
    text = check_turn(reply)
    assert is_crisis_reply(reply)
    for resource in ("988", "911", "1-800-662-4357", "988lifeline.org"):
        assert resource in text
