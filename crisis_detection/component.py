"""CrisisSafetyNet: a Rasa NLU component that puts the crisis lexicon in front of the intent.

It runs last in config.yml's pipeline, after the intent classifier and the
FallbackClassifier, and the lexicon decides:

* a match makes the intent `crisis` with confidence 1.0 whatever was predicted
  (including nlu_fallback), and is recorded in the parse data under
  `crisis_safety_net`, which the tracker store keeps for staff;
* a match told as a distant past or a death ("my sister died of an
  overdose", "I used to cut") is no present danger: the message keeps its
  ordinary intent and is recorded under `crisis_mentioned` for staff;
* a `crisis` predicted by the classifier alone becomes `nlu_fallback` (the
  person is asked to say more) and is recorded under `crisis_suspected`, so
  staff can review it. Measured on the red-team look-alikes, the classifier
  said `crisis`, at up to 0.97 confidence, to messages like "I want to end my
  IOP early because I got a new job"; no threshold separated those from real
  crises, so the crisis reply rests on the lexicon, which is tested on every
  red-team message.
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

from crisis_detection.matcher import CrisisMatcher

logger = logging.getLogger(__name__)

CRISIS_INTENT = "crisis"
OUTPUT_KEY = "crisis_safety_net"
SUSPECTED_KEY = "crisis_suspected"
MENTIONED_KEY = "crisis_mentioned"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisSafetyNet(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Used only when no SpacyNLP runs earlier in the pipeline.
        return {"spacy_model": "var/spacy/en_iop"}

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
            present = [m for m in matches if not m.past]
            if matches and not present:
                # A story about the past or a death: the ordinary answer, kept for staff to see.
                message.set(MENTIONED_KEY, {"categories": sorted({m.category for m in matches})}, add_to_output=True)
            if not present:
                self._demote_classifier_crisis(message)
                continue
            crisis = {"name": CRISIS_INTENT, "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != CRISIS_INTENT]
            message.set(INTENT, crisis, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [crisis, *ranking], add_to_output=True)
            message.set(
                OUTPUT_KEY,
                {
                    "categories": sorted({m.category for m in present}),
                    "phrases": [m.phrase for m in present],
                    "language": "es" if any(m.language == "es" for m in present) else "en",
                },
                add_to_output=True,
            )
            # The category only: message text never goes to logs.
            logger.info("Crisis lexicon matched (%s).", ", ".join(sorted({m.category for m in present})))
        return messages

    @staticmethod
    def _demote_classifier_crisis(message: Message) -> None:
        intent = message.get(INTENT) or {}
        if intent.get("name") != CRISIS_INTENT:
            return
        fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": intent.get("confidence", 0.0)}
        message.set(INTENT, fallback, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [fallback, *message.get(INTENT_RANKING_KEY, [])], add_to_output=True)
        message.set(SUSPECTED_KEY, {"confidence": intent.get("confidence")}, add_to_output=True)
        logger.info("Classifier suggested a crisis the lexicon did not confirm; marked for review.")

    def _doc(self, message: Message, text: str) -> "spacy.tokens.Doc":
        doc = message.get(SPACY_DOCS[TEXT])
        if doc is not None:
            return doc
        if self._own_nlp is None:
            self._own_nlp = spacy.load(self._config["spacy_model"])
        return self._own_nlp(text.lower())
