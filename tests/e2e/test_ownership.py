"""Attacks on someone else's conversation, each against the real servers (issue #12).

For every refused request: the status a client is told, nothing stored, the
victim's conversation and callback request unchanged, and other
conversations still answered. The rate limits are tested on a server of
their own with the real limits (the shared one runs at machine speed).
"""
import asyncio
import http.client
import json
import random
import sqlite3
import time
import urllib.request
from unittest import mock

import aiohttp
import pytest

from channels import ownership
from channels.rate_limits import DEFAULT_CLIENT, DEFAULT_CONVERSATION, parse_limit
from tests.e2e.test_callback import REFERENCE, stored, to_summary
from tests.e2e.turns import check_turn, is_crisis_reply
from tests.servers import Assistant
from tests.telegram.conftest import conversation_of

QUESTION = "what is an intensive outpatient program?"


def body(sender, message="hello", **extra) -> bytes:
    return json.dumps({"sender": sender, "message": message, **extra}).encode()


def rows(assistant, sql, *parameters):
    with sqlite3.connect(assistant.database_url.replace("sqlite:///", "")) as db:
        return db.execute(sql, parameters).fetchall()


def events(assistant, sender):
    return rows(assistant, "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", sender)


def still_answers(assistant, sender, token):
    status, reply = assistant.request(assistant.webhook, body(sender, QUESTION), token=token)
    assert status == 200 and "five days a week" in check_turn(reply)


class ViaBridge:
    """Talks to the Telegram bridge's endpoint as the bridge does (with its secret)."""

    def __init__(self, assistant):
        self.assistant = assistant

    def say(self, sender, message):
        status, reply = self.assistant.request(
            self.assistant.bridge_webhook, body(sender, message), token=self.assistant.bridge_secret
        )
        assert status == 200, (status, reply)
        return reply


@pytest.fixture
def victim(assistant):
    """A website visitor's conversation, handed out by the server, one question in."""
    sender, token = assistant.new_conversation()
    check_turn(assistant.request(assistant.webhook, body(sender, QUESTION), token=token)[1])
    return sender, token


# Conversations are handed out, and only their token continues them ----------------


def test_a_conversation_is_handed_out_with_a_token(assistant):
    first, second = assistant.new_conversation(), assistant.new_conversation()
    assert first[0] != second[0] and ownership.WEBSITE_ID.fullmatch(first[0])
    still_answers(assistant, *first)


def test_a_message_without_a_token_is_refused_and_stores_nothing(assistant, victim):
    sender, token = victim
    before = events(assistant, sender)
    status, reply = assistant.request(assistant.webhook, body(sender, "what's my phone number?"))
    assert status == 403 and reply["code"] == "token_missing" and "Authorization: Bearer" in reply["error"]
    assert events(assistant, sender) == before
    still_answers(assistant, sender, token)


def test_another_visitors_token_does_not_open_a_conversation(assistant, victim):
    sender, token = victim
    attacker, attackers_token = assistant.new_conversation()
    before = events(assistant, sender)
    status, reply = assistant.request(assistant.webhook, body(sender, "/affirm"), token=attackers_token)
    assert status == 403 and reply["code"] == "token_invalid"
    assert events(assistant, sender) == before and events(assistant, attacker) == []
    still_answers(assistant, sender, token)


@pytest.mark.parametrize("guess", ["web-" + "0" * 32, "web-1", "test-abc", "admin", "1"])
def test_a_guessed_id_with_a_made_up_token_is_refused(assistant, guess):
    made_up = ownership.issue_token(guess, b"not the server's secret" * 2)
    for token in (None, made_up, "x" * 40, "Bearer", made_up[:-2] + "AA"):
        status, reply = assistant.request(assistant.webhook, body(guess), token=token)
        assert status == 403, (token, reply)
    assert events(assistant, guess) == []


