"""The callback form's validation action and the digression answers, on real rasa-sdk trackers."""
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import IOP_TOPIC_RESPONSES, RESPONSE_ANSWERS
from actions.callback import MAX_PHONE_ATTEMPTS, NO_NAME, ValidateCallbackForm, clean_name
from answer_words.questions import UNPLACED_INTENT
from tests.responses import render

ROOT = Path(__file__).resolve().parents[2]


def tracker(requested, text="...", intent="nlu_fallback", confidence=0.3, **slots):
    return Tracker(
        sender_id="unit",
        slots={"requested_slot": requested, **slots},
        latest_message={"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": "callback_form"},
        latest_action_name="action_listen",
    )


async def validate(slot, value, **kwargs):
    dispatcher = CollectingDispatcher()
    method = getattr(ValidateCallbackForm(), f"validate_{slot}")
    result = await method(value, dispatcher, tracker(slot, text=str(value), **kwargs), {})
    return result, [m.get("response") or m.get("text") for m in dispatcher.messages]


@pytest.mark.parametrize("typed, kept", [("  Sam   Rivera ", "Sam Rivera"), ("Zoë O'Neil-Smith", "Zoë O'Neil-Smith"), ("李雷", "李雷"), ("J. R.", "J. R."),
                                         ("Siobhan O'Leary, S-I-O-B-H-A-N", "Siobhan O'Leary"), ("Niamh, n i a m h", "Niamh"),
                                         # A spelling of a word that isn't in the name is kept, not dropped.
                                         ("Siobhan, O-L-E-A-R-Y", "Siobhan, O-L-E-A-R-Y"),
                                         # What follows a name after a comma or in quotes is the staff's to read.
                                         ("Rick Barrera, Barrera Roofing", "Rick Barrera, Barrera Roofing"),
                                         ('Guadalupe "Lupe" Ortiz', 'Guadalupe "Lupe" Ortiz')])
def test_names_are_kept_tidy(typed, kept):
    assert clean_name(typed) == kept


@pytest.mark.parametrize("typed", ["", "   ", "42", "<b>Sam</b>", "x" * 61, "Sam_1", "🙂",
                                   # A list of answers that are no name.
                                   "morning, afternoon", "yes, evenings"])
def test_bad_names_are_refused(typed):
    assert clean_name(typed) is None


async def test_a_bare_number_at_the_name_question_is_kept_and_the_name_asked_again_without_a_scolding():
    result, messages = await validate("callback_name", "760 555 0123")
    assert result == {"callback_name": None, "callback_phone": "+17605550123", "callback_phone_attempts": 0}
    assert messages == ["utter_callback_number_noted"]


async def test_a_third_answer_with_no_name_goes_on_without_one_instead_of_asking_for_ever():
    result, messages = await validate("callback_name", "now")
    assert result == {"callback_name": None, "callback_name_attempts": 1}
    assert messages == ["utter_callback_name_invalid"]
    result, messages = await validate("callback_name", "12345", callback_name_attempts=1)
    assert result == {"callback_name": None, "callback_name_attempts": 2}
    result, messages = await validate("callback_name", "he is 24", callback_name_attempts=2)
    assert result == {"callback_name": NO_NAME, "callback_name_attempts": 0}
    assert "when they call" in render({"response": messages[0]})


async def test_a_fact_about_someone_is_no_question_about_the_centre_even_when_the_classifier_is_sure():
    # "he is 24" sounds to the classifier like the start of a question about teenagers (0.85).
    result, messages = await validate("callback_name", "he is 24", intent="ask_admissions_info", confidence=0.85)
    assert result == {"callback_name": None, "callback_name_attempts": 1}
    assert messages == ["utter_callback_name_invalid"]


async def test_a_name_is_a_name_whatever_the_classifier_makes_of_it():
    result, messages = await validate("callback_name", "Darnell Price", intent="ask_admissions_info", confidence=0.95)
    assert result == {"callback_name": "Darnell Price"} and messages == []


