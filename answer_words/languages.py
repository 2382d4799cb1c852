"""Whether a message is written in Spanish, the one language besides English the assistant answers in.

The crisis net gives a crisis it found in a message mostly made of these words
the Spanish crisis reply (the lexicon marks its own phrases), and an unplaced
question in Spanish is left to the Spanish reply (intent_classifier/).
"""
from __future__ import annotations

import re

SPANISH_WORDS = frozenset(
    "que mi mis de la el los las y en quiero estoy ya por con para muy se lo es un una yo pero "
    "porque nadie nada todo mas más ayuda vivir morir hijo hija".split()
)
WORD = re.compile(r"[^\W\d_]+")


def looks_spanish(text: str) -> bool:
    words = WORD.findall(text.lower())
    spanish = sum(word in SPANISH_WORDS for word in words)
    return spanish >= 2 and spanish * 3 >= len(words)
