"""Turn the retired blind sets' messages into NLU training examples.

A blind set is honest until its lines are read while tuning; after that its score tells
us little (tests/blind/README.md). Rather than leave a studied set idle, its messages,
written by people who never saw data/, become training examples here: each user turn or
single message (red teams, look-alikes) whose expected answer names exactly one intent (a
guide answer, a greeting, the crisis reply...) is kept under that intent. Left out: triage
and callback answers, turns with two right answers, short follow-ups ("and php?", which
the assistant reads as a level named alone), short statements that lean on the turn
before ("hes 15"), crisis examples shorter than the crisis net reads, and any message a
test still reads (the held-out NLU set, every blind set still measured), so that no score
is taken on a training line.

    python -m scripts.blind_sets_to_training_data      # rewrites data/nlu/retired_blind_sets/

The output is generated: edit the sets or this script, never the output
(tests/unit/test_retired_blind_sets.py checks they agree).
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from rasa.shared.nlu.training_data.loading import load_data

from answer_words.questions import asks_a_question
from tests.blind import grading  # the sets, and which are retired

ROOT = Path(__file__).resolve().parent.parent

OUT = ROOT / "data" / "nlu" / "retired_blind_sets"
HELD_OUT = ROOT / "tests" / "nlu" / "test_nlu.yml"
# Where each intent's own examples live (data/nlu/<topic>.yml): the retired examples of an
# intent go to the file of the same name, so that data/nlu/ keeps one topic per file.
TOPICS = ("levels_of_care", "iop", "admissions", "basics", "human", "crisis", "withdrawal", "spanish")
# The blind sets' answer labels (tests/blind/README.md) and the intent that asks for each.
LABEL_INTENTS = {
    "greet": "greet", "goodbye": "goodbye", "thanks": "thank", "bot_identity": "bot_challenge",
    "capabilities": "ask_capabilities", "out_of_scope": "out_of_scope", "levels_overview": "ask_levels_overview",
    "iop_therapies": "ask_iop_therapies", "iop_start": "ask_iop_start", "coping_skills": "ask_coping_skills",
    "relapse_signs": "ask_relapse_signs", "cognitive_skills": "ask_cognitive_skills", "after_iop": "ask_after_iop",
    "detox_alone": "ask_detox_alone", "contact": "ask_contact", "not_in_guide": "ask_admissions_info",
    "medical_advice": "ask_medical_advice", "human": "ask_human", "withdrawal": "report_withdrawal",
    "crisis": "crisis", "spanish": "spanish",
}
ASPECT_INTENTS = {"info": "ask_level_info", "schedule": "ask_level_schedule", "living": "ask_level_living",
                  "suits": "ask_level_suitability"}
# "and php?", "what about detox": a level named with a word or two leans on the question before
# it; the data has those as inform_level, whatever aspect the writer expected.
FOLLOW_UP_WORDS = 3
# A short statement in a conversation leans on what came before it just as much: "hes 15" after
# "do you take teens?", "its cold" after the crisis reply. Only these say the same on their own.
SAYS_IT_ALONE = {"greet", "goodbye", "thank", "spanish", "ask_contact", "ask_human", "bot_challenge"}
# The crisis net reads the classifier's crisis guess from this many words (config.yml's
# classifier_min_words): a shorter crisis example would only teach the rest of it to guess so.
CRISIS_MIN_WORDS = 4


def example_of(expect, text: str, in_conversation: bool) -> Optional[str]:
    """The intent a message is an example of, or None when it is no example of one on its own."""
    intent = intent_of(expect, text)
    words = len(text.split())
    if intent == "crisis" and words < CRISIS_MIN_WORDS:
        return None
    if in_conversation and words <= FOLLOW_UP_WORDS and intent not in SAYS_IT_ALONE and not asks_a_question(text):
        return None
    return intent


def intent_of(expect, text: str) -> Optional[str]:
    """The one intent a turn's expected answer names, or None."""
    if isinstance(expect, list):
        intents = {intent_of(label, text) for label in expect}
        return intents.pop() if len(intents) == 1 else None
    parts = expect.split(":")
    if parts[0] == "compare":
        return "compare_levels"
    if parts[0] == "level":
        return None if len(text.split()) <= FOLLOW_UP_WORDS else ASPECT_INTENTS.get(parts[2])
    return LABEL_INTENTS.get(expect)