async def test_rather_not_giving_a_name_goes_on_without_one():
    result, messages = await validate("callback_name", "rather not say", intent="skip", confidence=0.9)
    assert result == {"callback_name": NO_NAME}
    assert messages == []


async def test_valid_phone_is_stored_normalised_and_resets_the_count():
    result, messages = await validate("callback_phone", "619.555.0123", callback_phone_attempts=1)
    assert result == {"callback_phone": "+16195550123", "callback_phone_attempts": 0}
    assert messages == []


async def test_bad_phone_counts_attempts_and_explains_once():
    result, messages = await validate("callback_phone", "abc")
    assert result == {"callback_phone": None, "callback_phone_attempts": 1}
    assert "area code" in render({"response": messages[0]})
    result, messages = await validate("callback_phone", "abc", callback_phone_attempts=MAX_PHONE_ATTEMPTS - 1)
    assert result["callback_phone_attempts"] == MAX_PHONE_ATTEMPTS and messages == []


async def test_the_form_ends_after_too_many_bad_numbers():
    form = ValidateCallbackForm()
    slots = ["callback_name", "callback_phone"]
    assert await form.required_slots(slots, CollectingDispatcher(), tracker("callback_phone"), {}) == slots
    spent = tracker("callback_phone", callback_phone_attempts=MAX_PHONE_ATTEMPTS)
    assert await form.required_slots(slots, CollectingDispatcher(), spent, {}) == []


async def test_consent_comes_from_yes_or_no_only():
    assert (await validate("callback_consent", "sure", intent="affirm", confidence=0.9))[0] == {"callback_consent": "yes"}
    assert (await validate("callback_consent", "nope", intent="deny", confidence=0.9))[0] == {"callback_consent": "no"}
    result, messages = await validate("callback_consent", "purple", intent="out_of_scope", confidence=0.5)
    assert result == {"callback_consent": None} and "yes or no" in render({"response": messages[0]})


async def test_nothing_to_add_is_an_answer():
    assert (await validate("callback_note", "Nothing to add"))[0] == {"callback_note": "-"}
    assert (await validate("callback_note", "call after 5"))[0] == {"callback_note": "call after 5"}


async def test_a_confident_guide_question_is_answered_and_the_slot_asked_again():
    result, messages = await validate("callback_name", "what coping skills are taught?", intent="ask_coping_skills", confidence=0.95)
    assert result == {"callback_name": None}
    assert messages == ["utter_coping_skills"]


def test_digression_answers_match_the_rules():
    pairs = {}
    for path in (ROOT / "data" / "rules").glob("*.yml"):
        for rule in yaml.safe_load(path.read_text()).get("rules", []):
            steps = rule["steps"]
            if len(steps) >= 2 and "intent" in steps[0] and "action" in steps[1] and "condition" not in rule:
                pairs.setdefault(steps[0]["intent"], steps[1]["action"])
    for intent, response in RESPONSE_ANSWERS.items():
        assert pairs.get(intent) == response, intent
    for intent in IOP_TOPIC_RESPONSES:  # the IOP's answer, or the level in context (answer_iop_topic)
        assert pairs.get(intent) == "action_answer_iop_topic", intent
    assert pairs["ask_human"] == "action_offer_a_person"  # which mid-form answers with its reply_for_a_person


@pytest.mark.parametrize("typed, kept", [
    ("it's Dana", "Dana"), ("my name is Dana Ruiz", "Dana Ruiz"), ("Hi, I'm Sam", "Sam"),
    # Words said on the way to the name.
    ("sorry, Lupe", "Lupe"), ("lol fine, Chidi", "Chidi"), ("ok whatever, Dmitri Volkov", "Dmitri Volkov"),
    # The person to call, when it is someone else.
    ("her name is Gloria", "Gloria"), ("his name is Luis Ortega", "Luis Ortega"), ("soy Carmen", "Carmen"),
    ("you can call me Mo", "Mo"), ("its Ana", "Ana"), ("Everyone calls me Lil Pete", "Lil Pete"),
    # What people add after a name that is no part of it.
    ("Linda Park (daughter)", "Linda Park"), ("Monica Reyes, LCSW", "Monica Reyes"), ("John Miller here", "John Miller"),
])
def test_a_name_introduced_in_a_sentence_is_kept_without_the_introduction(typed, kept):
    assert clean_name(typed) == kept


