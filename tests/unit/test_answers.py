"""The level-of-care actions, run on real rasa-sdk trackers."""
from typing import List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

import knowledge
from actions.answers import ActionAnswerIopTopic, ActionCompareLevels, ActionExplainLevel, ActionListLevels
from tests.responses import render


def tracker(intent: str, mentioned: List[str] = (), slot: Optional[str] = None) -> Tracker:
    """The latest message names `mentioned`; `slot` is the level talked about before it."""
    entities = [{"entity": "level_of_care", "value": value} for value in mentioned]
    before = [{"event": "slot", "name": "level_of_care", "value": slot}] if slot else []
    return Tracker(
        sender_id="unit",
        slots={"level_of_care": slot},
        latest_message={"intent": {"name": intent, "confidence": 0.9}, "entities": entities, "text": "..."},
        events=[*before, {"event": "user", "text": "..."}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run(action, tracker_):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker_, {})
    # Each message as a person reads it (named responses rendered from domain.yml).
    return [{**message, "text": render(message)} for message in dispatcher.messages], events


async def test_schedule_of_a_named_level():
    messages, events = await run(ActionExplainLevel(), tracker("ask_level_schedule", ["PHP"]))
    assert "seven days a week" in messages[0]["text"]
    assert events == [SlotSet("level_of_care", "partial_hospitalization"), SlotSet("level_aspect", "schedule")]


async def test_follow_up_without_a_level_uses_the_one_in_context():
    messages, _ = await run(ActionExplainLevel(), tracker("ask_level_living", [], slot="residential"))
    assert "live at the treatment centre" in messages[0]["text"]


async def test_asked_whether_one_can_keep_working_the_hours_follow_where_one_lives():
    asked = tracker("ask_level_living", ["IOP"])
    asked.latest_message["text"] = "can i keep my night shift job during iop"
    messages, _ = await run(ActionExplainLevel(), asked)
    assert [m["response"] for m in messages] == ["utter_level_living", "utter_level_schedule"]
    assert "keep working" in messages[0]["text"] and "five days a week" in messages[1]["text"]
    # Asked only where one lives, one answer.
    messages, _ = await run(ActionExplainLevel(), tracker("ask_level_living", ["IOP"]))
    assert [m["response"] for m in messages] == ["utter_level_living"]


@pytest.mark.parametrize("typed, response", [
    ("does iop let u live at home", "utter_level_living"),
    ("is that like staying in a hospital", "utter_level_living"),
    ("the 5th one, do you live there", "utter_level_living"),
    ("how long is residential", "utter_level_schedule"),
    ("how long do people stay in residential", "utter_level_schedule"),
    ("what about early intervention, is that for teens", "utter_level_suits"),
    # Only the question's own words: the story before it says nothing of what is asked.
    ("my son stays with me and drinks every day. what is iop?", "utter_level_info"),
    ("what is sober living like at iop", "utter_level_info"),
    ("what would iop look like for him", "utter_level_info"),
    ("how does iop work", "utter_level_info"),
    ("will iop help him stay sober", "utter_level_info"),
    ("do you have beds available in iop tonight", "utter_level_info"),
])
async def test_a_question_the_classifier_only_placed_as_about_a_level_is_answered_for_what_its_words_ask(typed, response):
    asked = tracker("ask_level_info", ["IOP"])
    asked.latest_message["text"] = typed
    messages, _ = await run(ActionExplainLevel(), asked)
    assert messages[0]["response"] == response


async def test_asked_when_in_the_day_the_schedule_is_followed_by_the_gap_in_the_guide():
    asked = tracker("ask_level_schedule", ["IOP"])
    asked.latest_message["text"] = "Does your IOP offer evening sessions?"
    messages, _ = await run(ActionExplainLevel(), asked)
    assert [m["response"] for m in messages] == ["utter_level_schedule", "utter_level_not_in_guide"]
    assert "five days a week" in messages[0]["text"] and "times of day" in messages[1]["text"]
    assert "(855) 508-0437" in messages[1]["text"]


@pytest.mark.parametrize("typed, intent", [("how about family therapy", "ask_iop_therapies"),
                                           ("how big are the groups in iop", "ask_iop_therapies"),
                                           ("can i do iop online?", "ask_level_info"),
                                           ("will i have the same therapist the whole time in residential", "ask_level_info")])
async def test_a_detail_the_guide_does_not_give_gets_the_honest_answer(typed, intent):
    asked = tracker(intent, ["IOP"] if "iop" in typed else ["residential"])
    asked.latest_message["text"] = typed
    action = ActionAnswerIopTopic() if intent == "ask_iop_therapies" else ActionExplainLevel()
    messages, _ = await run(action, asked)
    assert [m["response"] for m in messages] == ["utter_admissions_info"]


async def test_a_level_described_by_where_you_live_is_asked_about_not_where_you_live():
    asked = tracker("ask_level_info")
    text = "anyway what's the program where you live there"
    start = text.index("the program")
    asked.latest_message.update(text=text, entities=[{"entity": "level_of_care", "value": "residential",
                                                      "start": start, "end": len(text)}])
    messages, _ = await run(ActionExplainLevel(), asked)
    assert [m["response"] for m in messages] == ["utter_level_info"]


async def test_a_question_the_classifier_placed_on_an_aspect_keeps_it():
    asked = tracker("ask_level_suitability", ["IOP"])
    asked.latest_message["text"] = "who is iop for, can they live at home"
    messages, _ = await run(ActionExplainLevel(), asked)
    assert messages[0]["response"] == "utter_level_suits"


async def test_a_newly_named_level_wins_over_context():
    messages, events = await run(ActionExplainLevel(), tracker("ask_level_schedule", ["IOP"], slot="residential"))
    assert "five days a week" in messages[0]["text"]
    assert events == [SlotSet("level_of_care", "intensive_outpatient"), SlotSet("level_aspect", "schedule")]


async def test_no_level_anywhere_asks_which_with_a_button_per_level():
    messages, events = await run(ActionExplainLevel(), tracker("ask_level_schedule"))
    assert "Which level" in messages[0]["text"]
    payloads = [button["payload"] for button in messages[0]["buttons"]]
    assert payloads[2] == '/ask_level_schedule{"level_of_care": "intensive_outpatient"}'
    assert len(payloads) == 6 and events == [SlotSet("level_aspect", "schedule")]


async def test_a_gap_in_the_guide_is_admitted_with_the_phone_number():
    messages, _ = await run(ActionExplainLevel(), tracker("ask_level_suitability", ["partial hospitalization"]))
    text = messages[0]["text"]
    assert "doesn't say" in text and knowledge.clinic().phone in text


async def test_overview_lists_all_six_from_least_to_most_intensive():
    messages, _ = await run(ActionListLevels(), tracker("ask_levels_overview"))
    text = messages[0]["text"]
    positions = [text.index(level.name) for level in knowledge.levels()]
    assert positions == sorted(positions)


async def test_comparison_of_two_named_levels_comes_from_the_table():
    messages, events = await run(ActionCompareLevels(), tracker("compare_levels", ["IOP", "PHP"]))
    text = messages[0]["text"]
    assert "Partial hospitalization services (PHP) is the more intensive" in text
    assert "five days a week" in text and "seven days a week" in text
    assert events == [SlotSet("level_of_care", "partial_hospitalization"), SlotSet("level_compared", "intensive_outpatient")]


async def test_comparison_with_the_level_in_context():
    messages, _ = await run(ActionCompareLevels(), tracker("compare_levels", ["residential"], slot="intensive_outpatient"))
    text = messages[0]["text"]
    assert text.startswith("**IOP vs residential treatment**")
    assert "Residential services is the more intensive" in text


async def test_the_difference_asked_after_two_levels_compares_those_two():
    asked = tracker("compare_levels")
    asked.latest_message["text"] = "diff"
    asked.events[:0] = [{"event": "slot", "name": "level_of_care", "value": "partial_hospitalization"},
                        {"event": "user", "text": "php?"},
                        {"event": "slot", "name": "level_of_care", "value": "intensive_outpatient"},
                        {"event": "user", "text": "iop"}]
    messages, _ = await run(ActionCompareLevels(), asked)
    assert messages[0]["text"].startswith("**Partial hospitalization vs IOP**")


async def test_comparison_missing_a_side_asks_for_it():
    messages, _ = await run(ActionCompareLevels(), tracker("compare_levels", ["detox"]))
    assert "compare with medically managed detox" in messages[0]["text"]
    assert all("medically_managed_inpatient" not in b["payload"] for b in messages[0]["buttons"])


async def test_every_pair_of_levels_can_be_compared():
    levels = knowledge.levels()
    for first in levels:
        for second in levels:
            if first == second:
                continue
            messages, _ = await run(ActionCompareLevels(), tracker("compare_levels", [first.id, second.id]))
            assert "more intensive" in messages[0]["text"]


async def test_a_follow_up_naming_only_a_level_asks_the_last_aspect_again():
    follow_up = tracker("inform_level", ["php"], slot="intensive_outpatient")
    follow_up.slots["level_aspect"] = "living"
    messages, events = await run(ActionExplainLevel(), follow_up)
    assert messages[0]["response"] == "utter_level_living"
    assert "you can live at home" in messages[0]["text"]
    assert events == [SlotSet("level_of_care", "partial_hospitalization"), SlotSet("level_aspect", "living")]


async def test_mental_health_alongside_substance_use_gets_whom_iop_suits():
    messages, _ = await run(ActionExplainLevel(), tracker("ask_dual_diagnosis", [], slot="intensive_outpatient"))
    assert messages[0]["response"] == "utter_level_suits"
    assert "mental health disorder" in messages[0]["text"]


async def test_detox_is_followed_by_the_warning_against_detoxing_alone():
    messages, _ = await run(ActionExplainLevel(), tracker("ask_level_info", ["detox"]))
    assert [m["response"] for m in messages] == ["utter_level_info", "utter_detox_alone"]
    assert "strongly discouraged" in messages[1]["text"]


async def test_next_level_up_and_down_from_the_level_in_context():
    from actions.answers import ActionNextLevel

    up = tracker("ask_next_level", [], slot="intensive_outpatient")
    messages, events = await run(ActionNextLevel(), up)
    assert messages[0]["response"] == "utter_level_above" and "Partial hospitalization" in messages[0]["text"]
    down = tracker("ask_next_level", [], slot="intensive_outpatient")
    down.latest_message["text"] = "what's the step down from that?"
    messages, _ = await run(ActionNextLevel(), down)
    assert messages[0]["response"] == "utter_level_below" and "Outpatient services" in messages[0]["text"]
    top = tracker("ask_next_level", [], slot="medically_managed_inpatient")
    messages, _ = await run(ActionNextLevel(), top)
    assert messages[0]["response"] == "utter_level_highest"


async def test_which_one_after_a_comparison_compares_the_same_two_again():
    follow_up = tracker("compare_levels", [], slot="partial_hospitalization")
    follow_up.slots["level_compared"] = "intensive_outpatient"
    messages, _ = await run(ActionCompareLevels(), follow_up)
    assert messages[0]["response"] == "utter_compare_levels"
    assert "five days a week" in messages[0]["text"] and "seven days a week" in messages[0]["text"]


async def test_the_level_asked_about_is_the_one_in_the_question_not_one_told_of_before_it():
    text = "My son has been in and out of rehab. What does partial hospitalization involve?"
    entities = [{"entity": "level_of_care", "value": "rehab", "start": 30, "end": 35},
                {"entity": "level_of_care", "value": "partial hospitalization", "start": 47, "end": 70}]
    asked = Tracker(
        sender_id="unit", slots={}, events=[{"event": "user", "text": text}], paused=False, followup_action=None,
        latest_message={"intent": {"name": "ask_level_info", "confidence": 0.9}, "entities": entities, "text": text},
        active_loop={}, latest_action_name="action_listen",
    )
    assert text[30:35] == "rehab" and text[47:70] == "partial hospitalization"
    _, events = await run(ActionExplainLevel(), asked)
    assert SlotSet("level_of_care", "partial_hospitalization") in events
