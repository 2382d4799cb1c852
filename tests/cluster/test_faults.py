"""Faults in the local cluster (scripts/cluster.py), each under load, on loopback only.

* Two messages of one conversation sent at the same moment to two different replicas are
  stored one turn after the other, none lost (the Redis lock store; without it they interleave).
* A replica killed during a 50-conversation load: every message that was answered is stored,
  once; a message the dying replica didn't answer gets an error (nginx's 502), and its retry
  is answered and stored once; the replica is started again.
* Redis and PostgreSQL restarted during load: meanwhile every reply is either a real answer
  or the apology with the phone number and the crisis lines (never an error page, never a
  false "got it"); a crisis message still gets the crisis reply; afterwards the cluster answers.
"""
from __future__ import annotations

import json
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from channels.ownership import issue_token
from tests.e2e.turns import PHONE, check_turn, is_crisis_reply

APOLOGY = "something went wrong on my side"
QUESTIONS = ["what is an intensive outpatient program?", "how many days a week?", "what is partial hospitalization?",
             "what are the signs of relapse?", "what happens after IOP?", "thanks"]


def post(base: str, secret: str, sender: str, message: str):
    """(status, reply) of one message, straight to `base` (nginx or one replica)."""
    token = issue_token(sender, secret.encode())
    request = urllib.request.Request(
        f"{base}/webhooks/rest/webhook", data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, None
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return 0, str(error)


def stored(cluster, sender: str):
    engine = sa.create_engine(cluster.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT type_name, action_name, data FROM events WHERE sender_id = :s "
                                              "ORDER BY id"), {"s": sender}).all()
    finally:
        engine.dispose()
    return [(row.type_name, row.action_name, json.loads(row.data)) for row in rows]


def user_texts(events):
    return [data["text"] for kind, _action, data in events if kind == "user"]


def replica_url(cluster, number: int) -> str:
    return f"http://127.0.0.1:{cluster.members[number - 1].rasa_port}"


def test_one_conversations_messages_at_two_replicas_at_once_are_stored_turn_after_turn(cluster):
    sender = f"web-{uuid.uuid4().hex}"
    sent = []
    with ThreadPoolExecutor(2) as pool:
        for number, question in enumerate(QUESTIONS[:5]):
            pair = [f"{question} ({number}a)", f"{question} ({number}b)"]
            replies = list(pool.map(lambda args: post(*args), [(replica_url(cluster, 1), cluster.secret, sender, pair[0]),
                                                               (replica_url(cluster, 2), cluster.secret, sender, pair[1])]))
            assert [status for status, _ in replies] == [200, 200], replies
            sent += pair
    events = stored(cluster, sender)
    assert sorted(user_texts(events)) == sorted(sent), "every message stored, once"
    # Turn after turn: after each user message, its bot turn ends with action_listen before the next one.
    kinds = [(kind, action) for kind, action, _ in events]
    users = [index for index, (kind, _) in enumerate(kinds) if kind == "user"]
    for this, following in zip(users, users[1:] + [len(kinds)]):
        turn = kinds[this + 1:following]
        assert ("action", "action_listen") == turn[-1] and ("bot", None) in turn, kinds[this:following]


def test_a_replica_killed_during_load_loses_no_answered_turn(cluster):
    senders = [f"web-{uuid.uuid4().hex}" for _ in range(50)]
    outcomes = {sender: [] for sender in senders}  # (message, first status, retried status)
    kill_at = threading.Event()

    def converse(sender: str) -> None:
        for number, question in enumerate(QUESTIONS):
            message = f"{question} [{number}]"
            status, reply = post(cluster.url, cluster.secret, sender, message)
            retried = None
            if status != 200:  # the dying replica: the client tries once more, as the widget offers
                time.sleep(1)
                retried, reply = post(cluster.url, cluster.secret, sender, message)
            outcomes[sender].append((message, status, retried))
            if number == 1:
                kill_at.set()

    with ThreadPoolExecutor(50) as pool:
        futures = [pool.submit(converse, sender) for sender in senders]
        kill_at.wait(60)
        cluster.kill("Rasa replica 1", signal.SIGKILL)
        for future in futures:
            future.result()

    cut_off = [message for results in outcomes.values() for message, status, _ in results if status != 200]
    assert cut_off, "the replica died with messages in flight (else this test tested nothing)"
    for sender in senders:
        texts = Counter(user_texts(stored(cluster, sender)))
        for message, status, retried in outcomes[sender]:
            answered = status == 200 or retried == 200
            assert answered, (message, status, retried)  # with one replica left, the retry is answered
            assert texts[message] == 1, (message, status, retried, texts[message])
    # Started again by the supervisor.
    deadline = time.monotonic() + 180
    while post(replica_url(cluster, 1), cluster.secret, f"web-{uuid.uuid4().hex}", "hi")[0] != 200:
        assert time.monotonic() < deadline, "replica 1 came back"
        time.sleep(2)


def outage_replies(cluster, messages):
    sender = f"web-{uuid.uuid4().hex}"
    return [post(cluster.url, cluster.secret, sender, message) for message in messages]


def test_redis_restarted_during_load_gives_answers_or_the_apology_never_an_error(cluster):
    cluster.kill("Redis", signal.SIGKILL)  # the supervisor starts it again after a second or two
    replies = outage_replies(cluster, ["what is an intensive outpatient program?", "I want to kill myself"])
    for status, reply in replies:
        assert status == 200, (status, reply)
        check_turn(reply)
    assert is_crisis_reply(replies[1][1]), "the crisis reply needs no lock"
    deadline = time.monotonic() + 60
    while True:
        status, reply = outage_replies(cluster, ["what is an intensive outpatient program?"])[0]
        if status == 200 and APOLOGY not in check_turn(reply):
            break
        assert time.monotonic() < deadline, "answers again once Redis is back"
        time.sleep(1)


def test_postgres_restarted_during_load_gives_the_apology_and_keeps_what_was_answered(cluster):
    sender = f"web-{uuid.uuid4().hex}"
    assert post(cluster.url, cluster.secret, sender, "what is an intensive outpatient program?")[0] == 200
    cluster.postgres.stop()
    try:
        for message in ("how many days a week?", "I want to end my life"):
            status, reply = post(cluster.url, cluster.secret, sender, message)
            assert status == 200, (status, reply)
            text = check_turn(reply)
            if "end my life" in message:
                assert is_crisis_reply(reply), "a crisis gets the crisis reply with the database down"
            else:
                assert APOLOGY in text and PHONE in text and "988" in text, text
    finally:
        cluster.postgres.start()
    deadline, text = time.monotonic() + 60, APOLOGY
    while APOLOGY in text:
        assert time.monotonic() < deadline, "answers again once PostgreSQL is back"
        status, reply = post(cluster.url, cluster.secret, sender, "what are the signs of relapse?")
        text = check_turn(reply) if status == 200 else APOLOGY
        time.sleep(0.5)
    texts = user_texts(stored(cluster, sender))
    assert "what is an intensive outpatient program?" in texts and "what are the signs of relapse?" in texts
