"""Exports and training data without the app: spreadsheet formulas, pseudonyms, redaction."""
from __future__ import annotations

import csv
import io
import re
from types import SimpleNamespace

import yaml

from staff_review import exports, nlu_export


def test_no_csv_cell_can_start_a_formula():
    dangerous = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]
    rows = [
        {"conversation_id": text, "session": 1, "time": "2026-01-01T00:00:00+00:00", "speaker": "user", "text": text,
         "intent": text, "confidence": -0.5}
        for text in dangerous
    ]
    parsed = list(csv.DictReader(io.StringIO(exports.to_csv(rows))))
    assert len(parsed) == len(dangerous)
    for original, row in zip(dangerous, parsed):
        for field in ("conversation_id", "text", "intent"):
            assert row[field] == "'" + original, field
        assert row["confidence"] == "-0.5"  # a number is a number
    ordinary = list(csv.DictReader(io.StringIO(exports.to_csv([{**rows[0], "text": "a = b", "conversation_id": "telegram-42"}]))))
    assert ordinary[0]["text"] == "a = b" and ordinary[0]["conversation_id"] == "telegram-42"


def test_redacted_exports_name_conversations_by_a_keyed_pseudonym():
    first = exports.pseudonym("telegram-123456789", "key one")
    assert re.fullmatch(r"conv-[0-9a-f]{12}", first)
    assert first == exports.pseudonym("telegram-123456789", "key one")
    assert first != exports.pseudonym("telegram-123456789", "key two")
    assert first != exports.pseudonym("telegram-123456780", "key one")
    assert "123456789" not in first


def test_nlu_examples_are_redacted():
    corrections = [
        SimpleNamespace(conversation_id="c1", intent="out_of_scope", text="I'm Sam Rivera, call (619) 555-0123 or sam@example.com"),
        SimpleNamespace(conversation_id="c2", intent="out_of_scope", text="Sam is my brother [really]"),
    ]
    document = nlu_export.to_yaml(corrections, {"c1": ["Sam Rivera"]})
    examples = yaml.safe_load(document)["nlu"][0]["examples"]
    assert "- I'm (name), call (phone) or (email)" in examples
    assert "- Sam is my brother (really)" in examples, "names are those given in the same conversation"
    assert "555" not in document and "Rivera" not in document


def test_redacted_exports_give_the_day_not_the_time():
    from staff_review.exports import _when

    moment = 1795000000.5  # 2026-11-18 ...
    assert _when(moment, redact=True) == "2026-11-18"
    assert _when(moment, redact=False).startswith("2026-11-18T") and _when(moment, redact=False).endswith("+00:00")