def test_the_website_cannot_reach_a_telegram_conversation(assistant):
    """Telegram ids are public numbers: a conversation keyed on one is the bridge's alone."""
    chat_id = random.randint(10**8, 10**10)
    telegram = ViaBridge(assistant)
    sender = conversation_of(assistant, chat_id)
    summary = to_summary(telegram, sender, name="Ana Telegram", phone="(619) 555-0142")
    assert "(619) 555-0142" in summary
    before = events(assistant, sender)
    attacker, attackers_token = assistant.new_conversation()
    forged = [
        (assistant.webhook, body(sender, "my number is 858 555 0199"), attackers_token),  # a token of its own
        (assistant.webhook, body(sender, "/affirm"), assistant.token_for(sender)),  # even a signed one
        (assistant.webhook, body(f"telegram-{chat_id}", "/affirm"), attackers_token),  # the old id shape
        (assistant.bridge_webhook, body(sender, "858 555 0199"), attackers_token),  # the bridge's door
        (assistant.bridge_webhook, body(sender, "858 555 0199"), None),
        (assistant.bridge_webhook, body(attacker, "hello"), assistant.bridge_secret),  # a web id there
    ]
    for url, forged_body, token in forged:
        status, reply = assistant.request(url, forged_body, token=token)
        assert status == 403, (url, reply)
    assert events(assistant, sender) == before, "nothing the attacker sent was stored"
    confirmation = check_turn(telegram.say(sender, "/affirm"))
    [row] = stored(assistant, sender)
    assert row["reference"] == REFERENCE.search(confirmation).group(0)
    assert (row["name"], row["phone"]) == ("Ana Telegram", "+16195550142"), "the victim's own number"


def test_the_server_names_the_channel_not_the_client(assistant):
    sender, token = assistant.new_conversation()
    forged = body(sender, QUESTION, input_channel="telegram", metadata={"channel": "telegram"})
    assert assistant.request(assistant.webhook, forged, token=token)[0] == 200
    [user] = [json.loads(data) for kind, data in events(assistant, sender) if kind == "user"]
    assert user["input_channel"] == "rest" and "channel" not in user.get("metadata", {})
    telegram = conversation_of(assistant, random.randint(10**8, 10**10))
    ViaBridge(assistant).say(telegram, QUESTION)
    [user] = [json.loads(data) for kind, data in events(assistant, telegram) if kind == "user"]
    assert user["input_channel"] == "telegram"


# Tokens expire, and are renewed without losing the conversation -------------------


def token_issued_ago(assistant, sender, seconds):
    """A token as the server would have signed it `seconds` ago (the tests hold its secret)."""
    with mock.patch("time.time", return_value=time.time() - seconds):
        return ownership.issue_token(sender, assistant.secret.encode())


def renew(assistant, sender, token):
    return assistant.request(assistant.conversations_url, json.dumps({"sender": sender}).encode(), token=token)


def test_an_expired_token_is_refused_and_renewed_within_the_window(assistant):
    sender, token = assistant.new_conversation()
    assistant.request(assistant.webhook, body(sender, "tell me about partial hospitalization"), token=token)
    expired = token_issued_ago(assistant, sender, ownership.DEFAULT_TOKEN_TTL + 60)
    before = events(assistant, sender)
    status, reply = assistant.request(assistant.webhook, body(sender, "how many days a week?"), token=expired)
    assert status == 403 and reply["code"] == "token_expired"
    assert events(assistant, sender) == before
    status, renewed = renew(assistant, sender, expired)
    assert status == 200 and renewed["sender"] == sender and renewed["token"] != expired
    # The same conversation, context and all: "that" is still partial hospitalization.
    status, reply = assistant.request(assistant.webhook, body(sender, "how many days a week is that?"), token=renewed["token"])
    assert status == 200 and "seven days a week" in check_turn(reply)


