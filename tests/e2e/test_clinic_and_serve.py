"""The clinic's details come from one file; `scripts/serve.py` (make run) starts and stops cleanly."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.e2e.turns import check_turn
from tests.servers import ROOT, Assistant, free_port, model_path


@pytest.fixture(scope="module")
def other_clinic(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("other-clinic")
    clinic = workdir / "clinic.yml"
    clinic.write_text('name: Harbor Light Recovery\nphone: (555) 010-0199\nphone_e164: "+15550100199"\nhours: "weekdays 8am to 6pm"\n')
    os.environ["IOP_CLINIC_FILE"] = str(clinic)
    try:
        server = Assistant(workdir, f"sqlite:///{workdir / 'iop.db'}").start()
    finally:
        del os.environ["IOP_CLINIC_FILE"]
    yield server
    server.stop()


@pytest.mark.parametrize(
    "message",
    ["hi", "what's your phone number?", "how much does IOP cost?", "should I stop my meds?", "bye"],
)
def test_every_answer_uses_the_configured_clinic(other_clinic, sender, message):
    text = check_turn(other_clinic.say(sender, message))
    assert "(555) 010-0199" in text or "Harbor Light Recovery" in text
    assert "Casa Palmera" not in text and "508-0437" not in text


def test_configured_hours_are_given_with_the_contact_details(other_clinic, sender):
    assert "available weekdays 8am to 6pm" in check_turn(other_clinic.say(sender, "how can I reach you?"))


def test_no_hours_configured_means_none_are_claimed(assistant, sender):
    text = check_turn(assistant.say(sender, "how can I reach you?"))
    assert "(855) 508-0437" in text and "available" not in text and "None" not in text


def test_serve_starts_every_server_and_sigterm_stops_them(tmp_path):
    port, actions_port, site_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_PORT": str(port),
        "ACTIONS_PORT": str(actions_port),
        "SITE_PORT": str(site_port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'iop.db'}",
    }
    log = open(tmp_path / "serve.log", "wb")
    serve = subprocess.Popen(
        [sys.executable, "scripts/serve.py", "--model", model_path()],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while b"The assistant is ready" not in (tmp_path / "serve.log").read_bytes():
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "not ready in time"
            time.sleep(0.5)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/webhooks/rest/webhook",
            data=json.dumps({"sender": "serve-test", "message": "what is IOP?"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as reply:
            assert "five days a week" in check_turn(json.loads(reply.read()))
        with urllib.request.urlopen(f"http://127.0.0.1:{site_port}/", timeout=30) as page:
            assert b"iop-chat.js" in page.read(), "the demo website embeds the widget"
        children = subprocess.run(["pgrep", "-s", str(serve.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) >= 4  # serve.py, the action server, the Rasa server, the website
    finally:
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0
    time.sleep(1)
    still_running = subprocess.run(["pgrep", "-s", str(serve.pid)], capture_output=True, text=True).stdout.split()
    assert still_running == []