@pytest.mark.parametrize("typed", ["afternoon", "yes", "idk", "Morning", "it's for my son", "I am not sure", "sorry", "lol",
                                   "its me lol", "whenever i dont care", "he is 24"])
def test_answers_that_are_no_name_are_asked_again(typed):
    assert clean_name(typed) is None


async def test_a_name_signed_after_a_sentence_is_read():
    assert (await validate("callback_name", "call me, I'm her brother. Ray"))[0] == {"callback_name": "Ray"}
    assert (await validate("callback_name", "I'm not sure. Maybe later"))[0]["callback_name"] is None
    assert (await validate("callback_name", "I don't want to say. No thanks"))[0]["callback_name"] is None


async def test_a_number_with_a_word_in_brackets_is_read():
    result = (await validate("callback_phone", "415 555 0132 (cell)"))[0]
    assert result == {"callback_phone": "+14155550132", "callback_phone_attempts": 0}


async def test_skipping_the_note_leaves_it_empty_and_skipping_the_time_means_no_preference():
    assert (await validate("callback_note", "skip this one", intent="skip", confidence=0.9))[0] == {"callback_note": "-"}
    assert (await validate("callback_best_time", "pass", intent="skip", confidence=0.9))[0] == {
        "callback_best_time": "no preference"}
    # A longer message the classifier took for a skip is a note: nothing is lost.
    for note in ("please don't call before 5, and skip the voicemail, my wife checks it", "skip voicemail, my wife checks it"):
        assert (await validate("callback_note", note, intent="skip", confidence=0.6))[0] == {"callback_note": note}
    assert (await validate("callback_best_time", "skip mornings", intent="skip", confidence=0.6))[0] == {
        "callback_best_time": "skip mornings"}


async def test_a_name_and_a_number_in_one_message_fill_both_answers():
    result, messages = await validate("callback_name", "it's Dana 619.555.0142")
    assert result == {"callback_name": "Dana", "callback_phone": "+16195550142", "callback_phone_attempts": 0}
    assert messages == []


@pytest.mark.parametrize("typed, name", [
    ("my name is Marisol and my number is 626-555-0184", "Marisol"),
    ("my cell is 626 555 0184 and my name is Marisol Ortega", "Marisol Ortega"),
    ("My name Marisol, phone 626.555.0184", "Marisol"),
])
async def test_a_name_and_a_number_said_in_a_sentence_fill_both_answers(typed, name):
    result, messages = await validate("callback_name", typed)
    assert result == {"callback_name": name, "callback_phone": "+16265550184", "callback_phone_attempts": 0}
    assert messages == []


async def test_a_number_given_before_it_was_asked_for_is_kept():
    form = ValidateCallbackForm()
    latest = tracker("callback_best_time", text="sure, call me at (858) 555 0199")
    assert await form.extract_callback_phone(CollectingDispatcher(), latest, {}) == {"callback_phone": "+18585550199"}


@pytest.mark.parametrize("typed", ["ok. 760-555-0145", "My number is (760) 555-0145."])
async def test_a_number_inside_a_sentence_is_read(typed):
    assert (await validate("callback_phone", typed))[0] == {"callback_phone": "+17605550145", "callback_phone_attempts": 0}


async def test_a_question_is_answered_at_a_lower_confidence_than_a_bare_answer():
    question = await validate("callback_phone", "will this stay private?", intent="ask_admissions_info", confidence=0.6)
    assert question == ({"callback_phone": None}, ["utter_admissions_info"])


