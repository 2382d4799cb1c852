"""A follow-up on the guide answer just given gets that answer again (actions/follow_ups.py),
on real rasa-sdk trackers; anything else is left to the rule's usual reply."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.follow_ups import ActionAnswerFollowUp


def tracker(answered, text, intent="ask_unplaced", extra=None):
    """A conversation whose last bot reply was `answered` (response names), then `text`."""
    parse = {"intent": {"name": intent, "confidence": 0.3}, **(extra or {})}
    events = [{"event": "user", "text": "first question", "parse_data": {"intent": {"name": "x"}}}]
    events += [{"event": "bot", "text": "...", "metadata": {"utter_action": name}} for name in answered]
    events += [{"event": "action", "name": "action_listen"}, {"event": "user", "text": text, "parse_data": parse}]
    return Tracker(sender_id="unit", slots={}, latest_message={"text": text, **parse}, events=events, paused=False,
                   followup_action=None, active_loop={}, latest_action_name="action_listen")


async def run(latest):
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerFollowUp().run(dispatcher, latest, {})
    return [message["response"] for message in dispatcher.messages], events


@pytest.mark.parametrize("answered, text", [
    (["utter_relapse_signs"], "is anxiety one of them?"),
    (["utter_cognitive_skills"], "and how would that help my job"),
    (["utter_coping_skills"], "what else is on the list"),
    (["utter_medical_advice", "utter_offer_callback"], "just tell me yes or no"),
])
async def test_a_follow_up_on_the_last_answer_gets_it_again(answered, text):
    said, events = await run(tracker(answered, text))
    assert said == [answered[0]]
    assert events == [{"event": "followup", "name": "action_listen", "timestamp": None}]


@pytest.mark.parametrize("answered, text", [
    (["utter_relapse_signs"], "do you take medicaid"),  # a new question
    (["utter_contact", "utter_offer_callback"], "and what about that"),  # no guide topic was answered
    (["utter_relapse_signs"], "and what about the parking situation there, my dad uses a wheelchair and "
                              "can't walk far from the lot to the door"),  # too long to lean on it
])
async def test_anything_else_is_left_to_the_usual_reply(answered, text):
    assert await run(tracker(answered, text)) == ([], [])


async def test_a_crisis_the_net_suspected_keeps_the_reply_with_the_crisis_lines():
    worried = tracker(["utter_relapse_signs"], "and what if that doesnt matter anymore", intent="nlu_fallback",
                      extra={"crisis_suspected": {"confidence": 0.4}})
    assert await run(worried) == ([], [])


async def test_a_crisis_the_classifier_guessed_at_keeps_the_reply_with_the_crisis_lines():
    guessed = tracker(["utter_relapse_signs"], "and what if that doesnt matter anymore",
                      extra={"intent_ranking": [{"name": "ask_unplaced", "confidence": 0.3},
                                                {"name": "crisis", "confidence": 0.2}]})
    assert await run(guessed) == ([], [])


async def test_what_follows_the_pointer_to_medical_help_keeps_its_usual_reply():
    after_symptoms = tracker(["utter_withdrawal_help", "utter_detox_alone"], "and its getting worse")
    assert await run(after_symptoms) == ([], [])
