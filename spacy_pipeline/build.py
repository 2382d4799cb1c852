"""Build the spaCy pipeline Rasa's SpacyNLP loads (config.yml: `model: var/spacy/en_iop`).

No pretrained English model can be downloaded on our machines, so the pipeline is
made from parts that ship on PyPI:
  * spaCy's rule-based English tokenizer (`spacy.blank("en")`);
  * a lookup lemmatizer whose table comes from `spacy-lookups-data`, so that
    "days", "living" and "killed" reach the featurizers and the crisis matcher as
    "day", "live" and "kill";
  * an entity ruler that tags every synonym in knowledge/levels_of_care.yml as a
    `level_of_care` entity (longest match wins: "intensive outpatient" is IOP,
    not outpatient).
It has no word vectors, so SpacyFeaturizer would add nothing; config.yml uses
the lemmas through CountVectorsFeaturizer instead.

Usage: python -m spacy_pipeline.build [OUTPUT_DIR]
"""
from __future__ import annotations

import sys
from pathlib import Path

import spacy

import knowledge
from spacy_pipeline.english_words import lookup_table

DEFAULT_OUTPUT = Path("var/spacy/en_iop")
ENTITY_LABEL = "level_of_care"


def build() -> "spacy.language.Language":
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    # initialize() loads the lookup table; it must run before the entity ruler is
    # added, or initializing later would wipe the ruler's patterns.
    nlp.initialize()
    _add_cased_lookups(nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup"))
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(
        [
            {"label": ENTITY_LABEL, "pattern": term, "id": level_id}
            for term, level_id in knowledge.level_terms()
        ]
    )
    nlp.meta["name"] = "en_iop"
    nlp.meta["description"] = "Blank English + lookup lemmas + levels-of-care entity ruler"
    return nlp


def _add_cased_lookups(table) -> None:
    """Make the lookup table case-insensitive for sentence-initial and shouted words.

    The lookup lemmatizer matches the token text exactly, so "Killing" or
    "DAYS" would keep their surface form. A registered custom component would
    fix that too, but would have to be importable wherever Rasa loads the
    pipeline; extra table rows keep the saved pipeline plain spaCy.
    """
    # The table stores hashed keys; the words themselves come from the data file.
    for word, lemma in lookup_table().items():
        if not word.islower():
            continue
        for variant in (word.capitalize(), word.upper()):
            if variant not in table:
                table[variant] = lemma


def main(argv: list) -> None:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    output.parent.mkdir(parents=True, exist_ok=True)
    build().to_disk(output)
    print(f"spaCy pipeline written to {output}")


if __name__ == "__main__":
    main(sys.argv)
