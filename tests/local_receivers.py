"""Local stand-ins for where alerts go: a real SMTP server (aiosmtpd) and a chat webhook
receiver (an HTTP server keeping every JSON body), both on loopback. Used by the alert tests
(tests/staff/test_alerts.py) and the coordinator's browser test."""
from __future__ import annotations

import json
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Tuple

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Mailbox:
    """aiosmtpd's SMTP server on a loopback port: every message it accepted, parsed."""

    def __init__(self, port: int, login: bool = False, **options) -> None:
        self.port = port
        self.messages: List = []
        self.logins: List[Tuple[bytes, bytes]] = []
        if login:
            options.update(auth_required=True, authenticator=self.authenticate)
        self.controller = Controller(self, hostname="127.0.0.1", port=port, **options)

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        """aiosmtpd's authenticator: any login is accepted, and noted."""
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.original_content, policy=policy.default)))
        return "250 OK"

    def start(self) -> "Mailbox":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def about(self, text: str) -> List:
        return [(to, mail) for to, mail in self.messages if text in mail["Subject"] + mail.get_content()]


class Receiver:
    """A chat webhook's stand-in: every JSON body POSTed to it."""

    def __init__(self) -> None:
        self.bodies: List[Dict] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                assert self.headers.get("Content-Type") == "application/json"
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/secret-token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def about(self, text: str) -> List[Dict]:
        return [body for body in self.bodies if text in body.get("text", "")]
