"""How typed triage answers are read: who the help is for, yes / no / not sure, and answers without a yes."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.triage import ValidateTriageForm, who_was_mentioned
from tests.responses import render


def tracker(requested=None, text="...", intent="nlu_fallback", earlier=()):
    events = [{"event": "user", "text": said} for said in (*earlier, text)]
    return Tracker(
        sender_id="unit",
        slots={"requested_slot": requested},
        latest_message={"intent": {"name": intent, "confidence": 0.4}, "entities": [], "text": text},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": "triage_form"},
        latest_action_name="action_listen",
    )


@pytest.mark.parametrize(
    "opening, who",
    [
        ("which program for my 20 year old daughter", "someone_else"),
        ("what would you recommend for my 16 year old", "someone_else"),
        ("he drinks every day, what should we do", "someone_else"),
        ("Need help. It's for me.", "me"),
        ("which program is right for me, i relapsed", "me"),
        ("can you help me find the right program?", None),
        ("what program should i do", "me"),
        ("I'd like a recommendation on which level of care fits my situation.", "me"),
        ("i wnat to get sober, wich progrm shoud i do", "me"),
        ("my coworker needs help with drinking, which program", "someone_else"),
        ("I don't know where to start", None),
        ("I need help", None),
        ("i need to stop drinking, which program", "me"),
        ("yo i need help gettin off fent", "me"),
        ("i want to sign up for iop", "me"),
        # As people type on a phone, and people who ask for someone in their care.
        ("i think my gf needs help", "someone_else"),
        ("sis is using again after two rehabs, what do we do", "someone_else"),
        ("social worker here, I have a 19 y/o client on opioids. which level?", "someone_else"),
        # Relations said in passing by someone asking for themselves.
        ("I have a husband and two kids, I need detox", "me"),
        ("i think i need rehab, mom's been on me about it", "me"),
        # Said of oneself without "for me".
        ("i need help with pills", "me"),
        ("need help quitting meth asap", "me"),
        ("asking for a friend lol. ok it's me. i do coke on weekends", "me"),
        ("so stressed. but seriously my adderall use is getting out of hand, what program would help", "me"),
        ("which program would suit me", "me"),
        ("I want to know what level of care I need", "me"),
        ("been depressed and drinking every night to cope. I need to do something about it", "me"),
        ("I need help for my dad, he drinks", "someone_else"),
        ("i do not know what to do about my brother", "someone_else"),
        # Slang, and English as a second language.
        ("my homie is lowkey addicted to xans what do we even do", "someone_else"),
        ("me old man's been on the piss every night for years, what would suit him", "someone_else"),
        ("english little. i need help for brother, he drink too much", "someone_else"),
        ("it's for me bro", "me"),
        ("hola, mi hermano bebe mucho, which program is for him", "someone_else"),
        ("I'm her aunt, she's 19 and using pills", "someone_else"),
        ("a coworker of mine asked me to find out about programs", "someone_else"),
        ("looking into programs for someone we love", "someone_else"),
        ("an employee told me about his drinking, what do you suggest", "someone_else"),
        ("need to stop drinking before it gets worse", "me"),
        ("relapsed last week, which level should i go back to", "me"),
        ("what are my options", "me"),
        ("which one 4 me", "me"),
        # One's own work or care named: still for oneself.
        ("i'm an employee at a hospital and i need help with my drinking", "me"),
        ("i'm the client, i need help with my drinking", "me"),
        ("someone i love told me i should get help, i drink every day", "me"),
        ("i want help for me, my tia told me about you", "me"),
        ("i wanna quit pills, where do i start", "me"),
        ("i need to get into some kind of program", "me"),
        ("i also drink when i gamble, what would help me", "me"),
        ("help me pick a program", "me"),
        ("can you help me figure out which one i need", "me"),
        # Someone else's use, or help to reach someone else: not "for me".
        ("my husbands drinking is out of control, what program would help", "someone_else"),
        ("my dads addiction is getting worse", "someone_else"),
        ("need help getting him into rehab", None),
        ("i need to change how i talk to him about it", None),
        ("i shoot him texts but he ignores me", None),
    ],
)
def test_who_the_help_is_for_is_read_from_the_opening(opening, who):
    assert who_was_mentioned(tracker(text=opening)) == who


def test_a_loved_one_named_two_messages_ago_still_counts():
    assert who_was_mentioned(tracker(text="what should we do", earlier=["my son drinks every day"])) == "someone_else"


async def answer(slot, text, intent="nlu_fallback"):
    dispatcher = CollectingDispatcher()
    result = await ValidateTriageForm()._yes_no(slot, text, dispatcher, tracker(slot, text, intent))
    return result[slot], [message.get("response") for message in dispatcher.messages]


@pytest.mark.parametrize(
    "slot, typed, read",
    [
        ("triage_withdrawal", "yea evry day", "yes"),
        ("triage_withdrawal", "I drink a fifth of whiskey a day", "yes"),
        ("triage_safe_home", "nope", "no"),
        ("triage_safe_home", "I live alone but it's safe", "yes"),
        ("triage_can_attend", "I can do a few days a week", "yes"),
        ("triage_can_attend", "she doesn't drive", "no"),
        ("triage_mental_health", "PTSD from Iraq", "yes"),
        ("triage_mental_health", "paranoid sometimes", "yes"),
        ("triage_mental_health", "grief mostly, since her dad", "yes"),
        ("triage_prior_treatment", "VA had me in a program in 2015", "yes"),
        ("triage_prior_treatment", "no idea honestly", "unsure"),
        ("triage_safe_home", "🤷", "unsure"),
        # The answer at the end of a sentence, hedges, and what a sentence says without yes or no.
        ("triage_can_attend", "she's home all day with the baby so yes", "yes"),
        ("triage_can_attend", "he only works mornings, he could come in the afternoon", "yes"),
        ("triage_can_attend", "I'd have to check with work, it depends on the schedule", "unsure"),
        ("triage_mental_health", "idk he never talks about it", "unsure"),
        ("triage_withdrawal", "mostly just weed on the weekends", "no"),
        ("triage_withdrawal", "not every day, a few times a month", "no"),
        ("triage_safe_home", "my roommates are pretty toxic tbh", "no"),
        ("triage_withdrawal", "every day, and sometimes he gets the shakes", "yes"),
        # A yes at the end that isn't the answer.
        ("triage_can_attend", "no, but his boss would say yes", "no"),
        ("triage_mental_health", "nope. my wife says yes", "no"),
        # A grudging yes, and what a sentence says of each question.
        ("triage_withdrawal", "fine. yes she drinks every single day", "yes"),
        ("triage_withdrawal", "she says she feels awful in the mornings until she has a drink", "yes"),
        ("triage_safe_home", "i live alone, its fine", "yes"),
        ("triage_safe_home", "he lives in his car", "no"),
        ("triage_safe_home", "he hits me when he drinks", "no"),
        ("triage_can_attend", "i work nights but could do days", "yes"),
        ("triage_can_attend", "She cannot walk far, but I would drive her.", "yes"),
    ],
)
async def test_typed_answers_are_understood(slot, typed, read):
    assert (await answer(slot, typed)) == (read, [])


async def test_a_danger_denied_is_no_unsafe_home():
    assert (await answer("triage_safe_home", "the kids are there but he's not violent"))[0] != "no"


@pytest.mark.parametrize("typed", ["his mental health is fine", "not paranoid or anything, just tired",
                                   "she isn't depressed, just stressed"])
async def test_a_condition_denied_is_no_mental_health_concern(typed):
    assert (await answer("triage_mental_health", typed))[0] != "yes"


@pytest.mark.parametrize("slot, typed, intent", [
    ("triage_mental_health", "bipolar, diagnosed", "ask_dual_diagnosis"),
    ("triage_prior_treatment", "did outpatient like 5 years ago", "ask_iop_therapies"),
])
async def test_an_answer_the_classifier_takes_for_a_guide_question_is_still_an_answer(slot, typed, intent):
    dispatcher = CollectingDispatcher()
    latest = tracker(slot, typed, intent)
    latest.latest_message["intent"]["confidence"] = 0.95
    assert await ValidateTriageForm()._yes_no(slot, typed, dispatcher, latest) == {slot: "yes"}
    assert dispatcher.messages == []


async def test_a_question_asked_instead_is_not_taken_for_an_unsure_answer():
    assert (await answer("triage_can_attend", "what kind of therapy do they do there"))[0] is None


@pytest.mark.parametrize("slot, typed", [
    ("triage_withdrawal", "what do u mean by withdrawal"), ("triage_safe_home", "what does safe home mean? safe from what"),
    ("triage_can_attend", "wdym"), ("triage_mental_health", "like what"),
    ("triage_prior_treatment", "what counts as treatment?"),
])
async def test_asking_what_the_question_means_gets_it_explained_and_asked_again(slot, typed):
    read, said = await answer(slot, typed)
    assert read is None and said == [f"utter_triage_explain_{slot.removeprefix('triage_')}"]
    assert render({"response": said[0]})


@pytest.mark.parametrize("slot, typed", [
    ("triage_withdrawal", "idk what counts as withdrawal, hes angry when he cant"),
    ("triage_safe_home", "define safe lol. sure"),
    ("triage_withdrawal", "lol define heavy. i drink a bottle of whiskey every day"),
])
async def test_an_answer_said_with_a_question_about_the_question_is_an_answer(slot, typed):
    read, said = await answer(slot, typed)
    assert read is not None and not any("explain" in response for response in said)


async def test_asking_what_a_level_means_is_no_question_about_the_question():
    said = (await answer("triage_can_attend", "wait what does php mean again", intent="ask_level_info"))[1]
    assert not any("explain" in response for response in said)


@pytest.mark.parametrize("typed", ["skip", "i'd rather not say"])
async def test_a_question_skipped_is_noted_as_not_sure_and_the_questions_go_on(typed):
    assert await answer("triage_mental_health", typed, intent="skip") == ("unsure", ["utter_triage_noted_as_unsure"])


async def test_an_answer_that_says_nothing_is_asked_again():
    assert await answer("triage_mental_health", "purple elephants") == (None, ["utter_triage_yes_no_invalid"])


async def test_a_sentence_no_rule_can_read_is_noted_as_not_sure_and_said_so():
    assert await answer("triage_prior_treatment", "she tried an app for a while") == (
        "unsure", ["utter_triage_noted_as_unsure"])


def test_the_note_of_not_sure_gives_the_crisis_lines_like_any_reply_to_words_not_understood():
    # A sentence no rule reads may be a crisis nothing recognised (docs/design.md, invariant 2).
    text = render({"response": "utter_triage_noted_as_unsure"})
    assert "not sure" in text and "988" in text and "911" in text


@pytest.mark.parametrize(
    "opening, prefilled",
    [
        ("I'm using heroin every day and I get sick if I go without. which program fits me", True),
        ("my mom gets the shakes if she doesn't drink by noon. what level of care would she need?", True),
        ("he drinks every night but doesn't get the shakes, which program is right", False),
        ("my son drinks every day, which program is right for him?", False),
    ],
)
async def test_withdrawal_described_before_the_questions_is_not_asked_again(opening, prefilled):
    dispatcher = CollectingDispatcher()
    found = await ValidateTriageForm().extract_triage_withdrawal(dispatcher, tracker(text=opening), {})
    assert found == ({"triage_withdrawal": "yes"} if prefilled else {})
    # Withdrawal symptoms always get the pointer to medical help (invariant 8).
    assert [m["response"] for m in dispatcher.messages] == (["utter_withdrawal_help"] if prefilled else [])


async def test_a_request_for_an_answer_mid_question_is_answered_not_taken_as_a_yes():
    dispatcher = CollectingDispatcher()
    typed = "tell me about the therapy for trauma in IOP"
    latest = tracker("triage_mental_health", typed, "ask_iop_therapies")
    latest.latest_message["intent"]["confidence"] = 0.95
    assert await ValidateTriageForm()._yes_no("triage_mental_health", typed, dispatcher, latest) == {
        "triage_mental_health": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_iop_therapies"]


@pytest.mark.parametrize("typed, intent, confidence", [
    ("what do they do in IOP exactly", "ask_iop_therapies", 0.7),
    ("hm wait, what are the warning signs of a relapse", "ask_relapse_signs", 0.6),
])
async def test_a_question_typed_without_a_question_mark_is_answered_mid_question(typed, intent, confidence):
    dispatcher = CollectingDispatcher()
    latest = tracker("triage_can_attend", typed, intent)
    latest.latest_message["intent"]["confidence"] = confidence
    assert await ValidateTriageForm()._yes_no("triage_can_attend", typed, dispatcher, latest) == {"triage_can_attend": None}
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_iop_therapies" if intent == "ask_iop_therapies" else "utter_relapse_signs"]


async def test_an_answer_that_opens_like_no_question_needs_a_sure_classifier():
    # "yeah he works days": 0.7 sure of a guide question is not enough to pass over an answer.
    dispatcher = CollectingDispatcher()
    latest = tracker("triage_can_attend", "yeah he works days", "ask_level_schedule")
    latest.latest_message["intent"]["confidence"] = 0.7
    assert await ValidateTriageForm()._yes_no("triage_can_attend", "yeah he works days", dispatcher, latest) == {
        "triage_can_attend": "yes"}


async def extracted(asked, text, intent="inform"):
    """The later answers ValidateTriageForm reads from an answer the form took for `asked`."""
    latest = tracker(asked, text, intent)
    latest.events.append({"event": "slot", "name": asked, "value": text})  # the form's own candidate
    form, found = ValidateTriageForm(), {}
    for slot in ("triage_safe_home", "triage_can_attend", "triage_mental_health", "triage_prior_treatment"):
        found.update(await getattr(form, f"extract_{slot}")(CollectingDispatcher(), latest, {}))
    return found


@pytest.mark.parametrize(
    "asked, typed, read",
    [
        ("triage_withdrawal", "no withdrawal, and home is fine, i live with my sister", {"triage_safe_home": "yes"}),
        ("triage_withdrawal", "he drinks every day and gets the shakes, home is safe, and he works days but could do evenings",
         {"triage_safe_home": "yes", "triage_can_attend": "yes"}),
        ("triage_safe_home", "he works from home so yes he could go", {"triage_can_attend": "yes"}),
        ("triage_can_attend", "yes. she has bipolar and went to rehab in 2019", {"triage_mental_health": "yes",
                                                                                 "triage_prior_treatment": "yes"}),
        ("triage_safe_home", "yes, no depression or anything, never been to rehab", {"triage_mental_health": "no",
                                                                                     "triage_prior_treatment": "no"}),
        ("triage_safe_home", "my wife hits me, i cant go home", {}),  # no plainer "no" to a later question
        # Only later questions, and only plainly: not a question, not negated, not "dangerous" alone.
        ("triage_mental_health", "home is fine now", {}),
        ("triage_withdrawal", "every day. is iop ok if home is safe?", {}),
        ("triage_withdrawal", "yes, it's dangerous for him to stop", {}),
        ("triage_safe_home", "yes but he's not depressed", {}),
        ("triage_withdrawal", "every day, which program is best?", {}),
        # Said of something else, wished for, refused, negated, unsure or symptoms (a review's cases).
        ("triage_withdrawal", "yes he can't go a day without a drink", {}),
        ("triage_withdrawal", "yes it's not safe for him to quit alone", {}),
        ("triage_withdrawal", "yes, the withdrawal hits her worst in the morning", {}),
        ("triage_withdrawal", "yes, no abusive partner or anything", {}),
        ("triage_withdrawal", "every day, he really needs a safe place to live", {}),
        ("triage_withdrawal", "shakes and anxiety when he stops", {}),
        ("triage_safe_home", "yes, idk maybe adhd", {}),
        ("triage_withdrawal", "he needs to go to detox, he refuses to go to rehab", {}),
        ("triage_can_attend", "yes. he hasn't been to rehab", {}),
        ("triage_can_attend", "yes, he wants to try a suboxone program", {}),
        ("triage_withdrawal", "yes she could go into withdrawal any time", {}),
        ("triage_safe_home", "no, he can go back to his dads", {}),
        ("triage_safe_home", "yes, no depression but bad anxiety", {}),
        ("triage_can_attend", "yes, never been to rehab but did an iop last year", {}),
        # A safe home said beside violence is no safe home (a review's cases): the question is asked.
        ("triage_withdrawal", "his house is fine but his dad hits him", {}),
        ("triage_withdrawal", "home is ok except when my husband gets violent", {}),
        ("triage_withdrawal", "house is calm. but my boyfriend threatens me", {}),
        # And plainly said, they still count.
        ("triage_withdrawal", "every day. she lives in her car, she could go to groups in the evenings",
         {"triage_safe_home": "no", "triage_can_attend": "yes"}),
        ("triage_withdrawal", "yes and he has bipolar", {"triage_mental_health": "yes"}),
    ],
)
async def test_answers_to_later_questions_said_along_the_way_are_not_asked_again(asked, typed, read):
    assert await extracted(asked, typed) == read


@pytest.mark.parametrize(
    "opening, read",
    [
        ("Vet here. PTSD and I drink to sleep. What program would fit", {"triage_mental_health": "yes"}),
        ("I've been to rehab twice and I have bipolar disorder. I'm drinking again. What level do I need?",
         {"triage_mental_health": "yes", "triage_prior_treatment": "yes"}),
        ("my wife drinks to calm her anxiety, which program would you suggest", {"triage_mental_health": "yes"}),
        ("my sister has depression and drinks every day. which program?", {"triage_mental_health": "yes"}),
        # Withdrawal told with it: "anxiety" is a symptom there; questions asked and wishes are no answers.
        ("he gets anxiety and the shakes when he stops, which program is right?", {}),
        ("which program is best if he has depression?", {}),
        ("she wants to go to rehab, which level fits her", {}),
    ],
)
async def test_what_the_message_that_starts_the_questions_says_is_not_asked_again(opening, read):
    latest = tracker(None, opening, "request_help")
    form, found = ValidateTriageForm(), {}
    for slot in ("triage_safe_home", "triage_can_attend", "triage_mental_health", "triage_prior_treatment"):
        found.update(await getattr(form, f"extract_{slot}")(CollectingDispatcher(), latest, {}))
    assert found == read


async def test_nothing_is_read_ahead_from_a_message_the_form_did_not_take():
    # A crisis, a stop or a callback request is no answer (domain.yml not_intent): the form
    # set no candidate, and nothing is filled, so the form hands the turn to the rules.
    latest = tracker("triage_withdrawal", "home is safe but i want to die tonight", "crisis")
    found = await ValidateTriageForm().extract_triage_safe_home(CollectingDispatcher(), latest, {})
    assert found == {}
