"""Alerts to staff (staff_review/alerts.py) end to end: real conversations with the bot, the
worker's real entry point (`python -m staff_review.alerts`) as a subprocess, a real SMTP
server (aiosmtpd) and a real webhook receiver (http.server) on loopback, and the staff app
the alert links to.

What an alert may say is the point (docs/design.md, invariant 9): the reference, the part
of the day, a link; never a name, a phone number in any format, or anything typed.
"""
from __future__ import annotations

import ipaddress
import os
import re
import signal
import ssl
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import namedtuple
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Tuple
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa

from staff_review import alerts, db
from staff_review.retention import Retention, purge
from storage.migrate import upgrade
from tests.servers import ROOT, free_port
from tests.local_receivers import Mailbox, Receiver
from tests.staff.conftest import sqlite_file

REFERENCE = re.compile(r"CB-[2-9A-HJKMNP-Z]{6}")
LINK = re.compile(r"https?://\S+/alerts/(\d+)")
NAME, PHONE, BEST_TIME, NOTE = "Jordan Whitfield", "(619) 555-0147", "after 2pm", "I work nights at the bakery"
PHONE_FORMATS = ("6195550147", "555-0147", "555 0147", "5550147", "(619)", "619-555", "619 555")
CRISIS_MESSAGE = "I want to kill myself"
Row = namedtuple("Row", "id kind destination reference best_time")  # an alert_outbox row, as the worker reads it


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox(free_port()).start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def receiver():
    found = Receiver()
    yield found
    found.server.shutdown()


def worker_env(assistant, **settings: str) -> Dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ALERT_", "STAFF_PUBLIC_URL"))}
    return {**env, "PYTHONPATH": str(ROOT), "DATABASE_URL": assistant.database_url, **settings}


OUTPUTS: List[str] = []  # everything the worker printed, checked for what must never be there


def run_worker(assistant, settings: Dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "staff_review.alerts", "--once"], cwd=ROOT, env=worker_env(assistant, **settings),
        capture_output=True, text=True, timeout=120,
    )
    OUTPUTS.append(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def settings(assistant, conversations, staff_app, mailbox, receiver) -> Dict[str, str]:
    """Email and webhook configured, and a first pass made: the watermarks are set, nothing from
    before (the staff fixtures' crisis and callback conversations) is announced."""
    configured = {
        "ALERT_SMTP_URL": f"smtp://127.0.0.1:{mailbox.port}",
        "ALERT_EMAIL_FROM": "assistant@clinic.example",
        "ALERT_EMAIL_TO": "admissions@clinic.example, lead@clinic.example",
        "ALERT_WEBHOOK_URL": receiver.url,
        "STAFF_PUBLIC_URL": staff_app.url + "/",
    }
    # A worker's first start, even if another test module's worker ran on this shared database.
    with sqlite3.connect(sqlite_file(assistant.database_url)) as connection:
        connection.execute("DELETE FROM alert_state")
        connection.execute("DELETE FROM alert_outbox")
    run_worker(assistant, configured)
    before = (conversations.crisis, conversations.callback, conversations.walkthrough)
    assert outbox(assistant, "conversation_id IN (?, ?, ?)", *before) == [], "no alerts for the past"
    assert mailbox.messages == [] and receiver.bodies == []
    return configured


def query(assistant, sql: str, *args) -> List[sqlite3.Row]:
    with sqlite3.connect(sqlite_file(assistant.database_url)) as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(sql, args))


def outbox(assistant, where: str, *args) -> List[sqlite3.Row]:
    return query(assistant, f"SELECT * FROM alert_outbox WHERE {where} ORDER BY id", *args)


def request_callback(assistant, sender: str) -> str:
    """The callback form to a stored request, as a person would answer it; its reference."""
    for message in ("please call me", NAME, PHONE, BEST_TIME, NOTE, "/affirm"):
        assistant.say(sender, message)
    reply = " ".join(message.get("text") or "" for message in assistant.say(sender, "/affirm"))
    found = REFERENCE.search(reply)
    assert found, reply
    assert query(assistant, "SELECT reference FROM callback_requests WHERE conversation_id = ?", sender)[0][0] == found.group(0)
    return found.group(0)


