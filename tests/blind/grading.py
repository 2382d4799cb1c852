"""Grading the blind sets (tests/blind/*.yml) against the running assistant, as a black box.

Each expected label (README.md beside this file) names what a person should
get back; a turn is right when one of its messages comes from a response that
label accepts (the REST reply names each message's response). Crisis replies
are graded on the `custom.crisis` flag the widget and Telegram use: a
non-crisis label answered with the crisis script is wrong, whatever else came.
"""
from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set

import yaml

import knowledge

HERE = Path(__file__).resolve().parent
# Each conversation set was written at the start of a round of tuning by writers who read only
# README.md and the guide, measured before and after that round, and studied (its failing turns
# read by category) in the next. A to M (the last on 2026-11-29, sixth session) were studied,
# then retired into training data (RETIRED_CONVERSATION_SETS, below). N (2026-11-29, seventh) was
# measured before and after its round and never tuned on; O (2026-11-30, eighth) was written at
# the start of the round that retired A-M and measured before it. Both are honest measures.
CONVERSATION_SETS = ("conversations_n.yml", "conversations_o.yml")
# Studied sets whose answer turns are training examples (scripts/blind_sets_to_training_data.py
# writes data/nlu/retired_blind_sets/): no score is taken on them any more.
RETIRED_CONVERSATION_SETS = tuple(f"conversations_{letter}.yml" for letter in "abcdefghijklm")
CRISIS_SET, LOOKALIKE_SET = "crisis_redteam.yml", "crisis_lookalikes.yml"
WITHDRAWAL_SET, SPANISH_SET = "withdrawal.yml", "spanish.yml"
WITHDRAWAL_SET_2, WITHDRAWAL_SET_3, WITHDRAWAL_SET_4 = "withdrawal_2.yml", "withdrawal_3.yml", "withdrawal_4.yml"
WITHDRAWAL_SET_5, WITHDRAWAL_SET_6, WITHDRAWAL_SET_7 = "withdrawal_5.yml", "withdrawal_6.yml", "withdrawal_7.yml"
WITHDRAWAL_SET_8, WITHDRAWAL_SET_9, WITHDRAWAL_SET_10 = "withdrawal_8.yml", "withdrawal_9.yml", "withdrawal_10.yml"
WITHDRAWAL_SET_11, WITHDRAWAL_SET_12, WITHDRAWAL_SET_13 = "withdrawal_11.yml", "withdrawal_12.yml", "withdrawal_13.yml"
WITHDRAWAL_SETS = (WITHDRAWAL_SET, WITHDRAWAL_SET_2, WITHDRAWAL_SET_3, WITHDRAWAL_SET_4, WITHDRAWAL_SET_5,
                   WITHDRAWAL_SET_6, WITHDRAWAL_SET_7, WITHDRAWAL_SET_8, WITHDRAWAL_SET_9, WITHDRAWAL_SET_10,
                   WITHDRAWAL_SET_11, WITHDRAWAL_SET_12, WITHDRAWAL_SET_13)
