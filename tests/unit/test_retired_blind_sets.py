"""The retired blind sets as training data, and the line between training and test messages."""
from scripts import blind_sets_to_training_data as retired


def retired_examples_on_disk():
    for path in sorted(retired.OUT.glob("*.yml")):
        for text in retired.intents_by_example(path):
            yield path.name, text


def test_the_retired_sets_training_data_is_what_the_script_makes_of_them():
    # Hand edits to data/nlu/retired_blind_sets/ would be lost the next time a set retires.
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in retired.OUT.glob("*.yml")}
    assert on_disk == retired.rendered_files(), "run: python -m scripts.blind_sets_to_training_data"


def test_no_retired_example_is_a_message_a_test_still_scores():
    # The held-out NLU set and the blind sets still measured say how the assistant does on words it
    # never saw: a line of theirs that a retired set happens to share would flatter the score.
    still_tested = retired.texts_still_tested()
    copied = [(str(path), text) for path, text in retired_examples_on_disk() if retired.key(text) in still_tested]
    assert copied == []
