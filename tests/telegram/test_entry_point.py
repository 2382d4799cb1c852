"""`python -m telegram_bridge` as make run starts it: configured from the environment only."""
import asyncio
import os
import signal
import subprocess
import sys

from tests.servers import ROOT
from tests.telegram.conftest import check_turn


def env(**extra):
    base = {key: value for key, value in os.environ.items() if not key.startswith("TELEGRAM_")}
    return {**base, "PYTHONPATH": str(ROOT), **extra}


def test_without_a_token_it_says_so_in_one_line_and_exits():
    result = subprocess.run(
        [sys.executable, "-m", "telegram_bridge"], cwd=ROOT, env=env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "TELEGRAM_BOT_TOKEN" in result.stderr


async def test_with_a_token_it_answers_and_stops_on_sigterm(api, assistant, tmp_path, chat_id):
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "telegram_bridge", cwd=ROOT,
        env=env(
            TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_BASE_URL=api.base_url, RASA_URL=assistant.bridge_webhook, BRIDGE_SECRET=assistant.bridge_secret,
            TELEGRAM_STATE_FILE=str(tmp_path / "state.pickle"),
        ),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        api.push(api.user_message(chat_id, "/start"))
        assert "not a private medical channel" in check_turn(await api.turn(chat_id, timeout=60))
    finally:
        process.send_signal(signal.SIGTERM)
        output = (await asyncio.wait_for(process.communicate(), 30))[0].decode()
    assert process.returncode == 0, output
    assert api.token not in output, "the token never reaches the log"
    assert (tmp_path / "state.pickle").exists(), "chat state is saved at shutdown"
