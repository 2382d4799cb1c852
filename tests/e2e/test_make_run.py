"""`scripts/serve.py` as `make run` runs it: every server up, the Telegram bot only
with a token, and SIGTERM stops them all."""
import asyncio
import os
import secrets
import signal
import stat
import subprocess
import sys
import time
import urllib.request

import pytest

from scripts.chat import Conversation
from tests.e2e.turns import check_turn, is_crisis_reply
from tests.servers import ROOT, free_port, model_path
from tests.telegram.conftest import check_turn as check_telegram_turn
from tests.telegram.fake_bot_api import FakeBotAPI


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as reply:
        return reply.read()


async def wait_for_line(log, text: str, serve, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while text.encode() not in log.read_bytes():
        assert serve.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, f"no {text!r} in time"
        await asyncio.sleep(0.5)


@pytest.mark.parametrize("telegram", [False, True], ids=["without a token", "with a token"])
async def test_make_run_starts_every_server_and_sigterm_stops_them(tmp_path, telegram):
    ports = {name: free_port() for name in ("RASA_PORT", "ACTIONS_PORT", "SITE_PORT", "STAFF_PORT")}
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "STAFF_ADMIN_"))
    }
    env.update({name: str(port) for name, port in ports.items()})
    env.update({
        "PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{tmp_path / 'iop.db'}",
        "CONVERSATION_SECRET": secrets.token_hex(32),  # not the developer's var/conversation.key
    })
    api = await FakeBotAPI().start() if telegram else None
    if api:
        env.update({
            "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_BASE_URL": api.base_url,
            "TELEGRAM_STATE_FILE": str(tmp_path / "telegram.pickle"),
        })
    log = tmp_path / "serve.log"
    with open(log, "wb") as output:
        serve = subprocess.Popen(
            [sys.executable, "scripts/serve.py", "--model", model_path()],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        await wait_for_line(log, "The assistant is ready", serve)
        text = log.read_text()
        assert "No staff account exists yet" in text and "make staff-user" in text, "says how to make the first admin"
        # As `make shell` talks to it: a conversation handed out, then its token with each message.
        conversation = Conversation(f"http://127.0.0.1:{ports['RASA_PORT']}/webhooks/rest")
        assert "five days a week" in check_turn(conversation.send("what is IOP?"))
        assert b"iop-chat.js" in get(f"http://127.0.0.1:{ports['SITE_PORT']}/"), "the website embeds the widget"
        assert b"csrf_token" in get(f"http://127.0.0.1:{ports['STAFF_PORT']}/login"), "the staff app's login page"
        if api:
            assert "Telegram bot started" in text
            chat_id = 4242
            api.push(api.user_message(chat_id, "what is IOP?"))
            assert "five days a week" in check_telegram_turn(await api.turn(chat_id, timeout=60))
        else:
            assert "Telegram bot not started: set TELEGRAM_BOT_TOKEN" in text
        children = subprocess.run(["pgrep", "-s", str(serve.pid)], capture_output=True, text=True).stdout.split()
        # serve.py, the action server, Rasa, the website, the staff app, the retention job (and the bridge)
        assert len(children) >= (7 if api else 6)
        # The database holds health information: readable by this user only.
        assert stat.S_IMODE((tmp_path / "iop.db").stat().st_mode) == 0o600
    finally:
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0
        if api:
            await api.stop()
    await asyncio.sleep(1)
    still_running = subprocess.run(["pgrep", "-s", str(serve.pid)], capture_output=True, text=True).stdout.split()
    assert still_running == []


async def test_a_crashed_server_is_started_again_and_the_others_keep_serving(tmp_path):
    """The action server killed under make run: the website and the Rasa server keep serving (a
    crisis message still gets the crisis reply), the log says what happened, and the action
    server is back within seconds, answering again."""
    ports = {name: free_port() for name in ("RASA_PORT", "ACTIONS_PORT", "SITE_PORT", "STAFF_PORT")}
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "STAFF_ADMIN_", "ALERT_"))}
    env.update({name: str(port) for name, port in ports.items()})
    env.update({"PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{tmp_path / 'iop.db'}",
                "CONVERSATION_SECRET": secrets.token_hex(32)})
    log = tmp_path / "serve.log"
    with open(log, "wb") as output:
        serve = subprocess.Popen(
            [sys.executable, "scripts/serve.py", "--model", model_path()], cwd=ROOT, env=env, stdout=output,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
    try:
        await wait_for_line(log, "The assistant is ready", serve)
        conversation = Conversation(f"http://127.0.0.1:{ports['RASA_PORT']}/webhooks/rest")
        assert "five days a week" in check_turn(conversation.send("what is IOP?"))
        action_server = subprocess.run(["pgrep", "-s", str(serve.pid), "-f", "action_server --actions"],
                                       capture_output=True, text=True).stdout.split()
        assert len(action_server) == 1, action_server
        os.kill(int(action_server[0]), signal.SIGKILL)
        await wait_for_line(log, "The action server stopped (exit code -9)", serve, timeout=30)
        crisis = conversation.send("I want to kill myself")
        assert is_crisis_reply(crisis) and "988" in check_turn(crisis), "the crisis reply itself, without the action server"
        assert b"iop-chat.js" in get(f"http://127.0.0.1:{ports['SITE_PORT']}/"), "the website keeps serving"
        await wait_for_line(log, "The action server is starting again.", serve, timeout=30)
        deadline = time.monotonic() + 120
        while "five days a week" not in " ".join(m.get("text", "") for m in conversation.send("what is IOP?")):
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            await asyncio.sleep(4)  # well under the conversation's rate limit
        assert serve.poll() is None, "make run is still running"
    finally:
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0