def test_a_stolen_token_past_the_renewal_window_is_useless(assistant, victim):
    sender, token = victim
    stolen = token_issued_ago(assistant, sender, ownership.DEFAULT_TOKEN_TTL + ownership.DEFAULT_RENEWAL_WINDOW + 60)
    before = events(assistant, sender)
    assert assistant.request(assistant.webhook, body(sender), token=stolen)[1]["code"] == "token_expired"
    status, reply = renew(assistant, sender, stolen)
    assert status == 403 and reply["code"] == "token_expired"
    assert events(assistant, sender) == before
    still_answers(assistant, sender, token)


def test_renewal_needs_the_conversations_own_token(assistant, victim):
    sender, _ = victim
    _, attackers_token = assistant.new_conversation()
    assert renew(assistant, sender, attackers_token)[0] == 403
    assert renew(assistant, sender, None)[0] == 403
    assert renew(assistant, "tg-" + "0" * 32, assistant.bridge_secret)[0] == 400


# Bounded requests --------------------------------------------------------------------


@pytest.mark.parametrize("megabytes", [1, 5])
def test_huge_metadata_is_refused_before_it_is_read(assistant, victim, megabytes):
    sender, token = victim
    before = events(assistant, sender)
    huge = body(sender, "i want to kill myself", metadata={"padding": "a" * (megabytes * 1_000_000)})
    assert assistant.post_large(huge, token=token) == 413
    assert events(assistant, sender) == before
    still_answers(assistant, sender, token)


def test_a_60_kb_body_is_refused(assistant, victim):
    sender, token = victim
    before = events(assistant, sender)
    assert assistant.post_large(body(sender, "a" * 60_000), token=token) == 413
    assert events(assistant, sender) == before


@pytest.mark.parametrize("depth, status", [(100, 400), (1_000, 400), (100_000, 413)])
def test_deeply_nested_json_gets_a_4xx_with_a_reason(assistant, victim, depth, status):
    sender, token = victim
    before = events(assistant, sender)
    nested = b'{"sender": "%s", "message": "i want to die", "metadata": %s%s}' % (
        sender.encode(), b"[" * depth, b"]" * depth
    )
    if status == 413:
        assert assistant.post_large(nested, token=token) == 413
    else:
        code, reply = assistant.post(nested, token=token)
        assert code == 400 and "nested" in reply["error"]
    assert events(assistant, sender) == before
    still_answers(assistant, sender, token)


def test_a_plain_text_post_from_any_page_is_refused(assistant, victim):
    sender, token = victim
    before = events(assistant, sender)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        status, reply = assistant.request(assistant.webhook, body(sender), content_type, token=token)
        assert status == 415 and "JSON" in reply["error"]
    assert events(assistant, sender) == before


# The action server obeys the Rasa server only ---------------------------------------


def test_a_forged_action_call_changes_nothing(assistant, victim):
    sender, _ = victim
    call = {
        "next_action": "action_submit_callback",
        "sender_id": sender,
        "version": "3.6.2",
        "tracker": {
            "sender_id": sender, "slots": {"callback_name": "Mallory", "callback_phone": "+18585550199",
                                           "callback_best_time": "Now", "callback_consent": "yes"},
            "latest_message": {}, "events": [], "paused": False, "followup_action": None, "active_loop": {},
            "latest_action_name": None,
        },
        "domain": {},
    }
    url = f"http://127.0.0.1:{assistant.actions_port}"
    for token in (None, "wrong-token-" + "x" * 30):
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        request = urllib.request.Request(f"{url}/webhook", data=json.dumps(call).encode(), headers=headers)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 403
    assert stored(assistant, sender) == []
    with urllib.request.urlopen(f"{url}/health", timeout=30) as health:
        assert health.status == 200, "readiness checks still work"


# Logs ---------------------------------------------------------------------------------


