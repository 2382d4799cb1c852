"""A follow-up on the guide answer just given, in words the classifier couldn't place.

"what else should i look out for" after the signs of relapse, "and how would
that help my job" after the cognitive skills: the person is still on the topic
of the last answer, and the guide has nothing more precise to say than that
answer. It is given again, instead of "could you say that another way?" or
"the guide doesn't say".

Only for a message nothing placed (nlu_fallback, or a question unplaced:
intent_classifier/unplaced_questions.py) right after one of these answers, and
only when it leans on it: short, and opening or going on the way follow-ups do
("and", "what about", "what else", "why not", "that", "them", "too"), with no
crisis suspected or guessed in it. Anything else gets the reply its rule goes
on to (data/rules/follow_ups.yml). Levels of care have their own follow-ups (a
level named, "there", "he": actions/answers.py). A follow-up the classifier
places elsewhere never reaches this action.
"""
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.recent_turns import last_reply
from answer_words.questions import WORD
from crisis_detection import intents

# The answers a follow-up may lean on: guide topics, and the refusal to give medical advice.
TOPIC_ANSWERS = frozenset({
    "utter_relapse_signs", "utter_cognitive_skills", "utter_coping_skills", "utter_iop_therapies", "utter_iop_start",
    "utter_after_iop", "utter_detox_alone", "utter_medical_advice",
})
# Withdrawal symptoms get this and utter_detox_alone: what follows is about the symptoms, and keeps
# the reply that names 911 and 988.
AFTER_WITHDRAWAL = "utter_withdrawal_help"
# A follow-up is short: a long message says something new.
MOST_WORDS = 14
LEANS_ON_THE_LAST_ANSWER = re.compile(
    r"^\W*(?:and|but|so|ok|okay|what about|how about|why|how so|like what|such as|for example|what else|anything else|"
    r"any other|just tell me)\b|"
    r"\b(?:that|those|these|them|one of them|too|also|else|either|generally|usually|instead)\b",
    re.IGNORECASE,
)


def leans_on_the_last_answer(text: str) -> bool:
    return len(WORD.findall(text)) <= MOST_WORDS and bool(LEANS_ON_THE_LAST_ANSWER.search(text.replace("’", "'")))


def topic_answer_in(reply: List[str]) -> Optional[str]:
    """The guide answer a reply held, if any (the first of the reply's: the answer, not what
    came after it)."""
    return next((name for name in reply if name in TOPIC_ANSWERS), None)


class ActionAnswerFollowUp(Action):
    def name(self) -> Text:
        return "action_answer_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        reply = last_reply(tracker)
        topic = topic_answer_in(reply)
        if (
            topic is None
            or not leans_on_the_last_answer(tracker.latest_message.get("text") or "")
            # A crisis the net suspected, or the classifier guessed at all, keeps the reply that
            # names the crisis lines; so does anything after the pointer to medical help.
            or intents.worried_the_net(tracker.latest_message)
            or intents.guessed_a_crisis(tracker.latest_message.get("intent_ranking") or [])
            or AFTER_WITHDRAWAL in reply
        ):
            return []  # the rule goes on with its usual reply
        dispatcher.utter_message(response=topic)
        return [FollowupAction("action_listen")]
