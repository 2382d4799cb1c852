"""Real servers on loopback for the tests: the action server and the Rasa server.

Each gets a free port; the Rasa server gets its own endpoints file (pointing at
that action server) and a database chosen by the test, so tests never touch
var/ or a developer's running assistant.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from scripts.serve import free_port, server_env, wait_until_up  # noqa: F401 - free_port is used by the tests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def model_path() -> str:
    if os.environ.get("MODEL"):
        return os.environ["MODEL"]
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    if not models:
        raise RuntimeError("No trained model: run the tests with `make test`.")
    return str(models[-1])


def wait_for(url: str, process: subprocess.Popen, timeout: float, log: Path) -> None:
    """scripts/serve.py's readiness wait, with the server's log when it fails."""
    try:
        wait_until_up(url, process, timeout)
    except RuntimeError as problem:
        raise RuntimeError(f"{problem}; see {log}:\n{log.read_text()[-3000:]}") from None


class Server:
    def __init__(self, command: List[str], env: Dict[str, str], log: Path) -> None:
        self.command, self.env, self.log = command, env, log
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        handle = open(self.log, "ab")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class Assistant:
    """The action server and the Rasa server, started together."""

    def __init__(
        self, workdir: Path, database_url: str, model: Optional[str] = None, cors_origins: Sequence[str] = ()
    ) -> None:
        self.workdir = workdir
        self.database_url = database_url
        self.model = model or model_path()
        self.actions_port = free_port()
        self.rasa_port = free_port()
        self.endpoints = workdir / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.actions_port}/webhook"\n'
            "tracker_store:\n  type: storage.tracker_store.UrlSQLTrackerStore\n"
        )
        env = server_env({"DATABASE_URL": database_url})
        self.actions = Server(
            [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(self.actions_port)],
            env,
            workdir / "actions.log",
        )
        self.rasa = Server(
            [
                str(BIN / "rasa"), "run", "--model", self.model,
                "--interface", "127.0.0.1", "--port", str(self.rasa_port),
                "--credentials", str(ROOT / "credentials.yml"), "--endpoints", str(self.endpoints),
                *(["--cors", *cors_origins] if cors_origins else []),
            ],
            env,
            workdir / "rasa.log",
        )

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    def start(self) -> "Assistant":
        from storage.migrate import upgrade

        upgrade(self.database_url)  # as scripts/serve.py does before starting
        self.actions.start()
        self.start_rasa()
        wait_for(f"http://127.0.0.1:{self.actions_port}/health", self.actions.process, 120, self.actions.log)
        return self

    def start_actions(self) -> None:
        self.actions.start()
        wait_for(f"http://127.0.0.1:{self.actions_port}/health", self.actions.process, 120, self.actions.log)

    def start_rasa(self) -> None:
        self.rasa.start()
        wait_for(f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/", self.rasa.process, 300, self.rasa.log)

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()

    def post(self, body: bytes, content_type: str = "application/json"):
        """(status, parsed JSON or raw text) for a raw request body."""
        request = urllib.request.Request(self.webhook, data=body, headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=120) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as error:
            raw = error.read().decode("utf-8", "replace")
            try:
                return error.code, json.loads(raw)
            except ValueError:
                return error.code, raw

    def say(self, sender: str, message: str) -> List[dict]:
        status, reply = self.post(json.dumps({"sender": sender, "message": message}).encode())
        assert status == 200, (status, reply)
        return reply
