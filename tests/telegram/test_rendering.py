"""Rendering and configuration without servers: escaping, Markdown, keyboards, splitting, the disclaimer, settings."""
import pytest

import knowledge
from telegram_bridge.config import ConfigError, from_env
from telegram_bridge.rendering import Button, finish_turn, layout
from tests.telegram.fake_bot_api import visible_text

DISCLAIMER = knowledge.disclaimer()


def test_text_is_escaped_and_markdown_translated():
    [message] = finish_turn([{"text": f"**IOP** & <b>you</b>\n- one\n- two <x>\n\n{DISCLAIMER}", "disclaimer": DISCLAIMER}])
    assert message.html.startswith("<b>IOP</b> &amp; &lt;b&gt;you&lt;/b&gt;\n• one\n• two &lt;x&gt;")
    assert visible_text(message.html, "HTML") == f"IOP & <b>you</b>\n• one\n• two <x>\n\n{DISCLAIMER}"
    assert message.plain == f"IOP & <b>you</b>\n• one\n• two <x>\n\n{DISCLAIMER}"


def test_the_disclaimer_ends_the_turn_once_whoever_wrote_it():
    # The REST channel appends it to the last message and names it in a `disclaimer` field.
    from_rasa = finish_turn([{"text": "first"}, {"text": f"second\n\n{DISCLAIMER}", "disclaimer": DISCLAIMER}])
    own = finish_turn([{"text": "first"}, {"text": "second"}])
    assert [m.html for m in from_rasa] == [m.html for m in own]
    assert own[0].html == "first" and own[-1].html.endswith(f"\n\n<i>{DISCLAIMER}</i>")


def test_the_disclaimer_field_decides_what_is_taken_off_and_shown():
    other = "Not medical advice (the server's wording)."
    [message] = finish_turn([{"text": f"answer\n\n{other}", "disclaimer": other}])
    assert message.plain == f"answer\n\n{other}"
    # A disclaimer-only message (after a buttons-only one) is folded into the last message.
    [prompt] = finish_turn([{"buttons": [{"title": "A", "payload": "a"}]}, {"text": DISCLAIMER, "disclaimer": DISCLAIMER}])
    assert prompt.rows and prompt.plain == f"Please choose:\n\n{DISCLAIMER}"
    # Text that only happens to end like the disclaimer, in a message the channel did not mark, is kept.
    first, last = finish_turn([{"text": f"quoted: {DISCLAIMER}"}, {"text": f"b\n\n{DISCLAIMER}", "disclaimer": DISCLAIMER}])
    assert first.plain == f"quoted: {DISCLAIMER}" and last.plain == f"b\n\n{DISCLAIMER}"


def test_a_long_text_is_split_with_the_disclaimer_and_buttons_on_the_last_piece():
    paragraph = "word " * 300
    messages = finish_turn([{"text": "\n\n".join([paragraph] * 10), "buttons": [{"title": "Yes", "payload": "/affirm"}]}])
    assert len(messages) > 1
    assert all(len(visible_text(m.html, "HTML")) <= 4096 for m in messages)
    assert [bool(m.rows) for m in messages] == [False] * (len(messages) - 1) + [True]
    assert DISCLAIMER in messages[-1].plain and all(DISCLAIMER not in m.plain for m in messages[:-1])


def test_keyboard_layout():
    short = [Button("Yes", "/affirm"), Button("No", "/deny"), Button("Not sure", "Not sure")]
    assert layout(short) == [short]
    four = [Button(t, t) for t in ("Name", "Phone number", "Best time", "Note")]
    assert layout(four) == [four[:2], four[2:]]
    long = [Button("Yes, please call me", "/request_callback"), Button("No, thanks", "/deny")]
    assert layout(long) == [[long[0]], [long[1]]]


def test_a_buttons_only_message_gets_a_prompt():
    [prompt, last] = finish_turn([{"buttons": [{"title": "A", "payload": "a"}]}, {"text": "b"}])
    assert prompt.html == "Please choose:" and prompt.rows


ENV = {"TELEGRAM_BOT_TOKEN": "1:x", "BRIDGE_SECRET": "b" * 32}


def test_defaults():
    config = from_env(ENV)
    assert config.base_url == "https://api.telegram.org/bot"
    assert config.rasa_url == "http://127.0.0.1:5005/webhooks/telegram/webhook"
    assert config.rasa_timeout == 30
    assert config.webhook is None


def test_a_local_bot_api_server_and_rasa_port():
    config = from_env({**ENV, "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot", "RASA_PORT": "6000", "RASA_TIMEOUT": "12.5"})
    assert config.base_url == "http://127.0.0.1:8081/bot"
    assert config.rasa_url == "http://127.0.0.1:6000/webhooks/telegram/webhook"
    assert config.rasa_timeout == 12.5


HOOK = {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram", "TELEGRAM_WEBHOOK_SECRET": "abc"}


@pytest.mark.parametrize(
    "setting, value",
    [
        ("RASA_TIMEOUT", "thirty"), ("RASA_TIMEOUT", "0"), ("RASA_TIMEOUT", "nan"),
        ("RASA_PORT", "5005x"), ("RASA_PORT", "70000"),
        ("TELEGRAM_WEBHOOK_PORT", "https"), ("TELEGRAM_WEBHOOK_PORT", "0"),
    ],
)
def test_a_malformed_number_is_a_clear_config_error(setting, value):
    with pytest.raises(ConfigError, match=f"^{setting} must be .*{value!r}"):
        from_env({**ENV, **HOOK, setting: value})


@pytest.mark.parametrize("url", ["http://bot.example.org/telegram", "bot.example.org/telegram", "https:///telegram"])
def test_a_webhook_url_must_be_https(url):
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_URL must be a public https://"):
        from_env({**ENV, **HOOK, "TELEGRAM_WEBHOOK_URL": url})


@pytest.mark.parametrize("secret", [None, "", "too short"])
def test_the_bridge_secret_is_required(secret):
    env = {"TELEGRAM_BOT_TOKEN": "1:x", **({"BRIDGE_SECRET": secret} if secret is not None else {})}
    with pytest.raises(ConfigError, match="^BRIDGE_SECRET must be set"):
        from_env(env)


@pytest.mark.parametrize("env", [{}, {"TELEGRAM_BOT_TOKEN": "  "}])
def test_no_token(env):
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        from_env(env)


@pytest.mark.parametrize("secret", [None, "", "has space", "x" * 257])
def test_a_webhook_needs_a_valid_secret(secret):
    env = {**ENV, "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram"}
    if secret is not None:
        env["TELEGRAM_WEBHOOK_SECRET"] = secret
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        from_env(env)


def test_webhook_settings():
    config = from_env({**ENV, "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/hook", "TELEGRAM_WEBHOOK_SECRET": "abc_DEF-123"})
    assert (config.webhook.path, config.webhook.listen, config.webhook.port) == ("telegram/hook", "127.0.0.1", 8443)
