"""CrisisSafetyNet: a Rasa NLU component that puts the crisis lexicon in front of the intent.

It runs last in config.yml's pipeline, after the intent classifier and the
FallbackClassifier, and the lexicon decides:

* a match makes the intent `crisis` with confidence 1.0 whatever was predicted
  (including nlu_fallback), and is recorded in the parse data under
  `crisis_safety_net`, which the tracker store keeps for staff;
* a match told as a story, not a present danger (a distant past or a death,
  "my sister died of an overdose", "I used to cut"; a question in general; a
  piece of writing; a figure of speech: matcher.py) keeps its ordinary
  intent and is recorded under `crisis_mentioned` for staff;
* a `crisis` that is the classifier's first guess (confidence
  `classifier_threshold` or more, on a message of `classifier_min_words`
  words or more) is a crisis too, recorded with `"source": "classifier"`:
  people say danger sideways, in words no phrase list anticipates ("gave my
  guitar to my nephew, I won't need it where I'm going"). The threshold is
  weighed on the blind red teams (README, "Crisis first": 0.5 caught more,
  but gave the crisis reply to figures of speech such as "I'm killing it in
  IOP"); the classifier learns from data/nlu/crisis.yml and
  crisis_lookalikes.yml.
  Short answers ("tonight", "idk honestly") are left to the lexicon: in a
  form they are answers, not confessions. Below `form_interrupt_threshold`
  the intent is `crisis_likely` instead: outside a form it gets the same
  crisis reply (data/rules/crisis.yml), but in the middle of a form the form
  takes the message as its answer and asks its next question with the
  crisis lines (actions/forms.py); staff are alerted as for a crisis. A
  deliberate exception to "crisis first", measured on the studied sets A-H:
  it spared the script to 10 quiet form answers ("he lives alone, my mom
  passed", "I no longer drive") and cost one real crisis told in a form, at
  0.82 ("i keep thinking about driving off the bridge"), which the lexicon
  now catches. The lexicon interrupts a form whatever the classifier says;
* a `crisis` the classifier is less sure of, but at `check_in_threshold` or
  more, becomes `crisis_check_in`: outside a form, the assistant asks directly
  whether the person is thinking of ending their life or harming themselves,
  with the crisis lines, instead of "could you say it another way?"
  (safe-messaging guidance: asking does not plant the idea, and someone who
  said it sideways is met, not misunderstood). Below that, or on a short
  answer ("tonight"), it becomes `nlu_fallback`, whose reply names the lines
  too. The runner-up intent wins instead when that is a safety answer of its
  own (`safe_runner_ups`: withdrawal symptoms get the pointer to medical help,
  911 included). Below the check-in, a runner-up in `runner_ups_below_check_in`
  wins too: "i think i have a problem with pills. i dont know what i need" is a
  request for help (measured on the studied sets: 11 such messages, none a
  crisis). Every such message is recorded under `crisis_suspected`, so staff
  can review it.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import spacy
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from answer_words.languages import looks_spanish
from crisis_detection import intents
from crisis_detection.matcher import CrisisMatcher
from intent_classifier.verdict import override_intent

logger = logging.getLogger(__name__)

CRISIS_INTENT, CHECK_IN_INTENT, LIKELY_INTENT = intents.CRISIS, intents.CHECK_IN, intents.LIKELY
OUTPUT_KEY, SUSPECTED_KEY, MENTIONED_KEY = intents.VERDICT_KEY, intents.SUSPECTED_KEY, intents.MENTIONED_KEY

@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisSafetyNet(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Used only when no SpacyNLP runs earlier in the pipeline.
        return {
            "spacy_model": "var/spacy/en_iop",
            "classifier_threshold": 0.8,
            "form_interrupt_threshold": 0.9,
            "check_in_threshold": 0.5,
            "classifier_min_words": 4,
            "safe_runner_ups": ["report_withdrawal"],
            "runner_ups_below_check_in": ["request_help"],
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config
        self._matcher = CrisisMatcher()
        self._own_nlp: Optional[spacy.language.Language] = None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisSafetyNet":
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text.strip():
                continue
            matches = self._matcher.find(self._doc(message, text))
            present = [m for m in matches if not m.no_present_danger]
            if matches and not present:
                # A story, not a present danger: the ordinary answer, kept for staff to see.
                message.set(MENTIONED_KEY, {"categories": sorted({m.category for m in matches})}, add_to_output=True)
            if present:
                self._mark_crisis(
                    message,
                    {
                        "source": "lexicon",
                        "categories": sorted({m.category for m in present}),
                        "phrases": [m.phrase for m in present],
                        "language": "es" if any(m.language == "es" for m in present) else "en",
                    },
                )
            elif not matches and self._classifier_is_sure(message, text):
                confidence = (message.get(INTENT) or {}).get("confidence")
                language = "es" if looks_spanish(text) else "en"
                if confidence >= self._config["form_interrupt_threshold"]:
                    self._mark_crisis(message, {"source": "classifier", "confidence": confidence, "language": language})
                else:
                    self._mark_likely_crisis(message, confidence, language)
            else:
                self._demote_classifier_crisis(message, check_in=not matches and self._worth_a_check_in(message, text))
                self._safety_answer_wins_a_tie(message)
        return messages

    @staticmethod
    def _mark_crisis(message: Message, found: Dict[str, Any]) -> None:
        override_intent(message, CRISIS_INTENT, 1.0)
        message.set(OUTPUT_KEY, found, add_to_output=True)
        # The source and categories only: message text never goes to logs.
        logger.info("Crisis detected (%s: %s).", found["source"], ", ".join(found.get("categories", [])) or "-")

    @staticmethod
    def _mark_likely_crisis(message: Message, confidence: float, language: str) -> None:
        """The crisis reply outside a form, an answer with the lines inside one: a suspicion for staff."""
        override_intent(message, LIKELY_INTENT, confidence)
        message.set(SUSPECTED_KEY, {"confidence": confidence, "likely": True, "language": language}, add_to_output=True)
        logger.info("Classifier found a likely crisis; marked for review.")

    def _classifier_is_sure(self, message: Message, text: str) -> bool:
        intent = message.get(INTENT) or {}
        return (
            intent.get("name") == CRISIS_INTENT
            and (intent.get("confidence") or 0.0) >= self._config["classifier_threshold"]
            and self._long_enough(text)
        )

    def _worth_a_check_in(self, message: Message, text: str) -> bool:
        confidence = (message.get(INTENT) or {}).get("confidence") or 0.0
        return (
            confidence >= self._config["check_in_threshold"]
            and self._long_enough(text)
        )

    def _long_enough(self, text: str) -> bool:
        """Short answers ("tonight", "idk honestly") are left to the lexicon."""
        return len(text.split()) >= self._config["classifier_min_words"]

    def _safety_answer_wins_a_tie(self, message: Message) -> None:
        """A message the classifier couldn't decide on, with a safety answer among its two
        best guesses ("shaky since I quit drinking": withdrawal or crisis?), gets that answer:
        withdrawal symptoms always get the pointer to medical help (invariant 8)."""
        if (message.get(INTENT) or {}).get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME:
            return
        guesses = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME]
        safe = next((r for r in guesses[:2] if r.get("name") in self._config["safe_runner_ups"]), None)
        if safe is None:
            return
        override_intent(message, safe["name"], safe.get("confidence", 0.0))
        crisis = next((r for r in guesses[:2] if r.get("name") == CRISIS_INTENT), None)
        if crisis:
            message.set(SUSPECTED_KEY, {"confidence": crisis.get("confidence")}, add_to_output=True)

    def _demote_classifier_crisis(self, message: Message, check_in: bool) -> None:
        """A crisis the classifier is unsure of gets the check-in question, unless the
        runner-up is itself a safety answer (the withdrawal pointer, which names 911).
        A short message, or a story the lexicon told apart from a present danger, is asked to say more."""
        intent = message.get(INTENT) or {}
        if intent.get("name") != CRISIS_INTENT:
            return
        ranking = message.get(INTENT_RANKING_KEY, [])
        runner_up = next((r for r in ranking if r.get("name") != CRISIS_INTENT), {})
        if runner_up.get("name") in self._config["safe_runner_ups"]:
            override_intent(message, runner_up["name"], runner_up.get("confidence", 0.0))
        elif check_in:
            override_intent(message, CHECK_IN_INTENT, intent.get("confidence", 0.0))
        elif runner_up.get("name") in self._config["runner_ups_below_check_in"]:
            override_intent(message, runner_up["name"], runner_up.get("confidence", 0.0))
        else:
            override_intent(message, DEFAULT_NLU_FALLBACK_INTENT_NAME, intent.get("confidence", 0.0))
        suspected = {"confidence": intent.get("confidence")}
        if check_in and looks_spanish(message.get(TEXT) or ""):
            suspected["language"] = "es"  # the check-in is asked in Spanish
        message.set(SUSPECTED_KEY, suspected, add_to_output=True)
        logger.info("Classifier suggested a crisis the lexicon did not confirm; marked for review.")

    def _doc(self, message: Message, text: str) -> "spacy.tokens.Doc":
        doc = message.get(SPACY_DOCS[TEXT])
        if doc is not None:
            return doc
        if self._own_nlp is None:
            self._own_nlp = spacy.load(self._config["spacy_model"])
        return self._own_nlp(text.lower())