async def test_a_time_is_taken_as_the_best_time_even_if_it_reads_like_a_question():
    assert (await validate("callback_best_time", "after 3", intent="ask_after_iop", confidence=0.9))[0] == {
        "callback_best_time": "after 3"
    }
    # A time said unsurely, with a question mark: still the time, not a question about hours.
    assert (await validate("callback_best_time", "idk, around 3?", intent="ask_admissions_info", confidence=0.9)) == (
        {"callback_best_time": "idk, around 3?"}, [])
    assert (await validate("callback_best_time", "school hours", intent="ask_level_schedule", confidence=0.9))[0] == {
        "callback_best_time": "school hours"}
    # A short question is still a question, answered, and the time asked again.
    assert (await validate("callback_best_time", "are you open on weekends?", intent="ask_admissions_info",
                           confidence=0.9)) == ({"callback_best_time": None}, ["utter_admissions_info"])


@pytest.mark.parametrize("typed", ["six one nine, five five five, zero one two three", "Six one nine 555 zero one two three."])
async def test_a_number_said_in_words_is_read(typed):
    assert (await validate("callback_phone", typed))[0] == {"callback_phone": "+16195550123", "callback_phone_attempts": 0}


@pytest.mark.parametrize("typed, name", [
    ("call me please, Jean-Baptiste Ngata, 206 555 0117", "Jean-Baptiste Ngata"),
    ("ok whatever call me then. Dwayne 559-555-0104", "Dwayne"),
    ("call me at 206 555 0117", None),
    ("my son Kevin needs help, call 206 555 0117", None),
    # Signed after the request, or introduced as someone else's.
    ("call me pls - Lisa", "Lisa"), ("ok just call me then, Jessica", "Jessica"),
    ("fair enough. can someone call her? Her name's Tessa", "Tessa"),
    ("please call me, name's Owen, number 619 777 1203", "Owen"),
    ("my son's name is Kevin, please call me at 619 777 1203", None),
    ("call me. Thanks", None), ("can you call me? Evenings", None), ("call me, Please", None),
    # "im" as phones type "I'm".
    ("ok please call me, im Rosa 213-555-0175", "Rosa"), ("im scared, call me at 213-555-0175", None),
])
async def test_a_name_written_just_before_the_number_in_a_request_is_kept(typed, name):
    found = await ValidateCallbackForm().extract_callback_name(CollectingDispatcher(), tracker(None, text=typed), {})
    assert found == ({"callback_name": name} if name else {})


@pytest.mark.parametrize("typed, when", [
    ("call me pls. Mia 555 400 1122 mornings", "mornings"),
    ("I'd like a callback. Teresa Lin, 626 555 0190, evenings", "evenings"),
    ("call me back please, this is Greg, 619 310 7722, anytime after lunch", "anytime after lunch"),
    ("Please call me: Rosa Delgado, 619-301-6677, weekday mornings. It's about my son.", "weekday mornings"),
    ("call me at 619 310 7722 after 5 p.m. thanks", "after 5 p.m"),
    ("call me at 619 310 7722", None),
    ("call me at 619 310 7722, is that ok?", None),
    ("call me at 619 310 7722, my son needs help", None),
])
async def test_a_time_said_after_the_number_is_kept(typed, when):
    found = await ValidateCallbackForm().extract_callback_best_time(CollectingDispatcher(), tracker(None, text=typed), {})
    assert found == ({"callback_best_time": when} if when else {})


async def test_a_time_said_with_the_number_is_held_to_the_same_bounds():
    assert (await validate("callback_best_time", "after <b>5</b>", requested_slot="callback_name"))[0] == {
        "callback_best_time": None
    }


async def test_a_time_said_with_the_number_at_the_phone_question_is_no_mistake():
    result, messages = await validate("callback_phone", "(442) 555-0190, I'm at work till 5 so after that")
    assert result == {"callback_phone": "+14425550190", "callback_phone_attempts": 0} and messages == []


