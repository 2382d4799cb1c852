"""Spanish word forms from spacy-lookups-data, read once: the lemma of a Spanish word.

The crisis matcher corrects an unknown word to the lexicon word it is a typo of
("qemarme" -> "quemarme"). Every Spanish word is unknown to the English word
list, and "quedarse" (to stay) is two edits from "quemarme" (to burn oneself):
a Spanish word is not corrected into a lexicon word of another lemma. Another
form of the same verb still is: "cortando" and "cortándose" are forms of
"cortarme"'s verb. Accents are ignored, as people type with and without them; an
infinitive or gerund with its pronoun attached ("quedarme", "cortandome") has
the lemma of its bare form.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Dict, Optional

import spacy_lookups_data
import srsly

# Pronouns written onto an infinitive or a gerund: "quedar-me", "cortando-se", "dar-se-lo".
WITH_PRONOUNS = re.compile(r"(?P<bare>\w+(?:ar|er|ir|ndo))(?:me|te|se|nos|os|lo|la|los|las|le|les){1,2}")


def without_accents(word: str) -> str:
    """"daño" -> "dano", "quítarme" -> "quitarme": Spanish typed with or without accents."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=1)
def spanish_lemmas() -> Dict[str, str]:
    """spaCy's Spanish lookup table, lower-cased and without accents: word form -> lemma."""
    table = srsly.read_gzip_json(spacy_lookups_data.get_file("es_lemma_lookup.json.gz"))
    lemmas = {without_accents(form.lower()): without_accents(lemma.lower()) for form, lemma in table.items()}
    for lemma in list(lemmas.values()):
        lemmas.setdefault(lemma, lemma)
    return lemmas


def spanish_lemma(word: str) -> Optional[str]:
    """The lemma of a Spanish word ("cortándose" -> "cortar"); None for a word Spanish doesn't have."""
    word = without_accents(word.lower())
    lemmas = spanish_lemmas()
    if word in lemmas:
        return lemmas[word]
    attached = WITH_PRONOUNS.fullmatch(word)
    return lemmas.get(attached.group("bare")) if attached else None
