"""Triage: from a few answers to an orientation toward levels of care (never a diagnosis).

The mapping is data (knowledge/triage.yml) a clinician can review; this module
only applies it and words the result. The form that asks the questions comes
with the callback flow.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List

import knowledge
from knowledge import Level

ASSESSMENT_NOTE = "Only a clinical assessment can decide the level of care."


@dataclass(frozen=True)
class Orientation:
    levels: List[Level]
    reasons: List[str]
    warn_detox_alone: bool


def orientation(answers: Dict[str, str]) -> Orientation:
    rows, default = knowledge.triage_table()
    applying = [row for row in rows if row.applies(answers)] or [default]
    levels: List[Level] = []
    for row in applying:
        levels += [level for level in row.levels if level not in levels]
    return Orientation(
        levels=levels,
        reasons=[row.reason for row in applying],
        warn_detox_alone=any(row.warn_detox_alone for row in applying),
    )


def describe(result: Orientation) -> str:
    if result.levels:
        names = [level.short for level in result.levels]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        lines = [f"From what you shared, the team may talk with you about {listed}, because:"]
    else:
        lines = ["Thank you for sharing that."]
    lines += [f"- {reason[0].upper()}{reason[1:]}" for reason in result.reasons]
    lines += ["", ASSESSMENT_NOTE]
    return "\n".join(lines)
