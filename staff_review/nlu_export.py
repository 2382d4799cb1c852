"""Staff corrections as Rasa NLU training data (YAML), to review and merge into data/nlu/.

One block per intent, examples sorted and de-duplicated. Each example is
one line in the YAML literal block, with whitespace collapsed. Square
brackets are Rasa's entity-annotation syntax (`[text](entity)`), so they
become parentheses: an example must never declare an entity by accident.
Button payloads (`/intent{...}`) are not language and are skipped.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Dict, Iterable, List, Set


def example_line(text: str) -> str:
    return " ".join(text.replace("[", "(").replace("]", ")").split())


def to_yaml(corrections: Iterable) -> str:
    by_intent: Dict[str, Set[str]] = {}
    for correction in corrections:
        line = example_line(correction.text)
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