async def test_a_question_placed_only_by_its_shape_is_answered_at_the_name_question():
    # intent_classifier/unplaced_questions.py gives such a question its own intent at the fallback's confidence.
    result, messages = await validate("callback_name", "do I have to give my real name?", intent=UNPLACED_INTENT)
    assert result == {"callback_name": None} and messages == ["utter_unplaced_question"]
    # A name is no question, whatever the classifier made of it.
    result, messages = await validate("callback_name", "Hope", intent=UNPLACED_INTENT)
    assert result == {"callback_name": "Hope"} and messages == []


async def test_a_number_said_with_a_question_is_taken_first():
    result, messages = await validate("callback_phone", "it's 619 555 0123, is that ok?", intent=UNPLACED_INTENT)
    assert result == {"callback_phone": "+16195550123", "callback_phone_attempts": 0} and messages == []


async def test_thanks_at_the_name_question_is_acknowledged_but_a_name_like_ty_is_a_name():
    result, messages = await validate("callback_name", "thx", intent="thank", confidence=0.95)
    assert result == {"callback_name": None} and messages == ["utter_you_are_welcome_in_form"]
    result, messages = await validate("callback_name", "Ty", intent="thank", confidence=0.95)
    assert result == {"callback_name": "Ty"} and messages == []
    result, messages = await validate("callback_phone", "cheers pal", intent="thank", confidence=0.9)
    assert result["callback_phone"] is None and messages == ["utter_you_are_welcome_in_form"]
    # Thanks with the answer is the answer.
    result, messages = await validate("callback_name", "Thanks so much. Derek", intent="thank", confidence=1.0)
    assert result == {"callback_name": "Derek"} and messages == []
    result, messages = await validate("callback_phone", "thanks, it's 619 555 0123", intent="thank", confidence=0.9)
    assert result == {"callback_phone": "+16195550123", "callback_phone_attempts": 0} and messages == []


async def test_a_number_buried_in_punctuation_and_an_emoji_is_asked_again_at_once():
    # Nested repeats in the check of the words around a number once made this take hours.
    result, messages = await validate("callback_phone", "it's 619 555 0123, is that ok" + "?" * 40 + " 📞")
    assert result == {"callback_phone": None, "callback_phone_attempts": 1} and messages == ["utter_callback_phone_invalid"]


async def test_a_number_after_a_question_of_ones_own_is_taken():
    result, messages = await validate("callback_phone", "i don't have a phone rn, can i use my friend's? 323 555 0175")
    assert result == {"callback_phone": "+13235550175", "callback_phone_attempts": 0} and messages == []


async def test_a_name_introduced_before_the_question_is_kept():
    form = ValidateCallbackForm()
    latest = tracker(None, text="My name is Harold Jensen. Could someone call me about my wife?")
    assert await form.extract_callback_name(CollectingDispatcher(), latest, {}) == {"callback_name": "Harold Jensen"}


async def test_a_long_note_that_starts_with_no_is_kept():
    assert (await validate("callback_note", "no, but please call after 5"))[0] == {"callback_note": "no, but please call after 5"}
    assert (await validate("callback_note", "nope"))[0] == {"callback_note": "-"}


@pytest.mark.parametrize("typed, answer", [("Yes, that is fine.", "yes"), ("nope", "no")])
async def test_consent_is_read_from_the_first_words(typed, answer):
    assert (await validate("callback_consent", typed))[0] == {"callback_consent": answer}


@pytest.mark.parametrize("typed", ["On reflection, no. I'd rather phone you myself.", "actually, no thank you"])
async def test_a_no_after_a_lead_in_declines_consent(typed):
    assert (await validate("callback_consent", typed))[0] == {"callback_consent": "no"}


async def test_a_question_at_the_best_time_is_answered_not_taken_as_a_time():
    result, messages = await validate(
        "callback_best_time", "before we go on, how do I reach admissions?", intent="ask_contact", confidence=0.9
    )
    assert result == {"callback_best_time": None}
    assert messages == ["utter_contact"]


async def test_a_time_asked_as_a_question_is_still_a_time():
    assert (await validate("callback_best_time", "after 5?"))[0] == {"callback_best_time": "after 5?"}


def form_domain():
    return yaml.safe_load((ROOT / "domain.yml").read_text())


