"""The facts files and the spaCy pipeline built from them."""
import pytest
import spacy

import knowledge
from spacy_pipeline.build import ENTITY_LABEL, build

GUIDE_ORDER = [
    "early_intervention",
    "outpatient",
    "intensive_outpatient",
    "partial_hospitalization",
    "residential",
    "medically_managed_inpatient",
]


def test_levels_are_the_guides_six_in_its_order():
    assert [level.id for level in knowledge.levels()] == GUIDE_ORDER
    assert [level.rank for level in knowledge.levels()] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    "said, level_id",
    [
        ("IOP", "intensive_outpatient"),
        ("Intensive Outpatient Program", "intensive_outpatient"),
        ("I.O.P.", "intensive_outpatient"),
        ("PHP", "partial_hospitalization"),
        ("day treatment", "partial_hospitalization"),
        ("partial hospitalisation", "partial_hospitalization"),
        ("rehab", "residential"),
        ("detox", "medically_managed_inpatient"),
        ("outpatient", "outpatient"),
        ("early intervention", "early_intervention"),
        ("residential programs", "residential"),
        ("partial_hospitalization", "partial_hospitalization"),
    ],
)
def test_what_people_call_a_level_resolves_to_it(said, level_id):
    assert knowledge.resolve_level(said).id == level_id


def test_unknown_words_are_not_a_level():
    assert knowledge.resolve_level("pizza") is None
    assert knowledge.resolve_level("") is None


def test_no_synonym_names_two_levels():
    seen = {}
    for term, level_id in knowledge.level_terms():
        key = knowledge.normalise_term(term)
        assert seen.setdefault(key, level_id) == level_id, term


@pytest.fixture(scope="module")
def nlp():
    return build()


def test_entity_ruler_tags_every_synonym_as_its_level(nlp):
    for term, level_id in knowledge.level_terms():
        doc = nlp(f"tell me about {term} please")
        assert [(ent.label_, ent.ent_id_) for ent in doc.ents] == [(ENTITY_LABEL, level_id)], term


def test_entity_ruler_prefers_the_longest_name(nlp):
    doc = nlp("is intensive outpatient treatment different from outpatient or inpatient rehab?")
    assert [ent.ent_id_ for ent in doc.ents] == ["intensive_outpatient", "outpatient", "residential"]


def test_lemmatizer_gives_base_forms_whatever_the_case(nlp):
    doc = nlp("Days living Killed STAYING")
    assert [token.lemma_ for token in doc] == ["day", "live", "kill", "stay"]


def test_saved_pipeline_loads_as_plain_spacy(tmp_path, nlp):
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    assert [ent.ent_id_ for ent in loaded("IOP or PHP").ents] == ["intensive_outpatient", "partial_hospitalization"]


def test_clinic_defaults_to_the_guides_centre():
    assert knowledge.clinic().name == "Casa Palmera"
    assert knowledge.clinic().phone == "(855) 508-0437"


def test_disclaimer_says_not_medical_advice():
    assert "not medical advice" in knowledge.disclaimer()


def test_crisis_resources_are_the_design_cards_three():
    resources = knowledge.crisis_resources()
    assert [r.number for r in resources] == ["911", "988", "1-800-662-4357"]
