"""One way for a component after the classifier to change a message's intent.

The new intent goes first in the ranking, so that what the dialogue acts on
and what staff read in the transcript agree; the classifier's own guesses
stay below it (once each) for review.
"""
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from crisis_detection import intents

WITHDRAWAL_INTENT = "report_withdrawal"


def override_intent(message: Message, name: str, confidence: float) -> None:
    verdict = {"name": name, "confidence": confidence}
    ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != name]
    message.set(INTENT, verdict, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [verdict, *ranking], add_to_output=True)


def left_to_the_crisis_net(message: Message) -> bool:
    """Whether a component before the crisis net must leave the message's intent alone: a crisis
    guess worth weighing, or withdrawal among the classifier's best two, which the net's
    tie-break turns into the pointer to medical help (crisis_detection/component.py)."""
    ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME]
    if intents.guessed_a_crisis(ranking):
        return True
    return WITHDRAWAL_INTENT in {r.get("name") for r in ranking[:2]}
