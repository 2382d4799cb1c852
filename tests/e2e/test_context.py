"""Follow-up questions answer about the level of care last talked about; what can't be placed is said plainly."""

import knowledge
from tests.e2e.turns import buttons, check_turn


def test_follow_ups_use_the_last_level(assistant, sender):
    assert "Partial hospitalization" in check_turn(assistant.say(sender, "tell me about partial hospitalization"))
    assert "seven days a week" in check_turn(assistant.say(sender, "how many days a week is that?"))
    assert "live at home" in check_turn(assistant.say(sender, "can I live at home during it?"))
    assert "Residential" in check_turn(assistant.say(sender, "how is that different from residential?"))
    # The comparison moved the context on to residential.
    assert "live at the treatment centre" in check_turn(assistant.say(sender, "so would i sleep at home?"))


def test_iop_topics_set_iop_as_the_context(assistant, sender):
    check_turn(assistant.say(sender, "what coping skills would I learn?"))
    assert "five days a week" in check_turn(assistant.say(sender, "and how many days a week is it?"))


def test_a_level_named_in_a_question_the_guide_cant_answer_is_the_context(assistant, sender):
    # "How many weeks?" gets the honest answer; the IOP it named is still what "that" is.
    assert "admissions" in check_turn(assistant.say(sender, "how many weeks does the IOP last?"))
    assert "five days a week" in check_turn(assistant.say(sender, "and how many hours a day is that"))


def test_follow_up_with_no_context_asks_which_level(assistant, sender):
    reply = assistant.say(sender, "how many days a week is it?")
    assert "Which level" in check_turn(reply)
    php = next(b["payload"] for b in buttons(reply) if "partial_hospitalization" in b["payload"])
    assert "seven days a week" in check_turn(assistant.say(sender, php))


def test_two_step_fallback(assistant, sender):
    first = assistant.say(sender, "blorp zibble quux vrrm")
    # Words the assistant doesn't understand may be a crisis it doesn't recognise: where help is, every time.
    assert "say it another way" in check_turn(first) and "988" in check_turn(first) and "911" in check_turn(first)
    assert len(buttons(first)) >= 3
    second = assistant.say(sender, "zxqv plokij mnbv")
    text = check_turn(second)
    assert "still don't understand" in text and "988" in text
    assert "/request_callback" in [b["payload"] for b in buttons(second)]
    # "yes" accepts the callback offer: the callback form starts.
    assert "What name" in check_turn(assistant.say(sender, "yes"))


def test_a_question_nothing_placed_gets_the_honest_answer_with_the_lines(assistant, sender):
    # The payload stands for what intent_classifier/unplaced_questions.py makes of "ok what about
    # payment plans" when the classifier can't place it (tests/unit/test_unplaced_questions.py).
    reply = assistant.say(sender, "/ask_unplaced")
    text = check_turn(reply)
    assert [m.get("response") for m in reply] == ["utter_unplaced_question", "utter_offer_callback"]
    assert "guide doesn't cover" in text and knowledge.clinic().phone in text
    # The lines too, as in "say it another way?": a question nobody placed may hide a danger.
    assert knowledge.crisis_sentence() in text and "say it another way" not in text


def test_an_iop_topic_asked_back_about_another_level_answers_for_that_level(assistant, sender):
    check_turn(assistant.say(sender, "what is residential treatment?"))
    assert "Residential" in check_turn(assistant.say(sender, "is there yoga there?"))
    # and the context stays on residential
    assert "live at the treatment centre" in check_turn(assistant.say(sender, "would she sleep there?"))


def test_an_iop_topic_without_a_pointer_back_is_about_the_iop(assistant, sender):
    check_turn(assistant.say(sender, "what is residential treatment?"))
    assert "Residential" not in check_turn(assistant.say(sender, "what coping skills are taught in an intensive outpatient program?"))
