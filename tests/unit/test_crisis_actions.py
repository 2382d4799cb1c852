"""The check-in's actions on real rasa-sdk trackers: the language it is asked and answered in,
and an unsure "no" taken as a yes."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.crisis import ActionCrisisCheckIn, ActionCrisisResponse, ActionSafeAfterCheckIn


def tracker(*turns):
    """`turns`: (text, parse extras) of each user message, oldest first."""
    events = []
    for text, extra in turns:
        events += [
            {"event": "user", "text": text, "parse_data": {"intent": {"name": "x"}, **extra}},
            {"event": "action", "name": "action_crisis_check_in"},
        ]
    latest = events[-2]
    return Tracker(
        sender_id="unit", slots={}, latest_message={"text": latest["text"], **latest["parse_data"]},
        events=events[:-1], paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
    )


async def responses(action, latest):
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, latest, {})
    return [message["response"] for message in dispatcher.messages]


SPANISH_SUSPICION = ("ya no puedo con todo esto", {"crisis_suspected": {"confidence": 0.6, "language": "es"}})


async def test_a_spanish_message_gets_the_check_in_in_spanish():
    assert await responses(ActionCrisisCheckIn(), tracker(SPANISH_SUSPICION)) == ["utter_crisis_check_in_es"]


async def test_a_tap_on_yes_after_a_spanish_check_in_gets_the_crisis_reply_in_spanish():
    tapped = tracker(SPANISH_SUSPICION, ("/crisis", {}))
    assert await responses(ActionCrisisResponse(), tapped) == ["utter_crisis_es"]


@pytest.mark.parametrize("answer, reply", [
    ("no", "utter_safe_to_carry_on_es"), ("no sé", "utter_crisis_es"), ("tal vez", "utter_crisis_es"),
])
async def test_the_answer_to_a_spanish_check_in_is_answered_in_spanish(answer, reply):
    assert await responses(ActionSafeAfterCheckIn(), tracker(SPANISH_SUSPICION, (answer, {}))) == [reply]


@pytest.mark.parametrize("answer, reply", [
    ("no, I'm fine", "utter_safe_to_carry_on"), ("maybe", "utter_crisis"), ("not sure", "utter_crisis"),
    ("i dont know", "utter_crisis"),
])
async def test_an_unsure_no_to_the_check_in_gets_the_crisis_reply(answer, reply):
    asked = tracker(("nobody would notice", {"crisis_suspected": {"confidence": 0.6}}), (answer, {}))
    assert await responses(ActionSafeAfterCheckIn(), asked) == [reply]


@pytest.mark.parametrize("answer", ["not gonna call any hotline", "no, dont make me call anybody", "no i'm not texting 988"])
async def test_a_no_to_calling_anyone_is_no_answer_to_the_check_in(answer):
    # The lines again without pressure, never "Thank you for telling me" as if safe.
    asked = tracker(("nobody would notice", {"crisis_suspected": {"confidence": 0.6}}), (answer, {}))
    assert await responses(ActionSafeAfterCheckIn(), asked) == ["utter_crisis_no_pressure"]
