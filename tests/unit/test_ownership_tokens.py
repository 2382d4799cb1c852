"""Conversation tokens, Telegram ids and log references (channels/ownership.py), without servers."""
import os
import stat
import time
from unittest import mock

import pytest

from channels import ownership
from channels.ownership import OwnershipRefused

SECRET = "s" * 64


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("CONVERSATION_SECRET", SECRET)
    monkeypatch.delenv("BRIDGE_SECRET", raising=False)


def issued_ago(sender, seconds):
    with mock.patch("time.time", return_value=time.time() - seconds):
        return ownership.issue_token(sender)


def refusal(token, sender, **kwargs):
    with pytest.raises(OwnershipRefused) as refused:
        ownership.check_token(token, sender, **kwargs)
    return refused.value.code


def test_a_token_proves_its_own_conversation_only():
    one, other = ownership.new_conversation_id(), ownership.new_conversation_id()
    token = ownership.issue_token(one)
    ownership.check_token(token, one)
    assert refusal(token, other) == "token_invalid"
    assert refusal(None, one) == "token_missing"
    # A character inside the signature: the last one also carries unused padding bits, so
    # changing only those ("A" to "B") would decode to the same signature.
    assert refusal(token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:], one) == "token_invalid"
    assert refusal(ownership.issue_token(one, b"another server's secret" * 2), one) == "token_invalid"
    assert refusal("x" * 600, one) == "token_invalid"


def test_tokens_expire_and_renew_within_the_window_only():
    sender = ownership.new_conversation_id()
    expired = issued_ago(sender, ownership.DEFAULT_TOKEN_TTL + 5)
    assert refusal(expired, sender) == "token_expired"
    fresh = ownership.renew_token(expired, sender)
    ownership.check_token(fresh, sender)
    too_old = issued_ago(sender, ownership.DEFAULT_TOKEN_TTL + ownership.DEFAULT_RENEWAL_WINDOW + 5)
    with pytest.raises(OwnershipRefused):
        ownership.renew_token(too_old, sender)


def test_the_ttl_is_configurable(monkeypatch):
    sender = ownership.new_conversation_id()
    monkeypatch.setenv("CONVERSATION_TOKEN_TTL", "60")
    assert refusal(issued_ago(sender, 120), sender) == "token_expired"
    monkeypatch.setenv("CONVERSATION_TOKEN_TTL", "not a number")
    ownership.check_token(issued_ago(sender, 120), sender)  # the default, 12 hours


def test_a_secret_that_is_too_short_is_refused(monkeypatch):
    monkeypatch.setenv("CONVERSATION_SECRET", "short")
    with pytest.raises(RuntimeError, match="at least 32"):
        ownership.issue_token("web-x")


def test_the_key_file_is_made_once_readable_by_its_owner_only(monkeypatch, tmp_path):
    monkeypatch.delenv("CONVERSATION_SECRET")
    monkeypatch.setattr(ownership, "SECRET_FILE", tmp_path / "var" / "conversation.key")
    ownership._secret_from_file.cache_clear()
    try:
        first = ownership.server_secret()
        assert stat.S_IMODE(os.stat(ownership.SECRET_FILE).st_mode) == 0o600
        assert len(first) == 64
        ownership._secret_from_file.cache_clear()
        assert ownership.server_secret() == first, "kept, not remade"
    finally:
        ownership._secret_from_file.cache_clear()


def test_telegram_ids_are_keyed_hashes_of_the_chat_id():
    key = ownership.bridge_secret()
    first = ownership.telegram_conversation_id(key, 123456789)
    assert ownership.TELEGRAM_ID.fullmatch(first) and "123456789" not in first
    assert ownership.telegram_conversation_id(key, 123456789) == first
    assert ownership.telegram_conversation_id(key, 123456789, 42) != first, "a /reset is a new conversation"
    assert ownership.telegram_conversation_id("another key" * 4, 123456789) != first
    assert ownership.BRIDGE_ONLY_ID.fullmatch(first) and ownership.BRIDGE_ONLY_ID.fullmatch("telegram-123")


def test_the_bridge_secret_is_checked_in_full():
    secret = ownership.bridge_secret()
    assert ownership.is_bridge_secret(secret)
    assert not ownership.is_bridge_secret(secret[:-1])
    assert not ownership.is_bridge_secret(None) and not ownership.is_bridge_secret("")


def test_log_references_are_stable_and_reveal_nothing():
    sender = ownership.new_conversation_id()
    reference = ownership.conversation_ref(sender)
    assert reference == ownership.conversation_ref(sender) and len(reference) == 11
    assert sender[4:14] not in reference and reference != ownership.conversation_ref(sender + "x")
    assert ownership.conversation_ref(None) == "-"


def test_ids_in_other_codes_log_lines_become_references():
    import logging

    sender = ownership.new_conversation_id()
    telegram = ownership.telegram_conversation_id(ownership.bridge_secret(), 4242)
    record = logging.LogRecord(
        "rasa.core.processor", logging.WARNING, __file__, 1,
        "Circuit breaker tripped for sender '%s' (and %s).", (sender, telegram), None,
    )
    assert ownership.ConversationIdsHidden().filter(record)
    message = record.getMessage()
    assert sender not in message and telegram not in message
    assert ownership.conversation_ref(sender) in message and ownership.conversation_ref(telegram) in message
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "Callback request %s stored.", ("CB-ABC234",), None)
    ownership.ConversationIdsHidden().filter(plain)
    assert plain.getMessage() == "Callback request CB-ABC234 stored."


def test_a_header_that_is_not_ascii_is_a_wrong_token_not_an_error():
    sender = ownership.new_conversation_id()
    token = ownership.bearer_token({"authorization": "Bearer \xff" + ownership.issue_token(sender)})
    assert refusal(token, sender) == "token_invalid"
    assert not ownership.is_bridge_secret(ownership.bearer_token({"authorization": "Bearer \udcff"}))
    assert ownership.bearer_token({"authorization": "Basic abc"}) is None