# Written after the crisis lexicon was tuned on the first pair: the honest measure.
CRISIS_SET_2, LOOKALIKE_SET_2 = "crisis_redteam_2.yml", "crisis_lookalikes_2.yml"
# Written on 2026-11-28 after the second pair had been measured (and never tuned on): the next honest measure.
CRISIS_SET_3, LOOKALIKE_SET_3 = "crisis_redteam_3.yml", "crisis_lookalikes_3.yml"
# Written with set D, before the sentence embeddings; measured before and after, never tuned on.
CRISIS_SET_4, LOOKALIKE_SET_4 = "crisis_redteam_4.yml", "crisis_lookalikes_4.yml"
# Written with set E, at the start of the crisis check-in round; never tuned on.
CRISIS_SET_5, LOOKALIKE_SET_5 = "crisis_redteam_5.yml", "crisis_lookalikes_5.yml"
# Written with set F; studied in the next round (one lexicon phrase, from red team 5's style).
CRISIS_SET_6, LOOKALIKE_SET_6 = "crisis_redteam_6.yml", "crisis_lookalikes_6.yml"
# Written with set G; its lines were never read.
CRISIS_SET_7, LOOKALIKE_SET_7 = "crisis_redteam_7.yml", "crisis_lookalikes_7.yml"
# Written with set H; studied in round I.
CRISIS_SET_8, LOOKALIKE_SET_8 = "crisis_redteam_8.yml", "crisis_lookalikes_8.yml"
# Written with set I; never tuned on.
CRISIS_SET_9, LOOKALIKE_SET_9 = "crisis_redteam_9.yml", "crisis_lookalikes_9.yml"
# Written with set J; never tuned on.
CRISIS_SET_10, LOOKALIKE_SET_10 = "crisis_redteam_10.yml", "crisis_lookalikes_10.yml"
# Written with set K; studied with it in the next round.
CRISIS_SET_11, LOOKALIKE_SET_11 = "crisis_redteam_11.yml", "crisis_lookalikes_11.yml"
# Written with set L; studied with it in the next round.
CRISIS_SET_12, LOOKALIKE_SET_12 = "crisis_redteam_12.yml", "crisis_lookalikes_12.yml"
# Written with set M; not studied in the next round (only M was).
CRISIS_SET_13, LOOKALIKE_SET_13 = "crisis_redteam_13.yml", "crisis_lookalikes_13.yml"
# Written with set N; never tuned on.
CRISIS_SET_14, LOOKALIKE_SET_14 = "crisis_redteam_14.yml", "crisis_lookalikes_14.yml"
# Written with set O; never tuned on.
CRISIS_SET_15, LOOKALIKE_SET_15 = "crisis_redteam_15.yml", "crisis_lookalikes_15.yml"
# The pairs still measured: the first (studied, kept for its exact guarantee: no look-alike of
# it gets the emergency script), those never studied (7, 9, 10, 13) and the honest ones (14, 15).
CRISIS_SETS = (CRISIS_SET, CRISIS_SET_7, CRISIS_SET_9, CRISIS_SET_10, CRISIS_SET_13, CRISIS_SET_14, CRISIS_SET_15)
LOOKALIKE_SETS = (LOOKALIKE_SET, LOOKALIKE_SET_7, LOOKALIKE_SET_9, LOOKALIKE_SET_10, LOOKALIKE_SET_13,
                  LOOKALIKE_SET_14, LOOKALIKE_SET_15)
# The pairs studied while tuning the crisis net (README, "Blind sets"), retired into training
# data with the conversation sets: a red team's crises under the crisis intent, each look-alike
# under the intent of its everyday answer. Spanish crises are left to the lexicon.
RETIRED_CRISIS_SETS = (CRISIS_SET_2, CRISIS_SET_3, CRISIS_SET_4, CRISIS_SET_5, CRISIS_SET_6, CRISIS_SET_8,
                       CRISIS_SET_11, CRISIS_SET_12)
RETIRED_LOOKALIKE_SETS = (LOOKALIKE_SET_2, LOOKALIKE_SET_3, LOOKALIKE_SET_4, LOOKALIKE_SET_5, LOOKALIKE_SET_6,
                          LOOKALIKE_SET_8, LOOKALIKE_SET_11, LOOKALIKE_SET_12)

