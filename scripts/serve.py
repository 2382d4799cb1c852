"""Start the servers, keep them running, and stop them together.

Used by `make run` (foreground until Ctrl-C or SIGTERM) and `make shell`
(then a terminal chat). Each server runs in its own process group; one that
stops is started again while the others keep serving (scripts/supervisor.py),
and Ctrl-C or SIGTERM stops every group it started before this script exits.

`make run` also serves the demo website with the chat widget (demo_site/),
the staff review app (staff_review/), and the Telegram bot (telegram_bridge/)
when TELEGRAM_BOT_TOKEN is set.

Environment: RASA_PORT (5005), RASA_INTERFACE (127.0.0.1), ACTIONS_PORT (5055),
DATABASE_URL (see storage/), MODEL (path of the model to serve), SITE_PORT
(8000, the demo website), ASSISTANT_PUBLIC_URL (the Rasa server as browsers
reach it; http://localhost:RASA_PORT), WIDGET_ORIGINS (space-separated origins
of the sites that embed the widget, allowed by the Rasa server's CORS; the
demo website's by default), STAFF_PORT (8001, the staff review app; its first
admin from STAFF_ADMIN_USER/STAFF_ADMIN_PASSWORD), TELEGRAM_BOT_TOKEN (starts
the Telegram bot; see telegram_bridge/config.py), CONVERSATION_SECRET (signs
conversation tokens; var/conversation.key by default, see channels/ownership.py),
BRIDGE_SECRET (what the Telegram bridge shows the Rasa server; derived from the
conversation secret by default), ACTION_SERVER_TOKEN (what the Rasa server shows
the action server; a fresh one per start by default), ALERT_SMTP_URL,
ALERT_EMAIL_FROM, ALERT_EMAIL_TO, ALERT_WEBHOOK_URL and STAFF_PUBLIC_URL (alerts
to staff: the worker starts only when one of the URLs is set; see
staff_review/alerts.py), HANDOFF_WAIT_SECONDS (how long a request for a live
chat waits for a person, 180; docs/handoff.md).
"""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

from scripts.supervisor import Supervisor

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_ACTIONS_PORT = "5055"  # as in endpoints.yml


def free_port() -> int:
    """A TCP port nothing listens on right now, on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment every server of the project runs with (make run, the tests, make bench)."""
    return {
        # Shared by the Rasa server (endpoints.yml sends it) and the action
        # server (obeys only calls that carry it).
        "ACTION_SERVER_TOKEN": secrets.token_hex(32),
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SANIC_HOST": "127.0.0.1",  # the action server: loopback only
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "RASA_TELEMETRY_ENABLED": "false",
        # Rasa 3.6's dependencies warn about their own deprecations at every start.
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
        **(extra or {}),
    }


def private_files() -> None:
    """Everything the servers write is readable by this user only: 0600 files in 0700 directories.

    The database, the Telegram bridge's state, the secret keys and the logs
    under var/ hold health information or the keys to it. A umask of 077,
    inherited by every server started from here, makes new files private;
    what var/ already holds is made private too.
    """
    os.umask(0o077)
    var = ROOT / "var"
    var.mkdir(mode=0o700, exist_ok=True)
    for path in [var, *var.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o700 if path.is_dir() else 0o600)


def wait_until_up(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f} s")


def start(command: List[str], env: dict, log: Optional[Path] = None) -> subprocess.Popen:
    """Start a server in its own process group (in our session); its output to `log` if given."""
    output = open(log, "ab") if log else None
    return subprocess.Popen(command, cwd=ROOT, env=env, preexec_fn=os.setpgrp, stdout=output, stderr=output)


