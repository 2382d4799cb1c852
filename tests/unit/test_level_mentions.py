"""Misspelt or described levels of care are still recognised; English words are never "corrected" into one."""
import pytest

from intent_classifier.level_mentions import levels_described, levels_named_by_place, misspelt_levels


@pytest.mark.parametrize(
    "text, level",
    [
        ("partail hospitilization", "partial_hospitalization"),
        ("what about resedential", "residential"),
        ("intensive outpatinet program", "intensive_outpatient"),
        ("residental treatmnt?", "residential"),
    ],
)
def test_a_misspelt_level_becomes_an_entity(text, level):
    found = misspelt_levels(text)
    assert [entity["value"] for entity in found] == [level]
    assert text[found[0]["start"] : found[0]["end"]].split()[0] in text


@pytest.mark.parametrize("text", ["is the patient ok", "my outpatient", "I was resident there", "hospital bills"])
def test_correct_or_unrelated_words_are_left_alone(text):
    assert misspelt_levels(text) == []


@pytest.mark.parametrize(
    "text, level",
    [
        ("the one where you live there, what happens", "residential"),
        ("whats the program where u stay overnight", "residential"),
        ("ok what's the program where you go 3 days a week", "intensive_outpatient"),
        ("the level where you go seven days a week", "partial_hospitalization"),
        ("the one where nurses watch you while you come off the pills", "medically_managed_inpatient"),
        ("the one that happens at your doctor's office", "early_intervention"),
    ],
)
def test_a_level_described_by_what_the_guide_says_of_it_becomes_an_entity(text, level):
    assert [entity["value"] for entity in levels_described(text)] == [level]


@pytest.mark.parametrize("text", ["would he live there?", "the one with yoga", "the place where you go all day",
                                  "a program that works", "is there a program where I don't have to stay overnight?",
                                  "the one where you live at home and go there during the day"])
def test_what_the_guide_does_not_say_describes_no_level(text):
    assert levels_described(text) == []


def parsed(text, intent, entities):
    from rasa.shared.nlu.training_data.message import Message

    from intent_classifier.level_mentions import LevelMentions

    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities})
    LevelMentions().process([message])
    return message.get("intent")["name"]


def test_an_iop_topic_asked_about_another_level_is_about_that_level():
    residential = [{"entity": "level_of_care", "value": "residential", "start": 14, "end": 25}]
    assert parsed("is there yoga residential", "ask_coping_skills", residential) == "ask_level_info"


def test_an_iop_topic_about_iop_stays_as_it_is():
    iop = [{"entity": "level_of_care", "value": "IOP", "start": 0, "end": 3}]
    assert parsed("IOP therapies?", "ask_iop_therapies", iop) == "ask_iop_therapies"


def test_a_fallback_that_names_a_level_asks_about_it():
    php = [{"entity": "level_of_care", "value": "php", "start": 4, "end": 7}]
    assert parsed("and php?", "nlu_fallback", php) == "inform_level"


@pytest.mark.parametrize("text", ["ok what about insurance", "what about vaping?", "and parking"])
def test_what_about_something_that_is_no_level_gets_the_honest_answer(text):
    assert parsed(text, "inform_level", []) == "ask_admissions_info"


@pytest.mark.parametrize("text", ["and that one?", "what about there", "same for the other level?"])
def test_what_about_a_level_pointed_back_at_stays_a_follow_up(text):
    assert parsed(text, "inform_level", []) == "inform_level"


@pytest.mark.parametrize(
    "text, intent, expected",
    [
        ("whats the most intense one", "ask_levels_overview", ("ask_level_info", "medically_managed_inpatient")),
        ("which one is the least intensive", "compare_levels", ("ask_level_info", "early_intervention")),
        ("the 5th one, do you live there", "ask_level_living", ("ask_level_living", "residential")),
        ("tell me about the second one", "nlu_fallback", ("ask_level_info", "outpatient")),
        ("what's the lowest level", "nlu_fallback", ("ask_level_info", "early_intervention")),
        ("how many days is the most intensive level", "ask_level_schedule", ("ask_level_schedule", "medically_managed_inpatient")),
    ],
)
def test_the_least_and_the_most_intensive_name_the_ends_of_the_table(text, intent, expected):
    from rasa.shared.nlu.training_data.message import Message

    from intent_classifier.level_mentions import LevelMentions

    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []})
    LevelMentions().process([message])
    assert (message.get("intent")["name"], [e["value"] for e in message.get("entities")][0]) == expected


