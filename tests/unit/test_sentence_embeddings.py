"""The sentence model the intent classifier reads: the pinned weights, and meaning beyond shared words."""
import shutil
from pathlib import Path

import numpy as np
import pytest
from rasa.shared.nlu.training_data.message import Message

from intent_classifier.sentence_embeddings import (
    ModelFileMismatch,
    SentenceEmbeddings,
    SentenceEncoder,
    check_model_files,
)

MODEL = Path(SentenceEmbeddings.get_default_config()["model"])


@pytest.fixture(scope="module")
def encoder():
    return SentenceEncoder(MODEL)


def test_vectors_are_unit_length_one_per_message(encoder):
    vectors = encoder.encode(["hi", "what happens in residential treatment, would he live there?"])
    assert vectors.shape == (2, encoder.dimensions)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_the_same_meaning_in_other_words_is_closer_than_another_topic(encoder):
    ask, same, other = encoder.encode(
        ["can I talk to a real person", "is there an actual human I could speak with", "how long does detox take"]
    )
    assert float(ask @ same) > float(ask @ other) + 0.2


def test_batches_of_mixed_lengths_give_the_same_vectors_as_one_at_a_time(encoder):
    texts = ["ok", "my husband drinks every night and gets angry, which program is right for him?", "php?"]
    together = encoder.encode_many(texts)
    alone = np.vstack([encoder.encode([text]) for text in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_a_very_long_message_is_read_up_to_the_models_limit(encoder):
    vector = encoder.encode(["please help " * 2000])
    assert np.isfinite(vector).all()


def test_a_model_that_is_not_the_pinned_release_is_refused(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(MODEL, copy, ignore=shutil.ignore_patterns("model.safetensors"))
    with pytest.raises(ModelFileMismatch, match="missing"):
        check_model_files(copy)
    (copy / "model.safetensors").symlink_to((MODEL / "model.safetensors").resolve())
    check_model_files(copy)
    (copy / "tokenizer.json").write_text((MODEL / "tokenizer.json").read_text().replace("[UNK]", "[UNX]", 1))
    with pytest.raises(ModelFileMismatch, match="not the all-MiniLM-L6-v2 release"):
        check_model_files(copy)


def test_the_featurizer_puts_a_sentence_vector_on_each_message_with_text():
    featurizer = SentenceEmbeddings(SentenceEmbeddings.get_default_config(), "sentence_embeddings")
    spoken, empty = Message(data={"text": "is detox the first step?"}), Message(data={})
    featurizer.process([spoken, empty])
    sequence, sentence = spoken.get_dense_features("text")
    assert sequence is None and sentence.features.shape == (1, 384)
    assert empty.get_dense_features("text") == (None, None)