def answered(asked, typed, intent="deny", confidence=0.6):
    """The form's question `asked`, answered with `typed`: the candidate Rasa extracted from the text."""
    latest = tracker(asked, text=typed, intent=intent, confidence=confidence)
    latest.slots[asked] = typed
    latest.events += [{"event": "user", "text": typed}, {"event": "slot", "name": asked, "value": typed}]
    return latest


@pytest.mark.parametrize("asked, typed", [
    ("callback_name", "nah not now"), ("callback_name", "no wait, not now"), ("callback_phone", "no actually not now"),
    ("callback_phone", "Actually I'm sorry, I'm not ready for anyone to call me yet. Please don't call."),
    ("callback_best_time", "never mind"), ("callback_name", "forget it"),
])
async def test_not_now_instead_of_an_answer_calls_the_request_off(asked, typed):
    dispatcher = CollectingDispatcher()
    events = await ValidateCallbackForm().run(dispatcher, answered(asked, typed), form_domain())
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots[asked] is None and slots["callback_cancelled"] is True and slots["requested_slot"] is None
    assert dispatcher.messages == []  # the review says it (below), once


@pytest.mark.parametrize("asked, typed", [("callback_best_time", "don't call before noon"), ("callback_name", "Noor"),
                                          ("callback_phone", "not now, use 619 555 0123"),
                                          ("callback_best_time", "maybe later this week"),
                                          ("callback_best_time", "not now, after 5"),
                                          ("callback_phone", "i changed my mind about the number, use my cell instead")])
async def test_an_answer_that_only_sounds_like_not_now_is_an_answer(asked, typed):
    events = await ValidateCallbackForm().run(CollectingDispatcher(), answered(asked, typed), form_domain())
    assert not any(e.get("name") == "callback_cancelled" for e in events)


@pytest.mark.parametrize("intent, taken", [("crisis_likely", True), ("crisis_check_in", True), ("crisis", False)])
async def test_a_crisis_said_like_not_now_never_calls_the_request_off(intent, taken):
    typed = "actually forget it, no point, I won't be around by the time they call"
    latest = answered("callback_phone", typed, intent=intent) if taken else tracker("callback_phone", text=typed, intent=intent)
    events = await ValidateCallbackForm().run(CollectingDispatcher(), latest, form_domain())
    assert not any(e.get("name") == "callback_cancelled" for e in events)


async def test_the_review_of_a_request_called_off_says_nothing_was_sent_and_forgets_the_answers():
    from actions.callback import ActionCallbackReview

    dispatcher = CollectingDispatcher()
    latest = tracker(None, callback_cancelled=True, callback_name="Sam", callback_phone="+16195550123")
    events = await ActionCallbackReview().run(dispatcher, latest, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_callback_stopped"]
    assert {e["name"]: e["value"] for e in events}["callback_name"] is None
    assert {e["name"]: e["value"] for e in events}["callback_cancelled"] is False


async def test_ok_after_a_request_called_off_is_no_failed_save():
    from actions.callback import ActionSubmitCallback

    dispatcher = CollectingDispatcher()
    await ActionSubmitCallback().run(dispatcher, tracker(None, text="ok", intent="affirm", confidence=0.9), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_anything_else"]


async def test_at_the_note_question_only_a_sure_stop_calls_the_request_off():
    for typed in ("stop", "actually never mind, i don't want a call anymore"):
        events = await ValidateCallbackForm().run(CollectingDispatcher(), answered("callback_note", typed, "stop", 0.96),
                                                  form_domain())
        assert {e["name"]: e["value"] for e in events if e["event"] == "slot"}["callback_cancelled"] is True
    # "please don't leave a voicemail" is what the team should know.
    latest = answered("callback_note", "please don't leave a voicemail", "stop", 0.41)
    events = await ValidateCallbackForm().run(CollectingDispatcher(), latest, form_domain())
    assert {e["name"]: e["value"] for e in events if e["event"] == "slot"}["callback_note"] == "please don't leave a voicemail"
