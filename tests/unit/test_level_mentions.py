"""Misspelt levels of care are still recognised; English words are never "corrected" into one."""
import pytest

from intent_classifier.level_mentions import misspelt_levels


@pytest.mark.parametrize(
    "text, level",
    [
        ("partail hospitilization", "partial_hospitalization"),
        ("what about resedential", "residential"),
        ("intensive outpatinet program", "intensive_outpatient"),
        ("residental treatmnt?", "residential"),
    ],
)
def test_a_misspelt_level_becomes_an_entity(text, level):
    found = misspelt_levels(text)
    assert [entity["value"] for entity in found] == [level]
    assert text[found[0]["start"] : found[0]["end"]].split()[0] in text


@pytest.mark.parametrize("text", ["is the patient ok", "my outpatient", "I was resident there", "hospital bills"])
def test_correct_or_unrelated_words_are_left_alone(text):
    assert misspelt_levels(text) == []
