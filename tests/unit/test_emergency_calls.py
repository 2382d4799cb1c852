""""ok calling 911" after the crisis reply: acknowledged with the lines, never the callback
questions; before any crisis, a call to emergency services gets the crisis reply."""
import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.crisis import FLAG_SLOT, ActionAcknowledgeCall
from answer_words.emergency_calls import CALLING_INTENT, calling_for_help
from intent_classifier.emergency_calls import EmergencyCalls
from tests.responses import render


@pytest.mark.parametrize("text", ["ok calling 911 now", "calling now", "ok someone called 911", "I'll call the 988 number",
                                  "texting 988 now", "my mom called the ambulance", "im calling them now", "i called them",
                                  "i'm gonna call the crisis line", "ok. dialing 911"])
def test_a_call_for_help_being_made_is_recognised(text):
    assert calling_for_help(text)


@pytest.mark.parametrize("text", ["call me", "can someone call me tomorrow", "please call me at 619 555 0123",
                                  # The assistant asked to call: it can't, and the crisis reply says so.
                                  "call 911", "please call 911",
                                  # Questions, refusals, stories, plans, despair: more than the call.
                                  "should i call 911?", "should i call 911", "don't call 911", "i'm not calling anyone",
                                  "i can't call the crisis line", "we called an ambulance last year when he overdosed",
                                  "he called 911 on me", "i'll call the number tomorrow", "ok",
                                  "called 988 already, they can't help me", "texting the crisis line is useless",
                                  "calling it", "i'm calling it quits for good", "calling 911 means he goes to jail",
                                  "i called 988 last night and they told me to look into iop",
                                  "we'll call 911 if he gets worse", "she keeps calling 911 for attention",
                                  "calling 911 he isn't breathing"])
def test_a_request_a_question_a_refusal_or_a_story_is_no_call_being_made(text):
    assert not calling_for_help(text)


def classified(text, intent="request_callback"):
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.5},
                            "intent_ranking": [{"name": intent, "confidence": 0.5}], "entities": []})
    EmergencyCalls().process([message])
    return message.get("intent")["name"]


@pytest.mark.parametrize("intent", ["request_callback", "goodbye", "ask_contact", "nlu_fallback"])
def test_the_classifiers_misreading_becomes_a_call_for_help(intent):
    assert classified("ok calling 911", intent) == CALLING_INTENT


@pytest.mark.parametrize("intent", ["report_withdrawal", "spanish"])
def test_a_withdrawal_or_spanish_verdict_is_left_to_the_crisis_net_and_its_rules(intent):
    assert classified("ok calling 911", intent) == intent


def test_the_classifiers_faint_crisis_on_911_is_the_call_but_a_crisis_on_calling_now_is_left_to_the_net():
    assert classified("calling 911", "crisis") == CALLING_INTENT  # its word "911"
    assert classified("ok im calling them now", "crisis") == "crisis"


def conversation(last_action, text, **slots):
    return Tracker(
        sender_id="unit", slots=slots, latest_message={"text": text, "intent": {"name": CALLING_INTENT}},
        events=[{"event": "action", "name": last_action}, {"event": "action", "name": "action_listen"},
                {"event": "user", "text": text, "parse_data": {"intent": {"name": CALLING_INTENT}}}],
        paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
    )


async def acknowledged(latest):
    dispatcher = CollectingDispatcher()
    events = await ActionAcknowledgeCall().run(dispatcher, latest, {})
    return [m["response"] for m in dispatcher.messages], events, dispatcher.messages


async def test_after_the_crisis_reply_a_call_is_acknowledged_with_the_lines():
    names, events, messages = await acknowledged(conversation("action_crisis_response", "ok calling 911", **{FLAG_SLOT: True}))
    assert names == ["utter_crisis_calling"]
    text = render(messages[0])
    assert "right thing" in text and "988" in text and "name" not in text.lower()
    assert not (messages[0].get("json_message") or {}).get("crisis"), "not the emergency script again"


async def test_after_the_check_in_a_call_is_acknowledged_and_the_conversation_flagged():
    names, events, _ = await acknowledged(conversation("action_crisis_check_in", "i'll text 988"))
    assert names == ["utter_crisis_calling"] and {"event": "slot", "name": FLAG_SLOT, "value": True, "timestamp": None} in events


async def test_with_no_crisis_before_a_call_to_emergency_services_gets_the_crisis_action_itself():
    # The crisis action, not its words: the rules after a crisis reply and staff's flag key on it.
    names, events, _ = await acknowledged(conversation("utter_greet", "calling 911 now"))
    assert names == [] and events == [{"event": "followup", "name": "action_crisis_response", "timestamp": None}]


async def test_calling_now_after_the_admissions_number_is_just_that():
    names, _, _ = await acknowledged(conversation("utter_contact", "ok calling now"))
    assert names == ["utter_anything_else"]