def check_says_nothing_private(text: str, sender: str, reference: str = "") -> None:
    """An alert: no name, no number in any format, nothing typed, no conversation id. Without the
    link and the reference, not a single digit is left."""
    bare = LINK.sub("", text)
    if reference:
        bare = bare.replace(reference, "")
    assert not re.search(r"\d", bare), text
    lowered = text.lower()
    for word in ("jordan", "whitfield", "bakery", "nights", "2pm", "kill", "myself", sender.lower()):
        assert word not in lowered, (word, text)


def check_output(sender: str, reference: str = "") -> None:
    """The worker's output: no reference, name, number or conversation id."""
    output = "\n".join(OUTPUTS)
    for secret in (NAME, "Jordan", "Whitfield", sender, *PHONE_FORMATS, *([reference] if reference else [])):
        assert secret not in output, secret
    assert "kill" not in output.lower()


def mail_text(mail) -> str:
    return mail["Subject"] + "\n" + mail.get_content()


def test_a_new_callback_request_is_announced_by_email_and_webhook(assistant, settings, mailbox, receiver, staff_app):
    sender = f"alert-callback-{uuid.uuid4().hex[:8]}"
    reference = request_callback(assistant, sender)
    run_worker(assistant, settings)

    [(recipients, mail)] = mailbox.about(reference)
    assert sorted(recipients) == ["admissions@clinic.example", "lead@clinic.example"]
    assert mail["From"] == "assistant@clinic.example" and mail["Subject"] == f"New callback request {reference}"
    body = mail.get_content()
    assert f"New callback request {reference} (best time: afternoon) — open {staff_app.url}/alerts/" in body
    check_says_nothing_private(mail_text(mail), sender, reference)

    [hook] = receiver.about(reference)
    assert set(hook) == {"text"}, "the body Slack, Teams and Mattermost incoming webhooks take"
    assert re.fullmatch(
        rf"New callback request {reference} \(best time: afternoon\) — open {re.escape(staff_app.url)}/alerts/\d+",
        hook["text"],
    ), hook["text"]
    check_says_nothing_private(hook["text"], sender, reference)

    rows = outbox(assistant, "reference = ?", reference)
    assert sorted(row["destination"] for row in rows) == ["email", "webhook"]
    assert all(row["sent_at"] and row["attempts"] == 1 and row["best_time"] == "afternoon" for row in rows)
    # The row itself holds nothing typed either.
    assert all(NAME not in str(tuple(row)) and BEST_TIME not in str(tuple(row)) for row in rows)

    mails, hooks = len(mailbox.messages), len(receiver.bodies)
    run_worker(assistant, settings)
    assert (len(mailbox.messages), len(receiver.bodies)) == (mails, hooks), "nothing is sent twice"
    check_output(sender, reference)


def test_a_likely_crisis_taken_as_a_form_answer_is_announced_too(assistant, settings, mailbox, receiver, staff_app):
    # crisis_likely (crisis_detection/component.py): in a form, the answer is taken and the lines
    # said, without the crisis reply; staff are told all the same.
    sender = f"alert-likely-{uuid.uuid4().hex[:8]}"
    assistant.say(sender, "can someone from your team call me?")
    reply = assistant.say(sender, "/crisis_likely")
    assert not any((message.get("custom") or {}).get("crisis") for message in reply), reply
    run_worker(assistant, settings)
    assert sorted(row["destination"] for row in outbox(assistant, "conversation_id = ?", sender)) == ["email", "webhook"]
    assert all(row["kind"] == "crisis" for row in outbox(assistant, "conversation_id = ?", sender))