def stop(processes: List[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def endpoints_for(actions_port: str) -> str:
    """endpoints.yml, or a copy under var/ pointing at another action server port."""
    endpoints = ROOT / "endpoints.yml"
    if actions_port == DEFAULT_ACTIONS_PORT:
        return str(endpoints)
    text = endpoints.read_text().replace(f"127.0.0.1:{DEFAULT_ACTIONS_PORT}/", f"127.0.0.1:{actions_port}/")
    copy = ROOT / "var" / f"endpoints-{actions_port}.yml"
    copy.write_text(text)
    return str(copy)


def widget_origins(site_port: str) -> List[str]:
    """The web origins allowed to call the Rasa server from a browser (never `*`)."""
    configured = os.environ.get("WIDGET_ORIGINS", "").split()
    return configured or [f"http://localhost:{site_port}", f"http://127.0.0.1:{site_port}"]


def start_web_apps(supervisor: Supervisor, env: Dict[str, str], site_port: str, staff_port: str,
                   public_url: str, rasa_port: str) -> List[subprocess.Popen]:
    """The demo website with the chat widget, the staff review app, the daily retention purge,
    and the alert worker when alerts are configured."""
    site = supervisor.start(
        "website", [str(BIN / "python"), "-m", "demo_site.server", "--port", site_port, "--assistant-url", public_url], env
    )
    # The staff app asks the Rasa server to act in live handoffs (docs/handoff.md).
    staff_env = {**env, "ASSISTANT_URL": env.get("ASSISTANT_URL") or f"http://127.0.0.1:{rasa_port}"}
    staff = supervisor.start(
        "staff app", [str(BIN / "python"), "-m", "staff_review", "--no-bootstrap", "--port", staff_port], staff_env
    )
    # Deletes what is past its retention period, now and then daily (staff_review/retention.py).
    retention = supervisor.start("retention job", [str(BIN / "python"), "-m", "staff_review.retention", "--daily"], env)
    alerts = start_alert_worker(supervisor, env, staff_port)
    started = [site, staff, retention] + ([alerts] if alerts else [])
    try:
        wait_until_up(f"http://127.0.0.1:{site_port}/", site, 60)
        wait_until_up(f"http://127.0.0.1:{staff_port}/login", staff, 60)
    except BaseException:
        stop(started)
        raise
    return started


ALERT_SETTINGS = ("ALERT_SMTP_URL", "ALERT_WEBHOOK_URL")


def start_alert_worker(supervisor: Supervisor, env: Dict[str, str], staff_port: str) -> Optional[subprocess.Popen]:
    """The alert worker (staff_review/alerts.py), when a mail server or a webhook is configured;
    a one-line notice otherwise. A malformed setting stops it with a line naming the setting
    (and `make run` with it: staff must not believe alerts are on when they are not)."""
    if not any(os.environ.get(name, "").strip() for name in ALERT_SETTINGS):
        print("Alerts off: set ALERT_SMTP_URL (with ALERT_EMAIL_FROM and ALERT_EMAIL_TO) or ALERT_WEBHOOK_URL "
              "to alert staff to new callback requests and crises (see README, Alerts).", flush=True)
        return None
    alert_env = {**env, "STAFF_PUBLIC_URL": env.get("STAFF_PUBLIC_URL") or f"http://127.0.0.1:{staff_port}"}
    worker = supervisor.start("alert worker", [str(BIN / "python"), "-m", "staff_review.alerts"], alert_env)
    print("Alerts on (python -m staff_review.alerts).", flush=True)
    return worker


def start_telegram_bridge(supervisor: Supervisor, env: Dict[str, str], rasa_port: str) -> Optional[subprocess.Popen]:
    """The Telegram bot, when a token is configured; a one-line notice otherwise."""
    if not os.environ.get("TELEGRAM_BOT_TOKEN"):
        print("Telegram bot not started: set TELEGRAM_BOT_TOKEN to run it (see README, Telegram).", flush=True)
        return None
    from channels.ownership import bridge_secret

    bridge_env = {
        **env,
        "RASA_URL": f"http://127.0.0.1:{rasa_port}/webhooks/telegram/webhook",
        "BRIDGE_SECRET": bridge_secret(),
    }
    bridge = supervisor.start("Telegram bot", [str(BIN / "python"), "-m", "telegram_bridge"], bridge_env)
    print("Telegram bot started (python -m telegram_bridge).", flush=True)
    return bridge


def keep_running(supervisor: Supervisor) -> int:
    """Until Ctrl-C or SIGTERM (KeyboardInterrupt): a part that stops is started again
    (scripts/supervisor.py); only a configuration error stops all, with exit code 1."""
    while True:
        reason = supervisor.check()
        if reason:
            print(reason, file=sys.stderr, flush=True)
            return 1
        time.sleep(1)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.environ.get("MODEL"), required=not os.environ.get("MODEL"))
    parser.add_argument("--chat", action="store_true", help="chat in this terminal, then stop the servers")
    args = parser.parse_args(argv)
    import knowledge

    try:
        # Read here first, so that a malformed clinic file (an opening-hours typo) stops make run
        # with its message, instead of failing later inside a turn (the crisis reply reads it too).
        knowledge.clinic()
    except (ValueError, KeyError) as problem:
        print(f"The clinic file can't be read: {problem}", file=sys.stderr)
        return 2

    rasa_port = os.environ.get("RASA_PORT", "5005")
    actions_port = os.environ.get("ACTIONS_PORT", DEFAULT_ACTIONS_PORT)
    interface = os.environ.get("RASA_INTERFACE", "127.0.0.1")
    site_port = os.environ.get("SITE_PORT", "8000")
    staff_port = os.environ.get("STAFF_PORT", "8001")
    public_url = os.environ.get("ASSISTANT_PUBLIC_URL", f"http://localhost:{rasa_port}")
    env = server_env()
    private_files()
    # In a terminal chat the servers' logs would bury the conversation.
    logs = {name: ROOT / "var" / f"{name}.log" if args.chat else None for name in ("actions", "rasa")}
    if args.chat:
        print("Starting the servers (logs in var/actions.log and var/rasa.log)...", flush=True)

    supervisor = Supervisor(start, say=lambda line: print(line, file=sys.stderr, flush=True))
    endpoints = endpoints_for(actions_port)

    def shutdown(signum, frame):  # noqa: ARG001 - signal handler signature
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    from storage.migrate import upgrade

    upgrade()  # the project's own tables, before anything can write to them
    from channels.ownership import server_secret

    server_secret()  # made once, here, before two servers race to make it
    if not args.chat:
        from staff_review.users import ensure_first_admin

        # Before the servers start, so that a prompt isn't buried in their output.
        ensure_first_admin()  # STAFF_ADMIN_USER/STAFF_ADMIN_PASSWORD, else a prompt on a tty, else says how
    try:
        actions = supervisor.start(
            "action server",
            [str(BIN / "python"), "-m", "action_server", "--actions", "actions", "--port", actions_port],
            env,
            logs["actions"],
        )
        rasa = supervisor.start(
            "Rasa server",
            [
                str(BIN / "rasa"), "run",
                "--model", args.model,
                "--interface", interface,
                "--port", rasa_port,
                "--credentials", "credentials.yml",
                "--endpoints", endpoints,
                "--cors", *widget_origins(site_port),
            ],
            env,
            logs["rasa"],
        )
        if not args.chat:
            start_web_apps(supervisor, env, site_port, staff_port, public_url, rasa_port)
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", actions, 120)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/webhooks/rest/", rasa, 300)
        if not args.chat:  # the terminal chat needs no Telegram bot
            start_telegram_bridge(supervisor, env, rasa_port)
        url = f"http://localhost:{rasa_port}/webhooks/rest/webhook"
        if args.chat:
            from scripts.chat import chat

            chat(f"http://localhost:{rasa_port}/webhooks/rest")
            return 0
        print(
            "\nThe assistant is ready.\n"
            f"  Website with the chat widget:  http://localhost:{site_port}\n"
            f"  Staff review:                  http://127.0.0.1:{staff_port}/  (log in with a staff account)\n"
            f"  Chat in a terminal:  make shell   (or POST JSON to {url}: README, 'Writing a client')\n"
            "  Stop with Ctrl-C.\n",
            flush=True,
        )
        return keep_running(supervisor)
    except KeyboardInterrupt:
        return 0
    finally:
        stop(supervisor.processes)
        if endpoints != str(ROOT / "endpoints.yml"):
            Path(endpoints).unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