def test_logs_name_conversations_by_a_keyed_hash_only(assistant):
    sender, token = assistant.new_conversation()
    to_summary_as_client(assistant, sender, token)
    logs = (assistant.workdir / "actions.log").read_text() + (assistant.workdir / "rasa.log").read_text()
    assert sender not in logs and sender[4:20] not in logs
    assert "Lee Ownership" not in logs and "555-0177" not in logs and "5550177" not in logs
    with mock.patch.dict("os.environ", {"CONVERSATION_SECRET": assistant.secret}):
        reference = ownership.conversation_ref(sender)
    assert f"stored (conversation {reference})" in logs


def to_summary_as_client(assistant, sender, token):
    for message in ("can someone from your team call me?", "Lee Ownership", "(619) 555-0177", "Morning", "no", "/affirm", "/affirm"):
        status, reply = assistant.request(assistant.webhook, body(sender, message), token=token)
        assert status == 200, reply


# Rate limits, on a server with the real ones -------------------------------------------


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("limited")
    server = Assistant(
        workdir, f"sqlite:///{workdir / 'iop.db'}", env={"RATE_LIMIT_CONVERSATION": "", "RATE_LIMIT_CLIENT": ""}
    ).start()
    yield server
    server.stop()


async def flood(assistant, senders, per_sender, text="hello again"):
    """Everything at once from one client: (status, reply) of each request."""
    async with aiohttp.ClientSession() as session:

        async def one(sender):
            headers = {"Authorization": f"Bearer {assistant.token_for(sender)}", "Content-Type": "application/json"}
            async with session.post(assistant.webhook, data=body(sender, text), headers=headers,
                                    timeout=aiohttp.ClientTimeout(total=120)) as reply:
                return reply.status, await reply.json(), reply.headers.get("Retry-After")

        return await asyncio.gather(*(one(sender) for sender in senders for _ in range(per_sender)))


def answered_from(assistant, source_address, sender, message):
    """A request from another loopback address: another client, as far as the server can tell."""
    connection = http.client.HTTPConnection("127.0.0.1", assistant.rasa_port, timeout=60, source_address=(source_address, 0))
    try:
        connection.request("POST", "/webhooks/rest/webhook", body(sender, message),
                           {"Content-Type": "application/json", "Authorization": f"Bearer {assistant.token_for(sender)}"})
        reply = connection.getresponse()
        return reply.status, json.loads(reply.read())
    finally:
        connection.close()


def test_two_hundred_messages_at_once_from_one_client(limited):
    burst, per_minute = parse_limit(DEFAULT_CLIENT)
    senders = [f"flood-{number}" for number in range(20)]
    started = time.monotonic()
    results = asyncio.run(flood(limited, senders, 10))
    refilled = (time.monotonic() - started) * per_minute / 60
    statuses = [status for status, _, _ in results]
    assert len(statuses) == 200 and set(statuses) <= {200, 429}, statuses
    # The client's burst, and what refilled while the server worked through the flood.
    assert statuses.count(200) <= burst + refilled + 1, (statuses.count(200), refilled)
    refused = [(reply, retry) for status, reply, retry in results if status == 429]
    assert len(refused) >= 50
    reply, retry_after = refused[0]
    assert reply["code"] == "rate_limited" and int(retry_after) >= 1
    [message] = reply["messages"]
    assert message["response"] == "utter_too_fast" and "faster than I can read" in check_turn(reply["messages"])
    stored_user_turns = sum(
        1 for sender in senders for kind, _ in events(limited, sender) if kind == "user"
    )
    assert stored_user_turns == statuses.count(200), "a refused message is not stored"
    # A crisis from the same client, over the limit, is answered as a crisis.
    status, crisis = limited.post(body("flood-0", "i can't do this anymore, i want to kill myself"))
    assert status == 200 and is_crisis_reply(crisis)
    # Someone else, from another address, is answered as usual meanwhile.
    status, reply = answered_from(limited, "127.0.0.2", "bystander", QUESTION)
    assert status == 200 and "five days a week" in check_turn(reply)


