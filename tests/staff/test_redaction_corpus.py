"""Redaction against a corpus written apart from the redactor (redaction_corpus.yml, 150+ lines):
phone numbers in many formats, emails, handles, street addresses, dates of birth, ages, names said
in passing and names from the callback form (any case, any accents), and lines that must stay whole."""
from pathlib import Path

import pytest
import yaml

from staff_review.redact import name_patterns, redact

CORPUS = yaml.safe_load((Path(__file__).parent / "redaction_corpus.yml").read_text())["lines"]


def test_the_corpus_is_big_enough():
    assert len(CORPUS) >= 100


@pytest.mark.parametrize("line", CORPUS, ids=[line["text"][:40] for line in CORPUS])
def test_each_line(line):
    out = redact(line["text"], name_patterns(line.get("names") or []))
    left = [item for item in line.get("gone") or [] if item.lower() in out.lower()]
    lost = [item for item in line.get("kept") or [] if item not in out]
    assert not left and not lost, f"still there: {left}; lost: {lost}; got: {out!r}"
