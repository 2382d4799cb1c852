"""The blind sets (tests/blind/) against the real assistant: scores, weakest labels, confusions.

Starts the action server and the Rasa server on loopback with a throwaway
SQLite database, plays every blind conversation and message through the
REST webhook, and prints what a person would have got right:

  python -m benchmarks.blind [--model M] [--only conversations_a.yml ...]

`make bench-nlu` runs it after the held-out NLU scores.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tests.blind import grading
from tests.servers import Assistant

CHECK_IN = "utter_crisis_check_in"


def measure(post, only=()) -> dict:
    sets = {}
    for name in grading.CONVERSATION_SETS:
        if not only or name in only:
            sets[name] = grading.run_conversations(post, name)
    for name in (*grading.CRISIS_SETS, *grading.LOOKALIKE_SETS, *grading.WITHDRAWAL_SETS, grading.SPANISH_SET):
        if not only or name in only:
            sets[name] = grading.run_messages(post, name)
    return sets


def print_report(sets: dict) -> None:
    for name, report in sets.items():
        for line in grading.summary(name, report):
            print(line)
    for name in grading.CRISIS_SETS:
        if name in sets:
            turns = sets[name].turns
            print(f"{name}: crisis recall (any crisis reply): {sum(t.crisis for t in turns)}/{len(turns)}; "
                  f"asked the check-in question instead: {sum(any(g.startswith(CHECK_IN) for g in t.got) for t in turns)}")
    for name in grading.LOOKALIKE_SETS:
        if name in sets:
            turns = sets[name].turns
            print(f"{name}: look-alikes given the emergency script: {sum(t.crisis for t in turns)}/{len(turns)}")
    for name in grading.WITHDRAWAL_SETS:
        if name in sets:
            turns = sets[name].turns
            pointed = sum(t.crisis or "utter_withdrawal_help" in t.got for t in turns)
            print(f"{name}: withdrawal symptoms given a medical pointer: {pointed}/{len(turns)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--only", nargs="*", default=())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        assistant = Assistant(Path(workdir), f"sqlite:///{workdir}/blind.db", model=args.model).start()
        try:
            started = time.monotonic()
            sets = measure(assistant.say, args.only)
            print_report(sets)
            print(f"({time.monotonic() - started:.0f} s)")
        finally:
            assistant.stop()


if __name__ == "__main__":
    main()
