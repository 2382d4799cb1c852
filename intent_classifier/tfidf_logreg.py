"""TfidfLogRegClassifier: TF-IDF n-grams and a sentence vector into logistic regression.

Why not Rasa's own classifiers: on the held-out test set this scored
clearly higher than DIET and than Rasa's LogisticRegressionClassifier on
CountVectorsFeaturizer counts (numbers in the README, reproduced by
`python -m benchmarks.nlu --compare`). The difference is the features:
sublinear TF-IDF with L2 normalisation, which Rasa's count featurizers don't
offer, and regularisation strength. Beside the words and characters it reads
the dense sentence features a featurizer earlier in the pipeline put on the
message (sentence_embeddings.py): the n-grams catch typos and exact wording,
the sentence vector catches meaning said in other words. This is a thin
adapter around scikit-learn; it is saved and loaded with skops (like Rasa's
own classifier), never pickle.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
import numpy as np
import scipy.sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_union

logger = logging.getLogger(__name__)

# Types a saved classifier may contain; anything else in the file is refused.
TRUSTED_TYPES = [
    "builtins.dict",
    "numpy.float64",
    "numpy.int64",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.FeatureUnion",
]


def has_words(text: str) -> bool:
    """Whether a message holds any letter or digit."""
    return any(character.isalnum() for character in text or "")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfLogRegClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "word_ngrams": [1, 2],
            "char_ngrams": [2, 5],
            "C": 10.0,
            # How much the sentence vector (unit length) counts beside the two TF-IDF blocks (unit length each).
            "sentence_weight": 1.0,
            "max_iter": 3000,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[Dict[str, Any]] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        # {"ngrams": FeatureUnion, "classifier": LogisticRegression, "sentence_size": 0 when no sentence
        # vector, "symbol_messages": training examples with no letter or digit}
        self.model = model
        self._known_symbols = frozenset((model or {}).get("symbol_messages", ()))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TfidfLogRegClassifier":
        return cls(config, model_storage, resource)

    def _new_ngrams(self) -> FeatureUnion:
        return make_union(
            TfidfVectorizer(ngram_range=tuple(self.config["word_ngrams"]), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(self.config["char_ngrams"]), sublinear_tf=True),
        )

    def _features(self, ngrams: FeatureUnion, messages: List[Message], sentence_size: int) -> scipy.sparse.csr_matrix:
        """The n-grams, then the sentence vector (zeros for a message that has none, say an empty one)."""
        blocks = [ngrams.transform([message.get(TEXT) or "" for message in messages])]
        if sentence_size:
            dense = np.zeros((len(messages), sentence_size))
            for row, message in enumerate(messages):
                vector = self._sentence_vector(message)
                if vector is not None:
                    dense[row] = vector
            blocks.append(scipy.sparse.csr_matrix(dense * self.config["sentence_weight"]))
        return scipy.sparse.hstack(blocks).tocsr()

    @staticmethod
    def _sentence_vector(message: Message) -> Optional[np.ndarray]:
        _, sentence = message.get_dense_features(TEXT)
        return None if sentence is None else np.asarray(sentence.features, dtype=float).reshape(-1)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            return self._resource
        ngrams = self._new_ngrams().fit([e.get(TEXT) for e in examples])
        vector = self._sentence_vector(examples[0])
        sentence_size = 0 if vector is None else int(vector.size)
        classifier = LogisticRegression(C=self.config["C"], max_iter=self.config["max_iter"], random_state=42)
        classifier.fit(self._features(ngrams, examples, sentence_size), [e.get(INTENT) for e in examples])
        self.model = {
            "ngrams": ngrams, "classifier": classifier, "sentence_size": sentence_size,
            "symbol_messages": sorted({e.get(TEXT).strip() for e in examples if not has_words(e.get(TEXT))}),
        }
        self._known_symbols = frozenset(self.model["symbol_messages"])
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None:
            return messages
        classifier = self.model["classifier"]
        features = self._features(self.model["ngrams"], messages, self.model["sentence_size"])
        probabilities = classifier.predict_proba(features)
        intents = classifier.classes_
        # "?" or "🙃🙃🙃" gives the classifier nothing to read, unless it was taught
        # that very message ("👍"): its guess would be noise, so it is given no
        # confidence and the fallback asks the person to rephrase.
        for message, row in zip(messages, probabilities):
            text = (message.get(TEXT) or "").strip()
            readable = has_words(text) or text in self._known_symbols
            ranking = sorted(
                ({"name": str(name), "confidence": float(p) if readable else 0.0} for name, p in zip(intents, row)),
                key=lambda item: -item["confidence"],
            )
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[: self.config["ranking_length"]], add_to_output=True)
        return messages

    def persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as directory:
            sio.dump(self.model, directory / "classifier.skops")

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "TfidfLogRegClassifier":
        import skops.io as sio

        try:
            with model_storage.read_from(resource) as directory:
                path = directory / "classifier.skops"
                untrusted = set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
                if untrusted:
                    raise ValueError(f"unexpected types in {path}: {sorted(untrusted)}")
                model = sio.load(path, trusted=TRUSTED_TYPES)
        except ValueError as problem:
            logger.error("Could not load the intent classifier: %s", problem)
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model)