RESPONSES: Dict[str, Set[str]] = {
    "greet": {"utter_greet"},
    "goodbye": {"utter_goodbye"},
    # "ok", "cool" after an answer: utter_anything_else ("Glad that helps. Anything else?");
    # in the middle of a form, utter_you_are_welcome_in_form before the form's question.
    # utter_crisis_calling: "ok calling 911" after the crisis reply, acknowledged with the lines.
    "thanks": {"utter_you_are_welcome", "utter_anything_else", "utter_you_are_welcome_in_form", "utter_crisis_calling"},
    "bot_identity": {"utter_iamabot"},
    "capabilities": {"utter_capabilities"},
    "out_of_scope": {"utter_out_of_scope"},
    "rephrase": {"utter_ask_rephrase", "utter_fallback_call_us"},
    "no_problem": {"utter_no_problem", "utter_anything_else"},
    "stopped": {"utter_stopped"},
    "levels_overview": {"utter_levels_overview"},
    "iop_therapies": {"utter_iop_therapies"},
    "iop_start": {"utter_iop_start"},
    "coping_skills": {"utter_coping_skills"},
    "relapse_signs": {"utter_relapse_signs"},
    "cognitive_skills": {"utter_cognitive_skills"},
    "after_iop": {"utter_after_iop"},
    "detox_alone": {"utter_detox_alone"},
    "contact": {"utter_contact"},
    # utter_unplaced_question: the same honest answer, to a question the classifier couldn't place;
    # utter_level_not_in_guide: to a question about a level ("are there evening IOP groups?").
    "not_in_guide": {"utter_admissions_info", "utter_unplaced_question", "utter_level_not_in_guide"},
    "medical_advice": {"utter_medical_advice"},
    # utter_live_chat_unavailable: asked for a live chat when no one is free (docs/handoff.md).
    "human": {"utter_human", "utter_human_team_in", "utter_human_after_hours", "utter_human_team_away",
              "utter_live_chat_unavailable"},
    "withdrawal": {"utter_withdrawal_help"},
    "spanish": {"utter_spanish"},
    "non_english": {"utter_english_only"},
    "crisis": {"utter_crisis"},
    "crisis_es": {"utter_crisis_es"},
    "triage:for_whom": {"utter_ask_triage_for_whom"},
    "triage:withdrawal": {"utter_ask_triage_withdrawal"},
    "triage:safe_home": {"utter_ask_triage_safe_home"},
    "triage:can_attend": {"utter_ask_triage_can_attend"},
    "triage:mental_health": {"utter_ask_triage_mental_health"},
    "triage:prior_treatment": {"utter_ask_triage_prior_treatment"},
    "triage:orientation": {"utter_triage_orientation", "utter_triage_orientation_open"},
    "triage:stopped": {"utter_triage_stopped"},
    "callback:name": {"utter_ask_callback_name"},
    "callback:phone": {"utter_ask_callback_phone"},
    "callback:best_time": {"utter_ask_callback_best_time"},
    "callback:note": {"utter_ask_callback_note"},
    "callback:consent": {"utter_ask_callback_consent"},
    "callback:summary": {"utter_callback_summary"},
    "callback:saved": {"utter_callback_saved"},
    "callback:change": {"utter_callback_what_to_change"},
    "callback:stopped": {"utter_callback_stopped"},
    "callback:declined": {"utter_callback_declined"},
}
CRISIS_LABELS = {"crisis", "crisis_es"}
ASPECTS = {"info", "schedule", "living", "suits"}