def test_a_crisis_is_announced_once_a_day(assistant, settings, mailbox, receiver, staff_app):
    sender = f"alert-crisis-{uuid.uuid4().hex[:8]}"
    reply = assistant.say(sender, CRISIS_MESSAGE)
    assert any((message.get("custom") or {}).get("crisis") for message in reply), reply
    run_worker(assistant, settings)

    [row_email, row_hook] = outbox(assistant, "conversation_id = ?", sender)
    assert (row_email["kind"], row_email["destination"], row_email["reference"], row_hook["destination"]) == (
        "crisis", "email", alerts.crisis_day(time.time()), "webhook")
    assert row_email["sent_at"] and row_hook["sent_at"]
    [mail] = [mail for _, mail in mailbox.about("crisis reply")
              if mail.get_content().splitlines()[0].endswith(f"/alerts/{row_email['id']}")]
    assert mail.get_content().splitlines()[0] == (
        f"A conversation was given the crisis reply — open {staff_app.url}/alerts/{row_email['id']}"
    )
    check_says_nothing_private(mail_text(mail), sender)
    [hook] = [hook for hook in receiver.about("crisis reply") if hook["text"].endswith(f"/alerts/{row_hook['id']}")]
    assert hook["text"] == f"A conversation was given the crisis reply — open {staff_app.url}/alerts/{row_hook['id']}"
    check_says_nothing_private(hook["text"], sender)

    # More of the same conversation, another crisis message included: still one alert each.
    mails, hooks = len(mailbox.messages), len(receiver.bodies)
    assistant.say(sender, "what is IOP?")
    assistant.say(sender, CRISIS_MESSAGE)
    run_worker(assistant, settings)
    assert (len(mailbox.messages), len(receiver.bodies)) == (mails, hooks)
    assert len(outbox(assistant, "conversation_id = ?", sender)) == 2
    check_output(sender)

    # The same person back in danger another day is announced again.
    assistant.say(sender, CRISIS_MESSAGE)
    engine = db.engine(assistant.database_url)
    with engine.connect() as connection:
        watermark = connection.execute(sa.text("SELECT last_id FROM alert_state WHERE name = 'events'")).scalar()
    tomorrow = time.time() + 86400
    assert alerts.enqueue_crises(engine, ("email", "webhook"), watermark, tomorrow) == 2
    rows = outbox(assistant, "conversation_id = ?", sender)
    assert [row["reference"] for row in rows[2:]] == [alerts.crisis_day(tomorrow)] * 2


def test_a_mail_server_that_is_down_delays_nothing_and_loses_nothing(assistant, settings, tmp_path):
    """The worker runs as make run starts it (a loop), against a port nobody listens on; the
    conversation goes on, the request is stored, the alert waits with its attempts counted,
    and goes out once the server is there."""
    port = free_port()
    down = {
        "ALERT_SMTP_URL": f"smtp://127.0.0.1:{port}", "ALERT_EMAIL_FROM": settings["ALERT_EMAIL_FROM"],
        "ALERT_EMAIL_TO": "admissions@clinic.example", "STAFF_PUBLIC_URL": settings["STAFF_PUBLIC_URL"],
        "ALERT_RETRY_SECONDS": "0", "ALERT_POLL_SECONDS": "0.2",
    }
    log = tmp_path / "alerts.log"
    with open(log, "wb") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "staff_review.alerts"], cwd=ROOT, env=worker_env(assistant, **down),
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    sender = f"alert-down-{uuid.uuid4().hex[:8]}"
    mailbox = None
    try:
        started = time.monotonic()
        reference = request_callback(assistant, sender)  # answered, and stored: asserted inside
        assert time.monotonic() - started < 60
        deadline = time.monotonic() + 60
        while not outbox(assistant, "reference = ? AND attempts >= 2", reference):
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the alert was never tried"
            time.sleep(0.2)
        [row] = outbox(assistant, "reference = ?", reference)
        assert row["destination"] == "email" and row["sent_at"] is None and row["last_error"] == "ConnectionRefusedError"

        mailbox = Mailbox(port).start()
        deadline = time.monotonic() + 60
        while not outbox(assistant, "reference = ? AND sent_at IS NOT NULL", reference):
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the alert was not delivered once the server was up"
            time.sleep(0.2)
        [(recipients, mail)] = mailbox.about(reference)
        assert recipients == ["admissions@clinic.example"]
        check_says_nothing_private(mail_text(mail), sender, reference)
        [row] = outbox(assistant, "reference = ?", reference)
        assert row["attempts"] >= 3 and row["last_error"] is None
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, "SIGTERM stops the loop cleanly"
        if mailbox:
            mailbox.stop()
    text = log.read_text()
    OUTPUTS.append(text)
    assert "ConnectionRefusedError" in text and "sent 1" in text
    check_output(sender, reference)


