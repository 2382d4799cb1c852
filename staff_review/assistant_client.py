"""The staff app's one way to change a conversation: asking the Rasa server (docs/handoff.md).

The Rasa server is the only writer of a conversation (its tracker, under its
lock store), so taking over, sending and handing back are POSTs to its handoff
endpoints, `{ASSISTANT_URL}/webhooks/rest/handoff/<take|send|hand_back>`, with
the staff app's own secret (channels.ownership.staff_secret, derived from the
server secret both read). The timeout is short: a staff member pressing a
button should hear within seconds that the assistant can't be reached, and
then nothing has happened.

    ASSISTANT_URL   the Rasa server (http://127.0.0.1:5005)
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any, Dict, Tuple

DEFAULT_URL = "http://127.0.0.1:5005"
TIMEOUT = 8  # seconds: a send waits for the tracker's lock, which a turn in progress holds briefly
ROUTES = ("take", "send", "hand_back")


class Unreachable(Exception):
    """The Rasa server did not answer (down, refusing, or too slow): nothing was done."""


def base_url() -> str:
    return (os.environ.get("ASSISTANT_URL") or DEFAULT_URL).rstrip("/")


def handoff(route: str, body: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
    """(status, JSON answer) of one handoff call; raises Unreachable when there is no answer."""
    if route not in ROUTES:
        raise ValueError(route)
    from channels.ownership import staff_secret  # here: reads the server secret only when needed

    request = urllib.request.Request(
        f"{base_url()}/webhooks/rest/handoff/{route}", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {staff_secret()}",
                 "User-Agent": "iop-staff-review"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:
            return reply.status, _json(reply.read(65536))
    except urllib.error.HTTPError as error:
        return error.code, _json(error.read(65536))
    except (OSError, ValueError) as problem:  # refused, reset, timed out, a bad ASSISTANT_URL
        raise Unreachable(type(problem).__name__) from None


def _json(raw: bytes) -> Dict[str, Any]:
    try:
        found = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