def test_a_crisis_naming_a_level_by_place_stays_a_crisis():
    from rasa.shared.nlu.training_data.message import Message

    from intent_classifier.level_mentions import LevelMentions

    message = Message(data={"text": "this is the most serious i have ever been about it", "intent": {"name": "crisis", "confidence": 0.9}, "entities": []})
    LevelMentions().process([message])
    assert message.get("intent")["name"] == "crisis"


@pytest.mark.parametrize("text", ["whats the lowest one", "and the least intensive option?"])
def test_the_lowest_one_is_the_first_level(text):
    assert [e["value"] for e in levels_named_by_place(text)] == ["early_intervention"]


@pytest.mark.parametrize("text", ["he drinks at least one bottle of wine a night", "at most one beer, he says"])
def test_at_least_or_most_one_names_no_level(text):
    assert levels_named_by_place(text) == []


def test_most_and_least_without_a_level_word_name_nothing():
    from intent_classifier.level_mentions import levels_named_by_place

    assert levels_named_by_place("what do most people do after iop") == []
    assert levels_named_by_place("at least tell me the schedule") == []
    assert levels_named_by_place("my first time in treatment, is the 7th level real?") == []


@pytest.mark.parametrize("text, level", [("and the most?", "medically_managed_inpatient"), ("and the least", "early_intervention"),
                                         ("the 4th", "partial_hospitalization"), ("what about the second one?", "outpatient"),
                                         ("whats the most supervised one", "medically_managed_inpatient")])
def test_a_place_said_alone_after_a_list_names_that_level(text, level):
    assert [e["value"] for e in levels_named_by_place(text)] == [level]


@pytest.mark.parametrize("text", ["can i start on the 4th", "most days he drinks", "the second time he relapsed",
                                  "do you take most medical insurance"])
def test_a_place_inside_a_sentence_names_no_level(text):
    assert levels_named_by_place(text) == []


@pytest.mark.parametrize("text, start, end", [("do you have residential", 12, 23), ("do you guys do detox", 15, 20),
                                              ("can he come to you for detox", 23, 28)])
def test_asked_whether_the_centre_has_a_level_is_asked_what_it_is(text, start, end):
    named = [{"entity": "level_of_care", "value": text[start:end], "start": start, "end": end}]
    assert parsed(text, "ask_admissions_info", named) == "ask_level_info"


@pytest.mark.parametrize("text, name", [("do you have an outpatient program in orlando", "outpatient"),
                                        ("do you provide transportation to IOP? i lost my license", "IOP"),
                                        ("after residential do you have sober living", "residential"),
                                        ("do you have IOP in Spanish?", "IOP")])
def test_a_question_about_something_else_that_names_a_level_stays_honest(text, name):
    assert parsed(text, "ask_admissions_info", levels(text, name)) == "ask_admissions_info"


def test_a_question_about_a_level_the_guide_does_not_answer_stays_honest():
    iop = [{"entity": "level_of_care", "value": "iop", "start": 20, "end": 23}]
    assert parsed("does insurance cover iop", "ask_admissions_info", iop) == "ask_admissions_info"
    both = [{"entity": "level_of_care", "value": "iop", "start": 12, "end": 15},
            {"entity": "level_of_care", "value": "php", "start": 20, "end": 23}]
    assert parsed("do you have iop and php at night", "ask_admissions_info", both) == "ask_admissions_info"


def levels(text, *names):
    found = []
    for name in names:
        start = text.lower().index(name.lower())
        found.append({"entity": "level_of_care", "value": name, "start": start, "end": start + len(name)})
    return found


@pytest.mark.parametrize("text, intent, names", [
    ("how many days a week is outpatient vs IOP", "ask_level_schedule", ("outpatient", "IOP")),
    ("who should go to residential instead of iop", "ask_level_suitability", ("residential", "iop")),
    ("my boyfriend uses fentanyl. does he need detox or IOP", "ask_level_suitability", ("detox", "IOP")),
    ("whats the difference in how many days", "ask_level_schedule", ()),
])
def test_levels_compared_are_compared_whatever_aspect_the_classifier_heard(text, intent, names):
    assert parsed(text, intent, levels(text, *names)) == "compare_levels"


@pytest.mark.parametrize("text, intent, names", [
    ("how many days a week is iop", "ask_level_schedule", ("iop",)),
    ("is there a difference in cost between iop and php", "ask_admissions_info", ("iop", "php")),
    ("does iop let you live at home or stay there", "ask_level_living", ("iop",)),
    ("is iop different for teens", "ask_level_suitability", ("iop",)),
    ("does it make a difference if i work nights", "ask_level_schedule", ()),
])
def test_one_level_or_a_question_the_guide_does_not_answer_is_not_a_comparison(text, intent, names):
    assert parsed(text, intent, levels(text, *names)) == intent
