"""What the crisis net (component.py) writes on a message, named once for everything that
reads it: the intents it sets and the parse-data keys it records under. Readers: the forms
(actions/forms.py), the crisis actions (actions/crisis.py), the channels' own crisis replies
(channels/replies.py), staff flags and alerts (staff_review/sync.py). The rules name the
intents too (data/rules/crisis.yml).

No imports: the action server's image (deploy/Dockerfile.actions) has no Rasa.
"""
from typing import Any, Dict, Iterable, Optional

CRISIS = "crisis"
# A crisis the classifier suspects (0.5 to 0.8): the check-in question outside a form.
CHECK_IN = "crisis_check_in"
# A crisis only the classifier finds, 0.8 to 0.9: the crisis reply outside a form.
LIKELY = "crisis_likely"

# Outside a form, these get the crisis reply; staff see each as a crisis.
CRISIS_REPLY = frozenset({CRISIS, LIKELY})
# A form takes these as its answer, and says the crisis lines before its next question.
FORM_ANSWERS = frozenset({LIKELY, CHECK_IN})
# Set by the net from the classifier's confidence, never learned from examples.
SET_BY_THE_NET = frozenset({CHECK_IN, LIKELY})

# Parse-data keys: a crisis found (lexicon or a sure classifier), one suspected (or found
# likely), and crisis words told as a story, which got the ordinary answer.
VERDICT_KEY = "crisis_safety_net"
SUSPECTED_KEY = "crisis_suspected"
MENTIONED_KEY = "crisis_mentioned"


# A crisis guess this sure, anywhere in the classifier's ranking, is the crisis net's to weigh
# ("will anyone even notice", "does it even matter"): components before it leave the message
# alone (intent_classifier/verdict.py), and no answer may drop the lines it would get.
CRISIS_GUESS_FLOOR = 0.1


def guessed_a_crisis(ranking: Iterable[Dict[str, Any]]) -> bool:
    return any(
        r.get("name") in CRISIS_REPLY | {CHECK_IN} and (r.get("confidence") or 0.0) >= CRISIS_GUESS_FLOOR
        for r in ranking
    )


def worried_the_net(parse_data: Dict[str, Any]) -> bool:
    """Whether the crisis net found, found likely or suspected a crisis in a message: what a
    form must never read as anything else (actions/callback.py reads no "never mind" from it)."""
    name = (parse_data.get("intent") or {}).get("name")
    return name in CRISIS_REPLY | FORM_ANSWERS or bool(parse_data.get(VERDICT_KEY) or parse_data.get(SUSPECTED_KEY))


def crisis_language(parse_data: Dict[str, Any]) -> Optional[str]:
    """"es" or "en" for a message the crisis net found or suspected a crisis in (in its
    verdict's or suspicion's language), None for any other."""
    found = parse_data.get(VERDICT_KEY) or parse_data.get(SUSPECTED_KEY)
    if not found:
        return None
    return "es" if found.get("language") == "es" else "en"
