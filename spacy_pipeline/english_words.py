"""English word forms from spacy-lookups-data, read once: lemmas, known words, typo correction.

The spaCy pipeline builder (its case-insensitive lookup rows), the crisis
matcher (lemmas, "suicde" -> "suicide") and the level-of-care mentions
("partail" -> "partial") all read the same table through here. A word that is
in the table is a real English word and is never "corrected".
"""
from __future__ import annotations

import functools
from typing import Dict, FrozenSet, Iterable, Optional

import spacy_lookups_data
import srsly
from rapidfuzz.distance import DamerauLevenshtein

# Shorter words are too easily one edit away from another word to correct.
MIN_FUZZY_LENGTH = 5


@functools.lru_cache(maxsize=1)
def lookup_table() -> Dict[str, str]:
    """spaCy's English lemma lookup table as shipped: word form -> lemma."""
    return srsly.read_gzip_json(spacy_lookups_data.get_file("en_lemma_lookup.json.gz"))


@functools.lru_cache(maxsize=1)
def lemma_table() -> Dict[str, str]:
    """The lower-case rows, lower-cased: "killing" -> "kill"."""
    return {word.lower(): lemma.lower() for word, lemma in lookup_table().items() if word.islower()}


@functools.lru_cache(maxsize=1)
def known_english_words() -> FrozenSet[str]:
    """Every word form in the lemma table (inflected forms and lemmas)."""
    table = lemma_table()
    return frozenset(table) | frozenset(table.values())


def lemma(word: str) -> str:
    return lemma_table().get(word, word)


def correction(word: str, candidates: Iterable[str]) -> Optional[str]:
    """The candidate an unknown word is a typo of: one edit away (a transposition
    counts as one), two for words of eight letters or more; None for real English
    words, short words and words close to nothing."""
    if len(word) < MIN_FUZZY_LENGTH or not word.isalpha() or word in known_english_words():
        return None
    allowed = 1 if len(word) < 8 else 2
    best, best_distance = None, allowed + 1
    for candidate in candidates:
        if abs(len(candidate) - len(word)) > allowed:
            continue
        distance = DamerauLevenshtein.distance(word, candidate, score_cutoff=allowed)
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best
