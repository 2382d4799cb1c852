"""`make bench` measures a working bot or nothing: its scripted conversation must
still walk the real paths (answers, context, triage, a stored callback, a crisis)."""
import sqlite3

from benchmarks.conversations import CONFIRM_TURN, every_turn_of_ours, ours
from benchmarks.load import LoadResult


def test_the_benchmark_conversation_passes_its_own_checks(assistant, sender):
    for number, turn in enumerate(ours(7), start=1):
        reply = assistant.say(sender, turn.message)
        assert every_turn_of_ours(reply) is None, (number, turn.message)
        if turn.check:
            assert turn.check(reply) is None, (number, turn.message, turn.check(reply))
        if number == CONFIRM_TURN:
            with sqlite3.connect(assistant.database_url.replace("sqlite:///", "")) as db:
                stored = db.execute("SELECT count(*) FROM callback_requests WHERE conversation_id = ?", (sender,))
                assert stored.fetchone()[0] == 1


def test_percentiles_are_nearest_rank():
    result = LoadResult(concurrency=1, conversations=1, latencies=[i / 1000 for i in range(1, 101)])
    assert (result.percentile(50), result.percentile(95), result.percentile(99)) == (50, 95, 99)
    assert result.percentile(100) == 100