def certificate(directory: Path) -> Tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert, key), which the worker is told to trust."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "alerts test mail server")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.mark.parametrize("scheme", ["smtp", "smtps"], ids=["STARTTLS", "implicit TLS"])
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # the test server's, about itself
def test_a_mail_server_with_tls_and_a_login(assistant, settings, tmp_path, scheme):
    """smtp:// upgrades with STARTTLS (the server here refuses mail and logins without it),
    smtps:// speaks TLS from the start; the certificate is checked, and the login is the
    URL's, percent-decoded."""
    cert_file, key_file = certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    port = free_port()
    # aiosmtpd counts only STARTTLS as TLS for AUTH: over implicit TLS it must be told that's fine.
    tls = {"tls_context": context, "require_starttls": True} if scheme == "smtp" else {
        "ssl_context": context, "auth_require_tls": False}
    mailbox = Mailbox(port, login=True, **tls).start()
    sender = f"alert-tls-{uuid.uuid4().hex[:8]}"
    try:
        assistant.say(sender, CRISIS_MESSAGE)
        user, password = "alerts@clinic.example", "p@ss:w/rd %"
        run_worker(assistant, {
            "ALERT_SMTP_URL": f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{port}",
            "ALERT_EMAIL_FROM": "assistant@clinic.example", "ALERT_EMAIL_TO": "admissions@clinic.example",
            "STAFF_PUBLIC_URL": settings["STAFF_PUBLIC_URL"], "SSL_CERT_FILE": str(cert_file),
        })
    finally:
        mailbox.stop()
    [row] = outbox(assistant, "conversation_id = ?", sender)
    assert row["sent_at"] and row["last_error"] is None, row["last_error"]
    [(_, mail)] = mailbox.about(f"/alerts/{row['id']}")
    check_says_nothing_private(mail_text(mail), sender)
    assert mailbox.logins == [(user.encode(), password.encode())]
    check_output(sender)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_password_is_not_sent_in_the_clear(monkeypatch):
    """A server that offers no TLS gets no login (and so no mail) unless it is on loopback: here
    the loopback exception is turned off, as for a server elsewhere."""
    mailbox = Mailbox(free_port(), login=True, auth_require_tls=False).start()
    try:
        config = alerts.Config.from_env({
            "ALERT_SMTP_URL": f"smtp://user:secret@127.0.0.1:{mailbox.port}", "ALERT_EMAIL_FROM": "a@clinic.example",
            "ALERT_EMAIL_TO": "b@clinic.example",
        })
        row = Row(id=1, kind="crisis", destination="email", reference="", best_time=None)
        monkeypatch.setattr(alerts, "_loopback", lambda host: False)
        with pytest.raises(alerts.InsecureLogin):
            alerts.deliver(row, config)
        monkeypatch.undo()
        alerts.deliver(row, config)  # on loopback, as in these tests
    finally:
        mailbox.stop()
    assert mailbox.logins == [(b"user", b"secret")] and len(mailbox.messages) == 1


def test_alert_links_open_the_request_or_transcript_after_login(assistant, settings, staff_app):
    sender = f"alert-links-{uuid.uuid4().hex[:8]}"
    reference = request_callback(assistant, sender)
    assistant.say(sender, CRISIS_MESSAGE)
    run_worker(assistant, settings)
    callback_row = outbox(assistant, "reference = ? AND destination = 'email'", reference)[0]
    crisis_row = outbox(assistant, "conversation_id = ? AND kind = 'crisis' AND destination = 'webhook'", sender)[0]
    callback_path, crisis_path = f"/alerts/{callback_row['id']}", f"/alerts/{crisis_row['id']}"

    anonymous = staff_app.client()
    response = anonymous.get(callback_path, allow_redirects=False)
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    assert "csrf_token" in anonymous.get(crisis_path).text, "sent to the login page"

    reviewer = staff_app.login("reviewer")
    response = reviewer.get(callback_path)
    assert response.status_code == 200 and response.url == f"{staff_app.url}/callbacks?q={reference}"
    assert reference in response.text
    response = reviewer.get(crisis_path)
    assert response.status_code == 200 and urlsplit(response.url).path == "/conversation"
    assert "id=" + sender in response.url
    assert reviewer.get("/alerts/999999999").status_code == 404
    audited = query(assistant, "SELECT detail FROM staff_audit_log WHERE action = 'follow_alert' AND conversation_id = ?", sender)
    assert sorted(row[0] for row in audited) == [f"callback alert {callback_row['id']}", f"crisis alert {crisis_row['id']}"]
    check_output(sender, reference)


