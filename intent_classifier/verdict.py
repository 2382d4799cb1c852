"""One way for a component after the classifier to change a message's intent.

The new intent goes first in the ranking, so that what the dialogue acts on
and what staff read in the transcript agree; the classifier's own guesses
stay below it (once each) for review.
"""
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


def override_intent(message: Message, name: str, confidence: float) -> None:
    verdict = {"name": name, "confidence": confidence}
    ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != name]
    message.set(INTENT, verdict, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [verdict, *ranking], add_to_output=True)