def load(name: str) -> dict:
    with open(HERE / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def is_crisis(reply: Sequence[dict]) -> bool:
    return any((message.get("custom") or {}).get("crisis") for message in reply)


def names(reply: Sequence[dict]) -> List[str]:
    return [message.get("response") or "-" for message in reply]


def _texts_of(reply: Sequence[dict], response: str) -> str:
    return "\n".join(m.get("text") or "" for m in reply if m.get("response") == response)


def label_holds(label: str, reply: Sequence[dict]) -> bool:
    """Whether one turn's reply is what the label asks for."""
    if (label in CRISIS_LABELS) != is_crisis(reply):
        return False
    if label in RESPONSES:
        return bool(RESPONSES[label] & set(names(reply)))
    kind, *parts = label.split(":")
    if kind == "level" and len(parts) == 2 and parts[1] in ASPECTS:
        level = knowledge.level_by_id(parts[0])
        if level is None:
            return False
        answers = [_texts_of(reply, f"utter_level_{parts[1]}")]
        if parts[1] == "info":  # "what's the next level up?" answers with that level's summary
            answers += [_texts_of(reply, "utter_level_above"), _texts_of(reply, "utter_level_below")]
        return any(level.name in text for text in answers) or level.short in _texts_of(reply, "utter_level_not_in_guide")
    if kind == "compare" and len(parts) == 2:
        levels = [knowledge.level_by_id(part) for part in parts]
        text = _texts_of(reply, "utter_compare_levels")
        return all(level and level.short in text for level in levels)
    raise ValueError(f"unknown label {label!r}")


def turn_holds(expect, reply: Sequence[dict]) -> bool:
    labels = expect if isinstance(expect, list) else [expect]
    return any(label_holds(label, reply) for label in labels)


# Sends one message to the assistant and returns its reply (tests.servers.Assistant.say).
Post = Callable[[str, str], List[dict]]


@dataclass
class Turn:
    source: str
    text: str
    expect: object
    got: List[str]
    crisis: bool
    ok: bool


@dataclass
class Report:
    turns: List[Turn] = field(default_factory=list)
    conversations: Dict[str, bool] = field(default_factory=dict)

    def add(self, key: str, turns: List[Turn]) -> None:
        self.turns += turns
        self.conversations[key] = all(turn.ok for turn in turns)

    @property
    def conversation_score(self) -> float:
        return sum(self.conversations.values()) / max(1, len(self.conversations))

    @property
    def turn_score(self) -> float:
        return sum(turn.ok for turn in self.turns) / max(1, len(self.turns))

    def by_label(self) -> Dict[str, Counter]:
        table: Dict[str, Counter] = {}
        for turn in self.turns:
            labels = turn.expect if isinstance(turn.expect, list) else [turn.expect]
            counter = table.setdefault(" | ".join(labels), Counter())
            counter["right" if turn.ok else "wrong"] += 1
        return table

    def confusions(self) -> Counter:
        """(expected, what came instead) pairs of the wrong turns."""
        pairs: Counter = Counter()
        for turn in self.turns:
            if not turn.ok:
                expected = turn.expect if isinstance(turn.expect, str) else "|".join(turn.expect)
                pairs[(expected, "crisis" if turn.crisis else ",".join(dict.fromkeys(turn.got)))] += 1
        return pairs


def run_conversations(post: Post, name: str, report: Optional[Report] = None) -> Report:
    report = report or Report()
    for conversation in load(name)["conversations"]:
        sender = f"blind-{uuid.uuid4().hex[:12]}"
        turns = []
        for turn in conversation["turns"]:
            reply = post(sender, turn["user"])
            ok = turn_holds(turn["expect"], reply)
            turns.append(Turn(name, turn["user"], turn["expect"], names(reply), is_crisis(reply), ok))
        report.add(f"{name}:{conversation['id']}", turns)
    return report


def run_messages(post: Post, name: str, report: Optional[Report] = None) -> Report:
    """Single messages, each in a conversation of its own."""
    report = report or Report()
    for index, item in enumerate(load(name)["messages"]):
        reply = post(f"blind-{uuid.uuid4().hex[:12]}", item["text"])
        turn = Turn(name, item["text"], item["expect"], names(reply), is_crisis(reply), turn_holds(item["expect"], reply))
        report.add(f"{name}:{index}", [turn])
    return report


# A label seen fewer times than this says little about what is weak.
MIN_TURNS_FOR_WEAK = 5


def summary(title: str, report: Report, worst: int = 8) -> Iterable[str]:
    yield f"{title}: {len(report.conversations)} items, {len(report.turns)} turns"
    yield f"  conversations all right: {report.conversation_score:.1%}   turns right: {report.turn_score:.1%}"
    weakest = sorted(
        (c["right"] / (c["right"] + c["wrong"]), label, c)
        for label, c in report.by_label().items()
        if c["wrong"] and c["right"] + c["wrong"] >= MIN_TURNS_FOR_WEAK
    )[:worst]
    for share, label, counts in weakest:
        yield f"  weak: {label:40s} {share:.0%} of {counts['right'] + counts['wrong']}"
    for (expected, got), count in report.confusions().most_common(worst):
        yield f"  confused: {expected} -> {got} ({count})"