def test_without_settings_there_are_no_alerts_and_bad_settings_are_named(assistant):
    result = subprocess.run(
        [sys.executable, "-m", "staff_review.alerts", "--once"], cwd=ROOT, env=worker_env(assistant),
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0 and "Alerts are off" in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "staff_review.alerts", "--once"], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env=worker_env(assistant, ALERT_SMTP_URL="smtp://user:s3cret-pass@mail.example:25", ALERT_EMAIL_FROM="a@b.example"),
    )
    assert bad.returncode == 2 and "ALERT_EMAIL_TO" in bad.stderr
    assert "s3cret" not in bad.stdout + bad.stderr, "a URL's password is never printed"


def test_make_run_starts_the_worker_only_when_alerts_are_configured(assistant, settings, receiver, monkeypatch, capfd):
    from scripts import serve
    from scripts.supervisor import Supervisor

    for name in [name for name in os.environ if name.startswith("ALERT_")]:
        monkeypatch.delenv(name)
    assert serve.start_alert_worker(Supervisor(serve.start), {}, "8001") is None
    assert "Alerts off: set ALERT_SMTP_URL" in capfd.readouterr().out
    monkeypatch.setenv("ALERT_WEBHOOK_URL", receiver.url)
    env = serve.server_env({"DATABASE_URL": assistant.database_url, "ALERT_WEBHOOK_URL": receiver.url})
    worker = serve.start_alert_worker(Supervisor(serve.start), env, "8001")
    try:
        output, deadline = "", time.monotonic() + 60
        while "Alert worker started: webhook" not in output:
            assert worker.poll() is None and time.monotonic() < deadline, output
            time.sleep(0.1)
            output += "".join(capfd.readouterr())
        assert "Alerts on" in output
    finally:
        serve.stop([worker])
    assert worker.returncode == 0


def test_config_reads_the_settings():
    config = alerts.Config.from_env({
        "ALERT_SMTP_URL": "smtps://u%40x:p@mail.example", "ALERT_EMAIL_FROM": "a@b.example",
        "ALERT_EMAIL_TO": " x@b.example ,y@b.example,", "STAFF_PORT": "9001",
    })
    assert config.destinations == ("email",) and config.email_to == ("x@b.example", "y@b.example")
    assert config.staff_url == "http://127.0.0.1:9001" and config.retry_seconds == 30 and config.poll_seconds == 5
    assert alerts.Config.from_env({}).destinations == ()
    assert [alerts.backoff(config, n) for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]
    for bad in ({"ALERT_WEBHOOK_URL": "ftp://x"}, {"ALERT_EMAIL_TO": "x@b.example"},
                {"ALERT_WEBHOOK_URL": "https://h/x", "ALERT_RETRY_SECONDS": "soon"}):
        with pytest.raises(ValueError):
            alerts.Config.from_env(bad)


def test_retention_deletes_sent_and_given_up_alerts_after_30_days(tmp_path, monkeypatch):
    monkeypatch.setenv("STAFF_SECRET_KEY", "k" * 40)
    url = f"sqlite:///{tmp_path / 'iop.db'}"
    upgrade(url)
    now = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)

    def ago(days: float) -> float:
        return (now - timedelta(days=days)).timestamp()

    rows = {  # conversation: (created, sent_at, next_try_at)
        "sent-old": (ago(40), ago(40), ago(40)), "gave-up-old": (ago(40), None, alerts.GAVE_UP),
        "pending-old": (ago(40), None, ago(1)), "sent-recent": (ago(10), ago(10), ago(10)),
        "gave-up-recent": (ago(10), None, alerts.GAVE_UP),
    }
    with db.engine(url).begin() as connection:
        connection.execute(db.alert_outbox.insert(), [
            {"kind": "crisis", "destination": "email", "conversation_id": name, "reference": "", "created_at": created,
             "attempts": 1, "sent_at": sent, "next_try_at": next_try}
            for name, (created, sent, next_try) in rows.items()
        ])
    purge(Retention(), now=now, url=url)
    with db.engine(url).connect() as connection:
        left = sorted(connection.execute(sa.select(db.alert_outbox.c.conversation_id)).scalars())
    assert left == ["gave-up-recent", "pending-old", "sent-recent"]