def key(text: str) -> str:
    """A message as compared with others: case, spacing and end punctuation don't count."""
    return re.sub(r"[\s.!?]+$", "", " ".join(text.lower().replace("’", "'").split()))


def texts_still_tested() -> set:
    """Every message a test or benchmark still scores."""
    keys = set()
    for name in grading.CONVERSATION_SETS:
        keys |= {key(turn["user"]) for conversation in grading.load(name)["conversations"] for turn in conversation["turns"]}
    for name in set(grading.CRISIS_SETS + grading.LOOKALIKE_SETS + grading.WITHDRAWAL_SETS) | {grading.SPANISH_SET}:
        keys |= {key(message["text"]) for message in grading.load(name)["messages"]}
    return keys | {key(text) for text in intents_by_example(HELD_OUT)}


def intents_by_example(path: Path) -> Dict[str, str]:
    """A file of NLU examples as Rasa reads it: text (without entity annotations) -> intent."""
    return {example.get("text"): example.get("intent") for example in load_data(str(path)).intent_examples}


def examples_already_in_the_data() -> set:
    # The topic files only: data/nlu/ as a folder would include this script's own output.
    return {key(text) for path in (ROOT / "data" / "nlu").glob("*.yml") for text in intents_by_example(path)}


def retired_messages() -> Iterable[tuple]:
    """(message, expected answer, whether it was said in a conversation) of every user turn and
    single message of the retired sets."""
    for name in grading.RETIRED_CONVERSATION_SETS:
        for conversation in grading.load(name)["conversations"]:
            for turn in conversation["turns"]:
                yield turn["user"], turn["expect"], True
    for name in grading.RETIRED_CRISIS_SETS + grading.RETIRED_LOOKALIKE_SETS:
        for message in grading.load(name)["messages"]:
            yield message["text"], message["expect"], False


def retired_examples() -> Dict[str, List[str]]:
    """intent -> messages, in the order the sets give them; a message labelled two ways is dropped."""
    skip = texts_still_tested() | examples_already_in_the_data()
    labelled: Dict[str, set] = defaultdict(set)
    order: List[tuple] = []
    for text, expect, in_conversation in retired_messages():
        text = " ".join(str(text).split())
        intent = example_of(expect, text, in_conversation)
        if intent and text and key(text) not in skip:
            labelled[key(text)].add(intent)
            order.append((key(text), text, intent))
    examples: Dict[str, List[str]] = defaultdict(list)
    seen = set()
    for text_key, text, intent in order:
        if len(labelled[text_key]) == 1 and text_key not in seen:
            seen.add(text_key)
            examples[intent].append(text)
    return examples


def topics_of_intents() -> Dict[str, str]:
    """intent -> the first of TOPICS whose file has examples of it."""
    topics: Dict[str, str] = {}
    for topic in reversed(TOPICS):
        topics.update(dict.fromkeys(intents_by_example(ROOT / "data" / "nlu" / f"{topic}.yml").values(), topic))
    return topics


def render(blocks: Iterable[tuple]) -> str:
    lines = ['version: "3.1"', "",
             "# Generated by scripts/blind_sets_to_training_data.py from the retired blind sets",
             "# (tests/blind/README.md): do not edit, re-run the script.", "nlu:"]
    for intent, texts in blocks:
        lines += [f"- intent: {intent}", "  examples: |"]
        # Examples are literal text: brackets would read as entity annotations.
        lines += [f"    - {text.replace('[', '(').replace(']', ')')}" for text in texts]
    return "\n".join(lines) + "\n"


def rendered_files() -> Dict[str, str]:
    by_topic: Dict[str, List[tuple]] = defaultdict(list)
    topics = topics_of_intents()
    for intent, texts in sorted(retired_examples().items()):
        by_topic[topics[intent]].append((intent, texts))
    return {f"{topic}.yml": render(blocks) for topic, blocks in sorted(by_topic.items())}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    files = rendered_files()
    for stale in set(path.name for path in OUT.glob("*.yml")) - set(files):
        (OUT / stale).unlink()
    for name, text in files.items():
        (OUT / name).write_text(text, encoding="utf-8")
    count = sum(text.count("\n    - ") for text in files.values())
    sets = grading.RETIRED_CONVERSATION_SETS + grading.RETIRED_CRISIS_SETS + grading.RETIRED_LOOKALIKE_SETS
    print(f"{count} examples from {len(sets)} retired sets in {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
