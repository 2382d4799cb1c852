"""Real servers on loopback for the tests: the action server and the Rasa server.

Each gets a free port; the Rasa server gets its own endpoints file (pointing at
that action server) and a database chosen by the test, so tests never touch
var/ or a developer's running assistant. Each assistant has its own
conversation secret: the tests hold it, as a trusted operator would, so that
they can sign a token for a conversation id of their choosing (`say`); the
ownership tests ask the server for conversations the way clients do.
"""
from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from channels import ownership
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


# Tests play conversations at machine speed, all from one address: far above
# what the rate limits allow a person (channels/rate_limits.py). The tests of
# the limits themselves start a server with the real ones (env={...: ""}).
MACHINE_SPEED_LIMITS = {"RATE_LIMIT_CONVERSATION": "100000/6000000", "RATE_LIMIT_CLIENT": "100000/6000000"}


class Assistant:
    """The action server and the Rasa server, started together."""

    def __init__(
        self,
        workdir: Path,
        database_url: str,
        model: Optional[str] = None,
        cors_origins: Sequence[str] = (),
        env: Optional[Dict[str, str]] = None,
    ) -> None:
        self.workdir = workdir
        self.database_url = database_url
        self.model = model or model_path()
        self.actions_port = free_port()
        self.rasa_port = free_port()
        self.secret = secrets.token_hex(32)
        self.tokens: Dict[str, str] = {}
        self.endpoints = workdir / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.actions_port}/webhook"\n'
            '  headers:\n    Authorization: Bearer ${ACTION_SERVER_TOKEN}\n'
            "tracker_store:\n  type: storage.tracker_store.UrlSQLTrackerStore\n"
        )
        self.env = server_env(
            {"DATABASE_URL": database_url, "CONVERSATION_SECRET": self.secret, **MACHINE_SPEED_LIMITS, **(env or {})}
        )
        env = self.env
        self.actions = Server(
            [str(BIN / "python"), "-m", "action_server", "--actions", "actions", "--port", str(self.actions_port)],
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

    @property
    def conversations_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/conversations"

    @property
    def bridge_webhook(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/telegram/webhook"

    @property
    def bridge_secret(self) -> str:
        return ownership.bridge_secret(self.secret.encode())

    def token_for(self, sender: str) -> str:
        """A token for `sender`, signed with this server's secret."""
        if sender not in self.tokens:
            self.tokens[sender] = ownership.issue_token(sender, self.secret.encode())
        return self.tokens[sender]

    def new_conversation(self) -> Tuple[str, str]:
        """(sender, token), handed out by the server as to any client."""
        status, reply = self.request(self.conversations_url, b"{}")
        assert status == 200, (status, reply)
        return reply["sender"], reply["token"]

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

    @staticmethod
    def request(
        url: str, body: bytes, content_type: str = "application/json", token: Optional[str] = None
    ) -> Tuple[int, Any]:
        """(status, parsed JSON or raw text) for a raw POST."""
        headers = {"Content-Type": content_type}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(url, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=120) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as error:
            raw = error.read().decode("utf-8", "replace")
            try:
                return error.code, json.loads(raw)
            except ValueError:
                return error.code, raw

    def post_large(self, body: bytes, token: Optional[str] = None) -> int:
        """The status a body too large to be read gets (its JSON must give the reason): the server
        answers as soon as it sees the Content-Length and may close the connection before the
        body is sent."""
        connection = http.client.HTTPConnection("127.0.0.1", self.rasa_port, timeout=60)
        try:
            connection.putrequest("POST", "/webhooks/rest/webhook")
            connection.putheader("Content-Type", "application/json")
            connection.putheader("Content-Length", str(len(body)))
            if token:
                connection.putheader("Authorization", f"Bearer {token}")
            connection.endheaders()
            try:
                connection.send(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before it was read: the answer is already on its way
            reply = connection.getresponse()
            reason = json.loads(reply.read() or b"{}")
            assert reply.status != 413 or "size limit" in reason.get("message", ""), reason
            return reply.status
        finally:
            connection.close()

    def post(self, body: bytes, content_type: str = "application/json", token: Optional[str] = None):
        """(status, reply) for a raw webhook body, with the token of the sender it names, if it names one."""
        if token is None:
            try:
                token = self.token_for(json.loads(body)["sender"])
            except (ValueError, KeyError, TypeError):
                token = None
        return self.request(self.webhook, body, content_type, token)

    def say(self, sender: str, message: str) -> List[dict]:
        status, reply = self.post(json.dumps({"sender": sender, "message": message}).encode())
        assert status == 200, (status, reply)
        return reply
