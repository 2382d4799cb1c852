"""Staff corrections as Rasa NLU training data (YAML), to review and merge into data/nlu/.

One block per intent, examples sorted and de-duplicated. Each example is
one line in the YAML literal block, with whitespace collapsed. Square
brackets are Rasa's entity-annotation syntax (`[text](entity)`), so they
become parentheses: an example must never declare an entity by accident.
Button payloads (`/intent{...}`) are not language and are skipped.

Every example goes through the export redaction (staff_review.redact):
emails, phone numbers and the names given in its conversation become
[name]/[phone]/[email] (written with parentheses, as above), so no person's
details become training data. The server also refuses corrections of form
answers (staff_review.curation.NotTrainable).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Dict, Iterable, List, Mapping, Sequence, Set

from staff_review import redact as redaction


def example_line(text: str) -> str:
    return " ".join(text.replace("[", "(").replace("]", ")").split())


def to_yaml(corrections: Iterable, names: Mapping[str, Sequence[str]] = {}) -> str:
    """The corrections as Rasa NLU YAML; `names`: the names given in each conversation, by conversation id."""
    by_intent: Dict[str, Set[str]] = {}
    patterns: Dict[str, list] = {}
    for correction in corrections:
        cid = correction.conversation_id
        if cid not in patterns:
            patterns[cid] = redaction.name_patterns(names.get(cid, ()))
        line = example_line(redaction.redact(correction.text, patterns[cid]))
        if line and not line.startswith("/"):
            by_intent.setdefault(correction.intent, set()).add(line)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines: List[str] = [
        f"# Intent corrections from staff review, exported {stamp}.",
        "# Read every example, then merge into the matching data/nlu/ file and retrain.",
        'version: "3.1"',
        "nlu:" if by_intent else "nlu: []",
    ]
    for intent in sorted(by_intent):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {example}" for example in sorted(by_intent[intent]))
    return "\n".join(lines) + "\n"