def test_one_conversation_sending_too_fast_is_slowed_not_lost(limited):
    burst, _ = parse_limit(DEFAULT_CONVERSATION)
    sender = "fast-typist"
    statuses = []
    for number in range(int(burst) + 3):
        status, _ = answered_from(limited, "127.0.0.3", sender, f"hello {number}")
        statuses.append(status)
    assert statuses[: int(burst) - 1].count(200) == int(burst) - 1 and statuses[-1] == 429
    # Crisis messages are always read, whatever the rate.
    status, reply = answered_from(limited, "127.0.0.3", sender, "i took a whole bottle of pills")
    assert status == 200 and is_crisis_reply(reply)
    status, reply = answered_from(limited, "127.0.0.3", sender, "/crisis_likely")  # the classifier's likely crisis
    assert status == 200 and is_crisis_reply(reply)
    flagged = [json.loads(data) for kind, data in events(limited, sender) if kind == "slot"]
    assert any(event.get("name") == "crisis_flagged" and event.get("value") for event in flagged)
    # Another conversation from the same address is not held back by this one.
    status, reply = answered_from(limited, "127.0.0.3", "patient-reader", QUESTION)
    assert status == 200 and "five days a week" in check_turn(reply)


def test_a_flood_of_crisis_messages_is_all_answered_but_not_all_read(limited):
    """Crisis messages skip the limits within an allowance; past it, each still gets the crisis reply."""
    sender = "crisis-flood"
    replies = [answered_from(limited, "127.0.0.4", sender, "i want to kill myself") for _ in range(35)]
    assert all(status == 200 and is_crisis_reply(reply) for status, reply in replies)
    assert all("988" in check_turn(reply) for _, reply in replies)
    read = sum(1 for kind, _ in events(limited, sender) if kind == "user")
    conversation_burst, _ = parse_limit(DEFAULT_CONVERSATION)
    assert conversation_burst < read < 35, "the allowance is spent: later ones are answered, not stored"


def test_the_telegram_bridge_shows_the_slow_down_reply(limited):
    """The bridge's client (the real one) gets the server's own reply when a chat sends too fast."""
    from telegram_bridge.rasa_client import RasaClient

    async def chat():
        client = RasaClient(limited.bridge_webhook, 30, limited.bridge_secret)
        await client.start()
        try:
            sender = conversation_of(limited, random.randint(10**8, 10**10))
            return [await client.send(sender, f"hello {number}") for number in range(14)]
        finally:
            await client.close()

    turns = asyncio.run(chat())
    assert turns[-1][0]["response"] == "utter_too_fast" and "faster than I can read" in check_turn(turns[-1])
    assert "faster than I can read" not in check_turn(turns[0])


@pytest.mark.parametrize("message", [
    "/greet@1 I want to kill myself",
    '/affirm{"level_of_care": "I want to kill myself"}',
    "/ask_contact@1.0 i took all my pills",
])
def test_a_typed_payload_cannot_switch_off_the_crisis_net(assistant, message):
    """Rasa reads "/intent..." as a button press, skipping NLU: only our buttons' payloads may do that."""
    sender, token = assistant.new_conversation()
    status, reply = assistant.request(assistant.webhook, body(sender, message), token=token)
    assert status == 200 and is_crisis_reply(reply)
    log = (assistant.workdir / "rasa.log").read_text()
    assert "kill myself" not in log and "my pills" not in log, "and no warning quotes it in the log"


def test_a_header_that_is_not_ascii_gets_a_403_not_a_500(assistant, victim):
    sender, _ = victim
    connection = http.client.HTTPConnection("127.0.0.1", assistant.rasa_port, timeout=30)
    try:
        connection.putrequest("POST", "/webhooks/rest/webhook")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Authorization", b"Bearer \xff" + assistant.token_for(sender).encode())
        data = body(sender)
        connection.putheader("Content-Length", str(len(data)))
        connection.endheaders(data)
        assert connection.getresponse().status == 403
    finally:
        connection.close()
