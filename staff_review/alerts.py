"""Alerts where admissions staff already are: an email and/or a chat message for each new
callback request, each conversation that was given the crisis reply, and each visitor
waiting for a live chat with admissions.

    python -m staff_review.alerts          # a pass every ALERT_POLL_SECONDS (5), until stopped
    python -m staff_review.alerts --once   # one pass (enqueue, then send what is due): tests, cron

`make run` starts the loop beside the staff app when something is configured.
Settings (environment); nothing configured, no alerts:

    ALERT_SMTP_URL       smtp://user:pass@host:587 (STARTTLS when the server offers it; port 587
                         by default) or smtps://user:pass@host:465 (TLS from the start). A
                         password is sent only over TLS, or to a server on loopback.
    ALERT_EMAIL_FROM     the sender address (required with ALERT_SMTP_URL)
    ALERT_EMAIL_TO       the recipients, comma-separated (required with ALERT_SMTP_URL)
    ALERT_WEBHOOK_URL    an incoming webhook (Slack, Teams, Mattermost): POST {"text": "..."}
    STAFF_PUBLIC_URL     the staff app as staff reach it, for the links (http://127.0.0.1:STAFF_PORT)
    ALERT_POLL_SECONDS   between passes of the loop (5)
    ALERT_RETRY_SECONDS  the first retry's delay, doubled after each failure up to an hour (30)

Why it works this way:

* **No health information leaves the system** (docs/design.md, invariant 9). An
  alert says what happened and where to look: "New callback request CB-XXXXXX
  (best time: afternoon) — open <link>", "A conversation was given the
  crisis reply — open <link>", or "Someone is waiting for a live chat with
  admissions — open <link>". Never a name, a number, or anything the person
  typed: the best time is only `best_time.part_of_day` of what they typed
  (morning, afternoon, evening, any time), left out when it says none. The link
  (`<STAFF_PUBLIC_URL>/alerts/<outbox id>`) names neither the conversation nor
  the request: the staff app looks the row up after login, records it in the
  audit log and redirects (staff_review/views/alerts.py).
* **The assistant's code doesn't change, and its replies never wait.** This
  worker finds what to announce by scanning the database: callback requests
  above a watermark (alert_state "callback_requests"), and, after bringing the
  staff app's index up to date (`sync.sync()`, incremental and idempotent),
  conversations flagged crisis with a crisis event above the event watermark
  (alert_state "events") and no crisis alert yet that day (one per
  conversation per clinic day: someone back in danger next week is announced
  again; `reference` holds the day), and live-chat handoffs above a
  watermark (alert_state "handoffs"; `reference` is "H" and the handoff's
  id). A handoff waits only minutes (storage.handoffs.wait_seconds), so
  its alert is given up, not sent, once nobody is waiting any more. A
  mail server that is down, slow or refusing can't delay or break a
  conversation: nothing on the reply path talks to it.
* **Nothing is lost, nothing is sent twice.** Each alert becomes one row per
  destination in `alert_outbox` before anything is sent; a unique constraint
  (kind, destination, conversation, reference) makes enqueueing idempotent,
  and the watermark moves in the same transaction, conditionally, so two
  workers can't both enqueue. A row is claimed (its next try pushed LEASE
  seconds ahead, conditionally) before it is sent, then marked sent. A failure
  is counted and retried with exponential back-off (ALERT_RETRY_SECONDS,
  doubling, at most an hour); after GIVE_UP_SECONDS (a day) the row is given up:
  kept with the error's kind and never tried again. A worker killed between
  sending and recording may send that one alert again (at least once, never
  none). After one failure a destination gets no more tries in that pass, so a
  dead server costs one timeout per pass, not one per alert.
* **No alerts for the past.** On the very first pass (no watermark rows) the
  watermarks are set to the current maxima and nothing is enqueued. On
  PostgreSQL, ids can commit out of order, so the callback watermark stops
  before a gap less than a minute old, as sync's does (rows already enqueued
  are skipped when read again).
* **Logs say only kinds, counts and an error's class name**: never a
  conversation id, a reference, a name, a number or message text. The SMTP
  and webhook URLs carry secrets and are never printed either.

A given-up or sent row is deleted 30 days after it was made
(staff_review/retention.py); an erase deletes a conversation's rows with it.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import smtplib
import ssl
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, namedtuple
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from ipaddress import ip_address
from typing import Dict, List, Optional, Sequence, Tuple
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from staff_review import db, sync
from staff_review.best_time import part_of_day
from staff_review.callback_queue import clinic_zone
from storage import handoffs

logger = logging.getLogger("staff_review.alerts")

CALLBACK, CRISIS, HANDOFF = "callback", "crisis", "handoff"
EMAIL, WEBHOOK = "email", "webhook"
CALLBACKS_MARK, EVENTS_MARK, HANDOFFS_MARK = "callback_requests", "events", "handoffs"
NO_LONGER_WAITING = "no longer waiting"
BATCH = 500
CHUNK = 400
TIMEOUT = 30  # seconds for one SMTP conversation or webhook call
LEASE = 300  # a claimed row is not tried by another pass for this long (more than any send can take)
RETRY_CAP = 3600
GIVE_UP_SECONDS = 24 * 3600
GAVE_UP = 1e12  # next_try_at of a given-up row: never due (the year 33658)
GAVE_UP_PREFIX = "gave up: "
KEEP_DAYS = 30  # sent and given-up rows, for retention.py
DEFAULT_POLL_SECONDS = 5.0
DEFAULT_RETRY_SECONDS = 30.0
LOOPBACK_NAMES = {"localhost"}


@dataclass(frozen=True)
class Config:
    smtp_url: str = ""
    email_from: str = ""
    email_to: Tuple[str, ...] = ()
    webhook_url: str = ""
    staff_url: str = "http://127.0.0.1:8001"
    poll_seconds: float = DEFAULT_POLL_SECONDS
    retry_seconds: float = DEFAULT_RETRY_SECONDS

    @property
    def destinations(self) -> Tuple[str, ...]:
        return ((EMAIL,) if self.smtp_url else ()) + ((WEBHOOK,) if self.webhook_url else ())

    @classmethod
    def from_env(cls, env: Optional[Dict[str, str]] = None) -> "Config":
        """The settings, checked; ValueError names a bad one (never its value: URLs hold secrets)."""
        env = os.environ if env is None else env

        def get(name: str) -> str:
            return (env.get(name) or "").strip()

        def seconds(name: str, default: float) -> float:
            value = get(name)
            if not value:
                return default
            try:
                number = float(value)
            except ValueError:
                number = -1.0
            if not 0 <= number < 86400:
                raise ValueError(f"{name} must be a number of seconds (0 or more).")
            return number

        smtp_url, webhook_url = get("ALERT_SMTP_URL"), get("ALERT_WEBHOOK_URL")
        email_from = get("ALERT_EMAIL_FROM")
        email_to = tuple(address.strip() for address in get("ALERT_EMAIL_TO").split(",") if address.strip())
        if smtp_url:
            parts = urlsplit(smtp_url)
            try:
                parts.port
            except ValueError:
                raise ValueError("ALERT_SMTP_URL has a port that is not a number.") from None
            if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
                raise ValueError("ALERT_SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465.")
            if "@" not in email_from:
                raise ValueError("ALERT_EMAIL_FROM (an email address) is required with ALERT_SMTP_URL.")
            if not email_to or any("@" not in address for address in email_to):
                raise ValueError("ALERT_EMAIL_TO (email addresses, comma-separated) is required with ALERT_SMTP_URL.")
        elif email_to or email_from:
            raise ValueError("ALERT_EMAIL_FROM and ALERT_EMAIL_TO need ALERT_SMTP_URL (the mail server).")
        if webhook_url and (urlsplit(webhook_url).scheme not in ("http", "https") or not urlsplit(webhook_url).hostname):
            raise ValueError("ALERT_WEBHOOK_URL must be an http(s):// URL.")
        staff_url = get("STAFF_PUBLIC_URL") or f"http://127.0.0.1:{get('STAFF_PORT') or '8001'}"
        if urlsplit(staff_url).scheme not in ("http", "https") or not urlsplit(staff_url).hostname:
            raise ValueError("STAFF_PUBLIC_URL must be an http(s):// URL (the staff app as staff reach it).")
        return cls(
            smtp_url=smtp_url, email_from=email_from, email_to=email_to, webhook_url=webhook_url,
            staff_url=staff_url.rstrip("/"), poll_seconds=seconds("ALERT_POLL_SECONDS", DEFAULT_POLL_SECONDS),
            retry_seconds=seconds("ALERT_RETRY_SECONDS", DEFAULT_RETRY_SECONDS),
        )


# What an alert says ------------------------------------------------------------------------

def link(config: Config, alert_id: int) -> str:
    return f"{config.staff_url}/alerts/{alert_id}"


def text_of(row, config: Config) -> str:
    """The alert's one line: what happened, the reference and part of the day for a callback, the link."""
    if row.kind == CALLBACK:
        when = f" (best time: {row.best_time})" if row.best_time else ""
        return f"New callback request {row.reference}{when} — open {link(config, row.id)}"
    if row.kind == HANDOFF:
        return f"Someone is waiting for a live chat with admissions — open {link(config, row.id)}"
    return f"A conversation was given the crisis reply — open {link(config, row.id)}"


def subject_of(row) -> str:
    if row.kind == HANDOFF:
        return "Someone is waiting for a live chat"
    return f"New callback request {row.reference}" if row.kind == CALLBACK else "A conversation needs a look (crisis reply)"


def email_of(row, config: Config) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject_of(row)
    message["From"] = config.email_from
    message["To"] = ", ".join(config.email_to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config.email_from.rpartition("@")[2] or None)
    message.set_content(
        text_of(row, config) + "\n\n"
        "The details are in the staff app, after login. This message carries no name, "
        "phone number or health information.\n"
    )
    return message


# Sending -----------------------------------------------------------------------------------

class InsecureLogin(Exception):
    """The mail server offers no TLS: its password is not sent in the clear (except on loopback)."""


def _loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def send_email(config: Config, message: EmailMessage) -> None:
    parts = urlsplit(config.smtp_url)
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        server: smtplib.SMTP = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=TIMEOUT, context=context)
    else:
        server = smtplib.SMTP(parts.hostname, parts.port or 587, timeout=TIMEOUT)
    with server:
        server.ehlo()
        secure = parts.scheme == "smtps"
        if not secure and server.has_extn("starttls"):
            server.starttls(context=context)
            server.ehlo()
            secure = True
        if parts.username:
            if not secure and not _loopback(parts.hostname):
                raise InsecureLogin()
            server.login(unquote(parts.username), unquote(parts.password or ""))
        server.send_message(message)


def send_webhook(config: Config, text: str) -> None:
    request = urllib.request.Request(
        config.webhook_url, data=json.dumps({"text": text}).encode(), method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "iop-assistant-alerts"},
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:
        reply.read(4096)


def deliver(row, config: Config) -> None:
    """Send one outbox row to its destination; raises on any failure."""
    if row.destination == EMAIL:
        send_email(config, email_of(row, config))
    else:
        send_webhook(config, text_of(row, config))


def error_kind(problem: BaseException) -> str:
    """What went wrong, without anything it carried: the class name (and an HTTP status)."""
    kind = type(problem).__name__
    if isinstance(problem, urllib.error.HTTPError):
        kind += f" {problem.code}"
    elif isinstance(problem, smtplib.SMTPResponseException):
        kind += f" {problem.smtp_code}"
    return kind[:150]


def backoff(config: Config, attempts: int) -> float:
    return min(RETRY_CAP, config.retry_seconds * 2 ** max(0, attempts - 1))


# Enqueueing --------------------------------------------------------------------------------

def _epoch(value) -> float:
    if value is None:
        return 0.0
    if value.tzinfo is None:  # SQLite hands back naive datetimes, stored as UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


def _marks(engine: Engine) -> Dict[str, int]:
    with engine.connect() as connection:
        return dict(connection.execute(sa.select(db.alert_state.c.name, db.alert_state.c.last_id)).all())


def _events_mark(engine: Engine) -> int:
    """How far the staff app's index has read `events` (0 before Rasa made the table)."""
    with engine.connect() as connection:
        value = connection.execute(sa.select(db.sync_state.c.last_event_id).where(db.sync_state.c.id == 1)).scalar()
    return value or 0


def start_watermarks(engine: Engine, marks: Dict[str, int]) -> None:
    """First pass: the watermarks at the current maxima, so that nothing from the past is announced."""
    values = {}
    if CALLBACKS_MARK not in marks:
        with engine.connect() as connection:
            values[CALLBACKS_MARK] = connection.execute(sa.select(sa.func.max(db.callback_requests.c.id))).scalar() or 0
    if EVENTS_MARK not in marks:
        sync.sync(engine)
        values[EVENTS_MARK] = _events_mark(engine)
    if HANDOFFS_MARK not in marks:
        with engine.connect() as connection:
            values[HANDOFFS_MARK] = connection.execute(sa.select(sa.func.max(handoffs.handoffs.c.id))).scalar() or 0
    for name, value in values.items():
        try:
            with engine.begin() as connection:
                connection.execute(db.alert_state.insert().values(name=name, last_id=value))
        except sa.exc.IntegrityError:
            pass  # another worker started it meanwhile


def _new_rows(connection, kind: str, subjects: Sequence[Tuple[str, str, Optional[str]]],
              destinations: Sequence[str], now: float) -> List[dict]:
    """Outbox rows for (conversation, reference, best time) subjects, leaving out those already there."""
    o = db.alert_outbox
    existing = set()
    conversation_ids = sorted({subject[0] for subject in subjects})
    for start in range(0, len(conversation_ids), CHUNK):
        existing.update(connection.execute(
            sa.select(o.c.destination, o.c.conversation_id, o.c.reference)
            .where(o.c.kind == kind, o.c.conversation_id.in_(conversation_ids[start:start + CHUNK]))
        ).all())
    return [
        {"kind": kind, "destination": destination, "conversation_id": conversation_id, "reference": reference,
         "best_time": best_time, "created_at": now, "attempts": 0, "next_try_at": now}
        for conversation_id, reference, best_time in subjects
        for destination in destinations
        if (destination, conversation_id, reference) not in existing
    ]


def _enqueue(engine: Engine, name: str, previous: int, mark: int, kind: str,
             subjects: Sequence[Tuple[str, str, Optional[str]]], destinations: Sequence[str], now: float) -> int:
    """In one transaction: move the watermark on (only if nobody else did) and add the rows."""
    if mark == previous and not subjects:
        return 0  # nothing new: no write (the SQLite file is Rasa's too)
    with engine.begin() as connection:
        claimed = connection.execute(
            db.alert_state.update().where(db.alert_state.c.name == name, db.alert_state.c.last_id == previous)
            .values(last_id=mark)
        ).rowcount
        if not claimed:
            return 0  # another worker read the same rows: it enqueues them
        rows = _new_rows(connection, kind, subjects, destinations, now)
        if rows:
            connection.execute(db.alert_outbox.insert(), rows)
        return len(rows)


Stamped = namedtuple("Stamped", "id timestamp")


def enqueue_callbacks(engine: Engine, destinations: Sequence[str], previous: int, now: float) -> int:
    """Outbox rows for callback requests above the watermark."""
    c = db.callback_requests
    added = 0
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(c.c.id, c.c.conversation_id, c.c.reference, c.c.best_time, c.c.created_at)
                .where(c.c.id > previous).order_by(c.c.id).limit(BATCH)
            ).all()
        if not rows:
            return added
        mark = sync.safe_watermark([Stamped(row.id, _epoch(row.created_at)) for row in rows], previous, now)
        # Every row read is enqueued, past a gap too (read again next time, it is skipped as already there).
        subjects = [(row.conversation_id, row.reference, part_of_day(row.best_time)) for row in rows]
        added += _enqueue(engine, CALLBACKS_MARK, previous, mark, CALLBACK, subjects, destinations, now)
        if len(rows) < BATCH or mark < rows[-1].id:
            return added
        previous = mark


def crisis_day(now: float) -> str:
    """The clinic's calendar day of `now`: a conversation's crisis alerts are one per such day."""
    return datetime.fromtimestamp(now, timezone.utc).astimezone(clinic_zone()).date().isoformat()


def enqueue_crises(engine: Engine, destinations: Sequence[str], previous: int, now: float) -> int:
    """Outbox rows for conversations given the crisis reply since the event watermark (one each per day)."""
    sync.sync(engine)
    conversations, outbox, e = db.conversations, db.alert_outbox, db.events
    day = crisis_day(now)
    with engine.connect() as connection:
        mark = max(previous, _events_mark(engine))
        alerted = sa.select(outbox.c.id).where(
            outbox.c.kind == CRISIS, outbox.c.conversation_id == conversations.c.conversation_id,
            outbox.c.reference == day,
        ).exists()
        candidates = list(connection.execute(
            sa.select(conversations.c.conversation_id)
            .where(conversations.c.crisis == sa.true(), conversations.c.last_event_id > previous, ~alerted)
        ).scalars())
        # A crisis now, not one from before the watermark in a conversation that went on since.
        crises: List[str] = []
        for start in range(0, len(candidates), CHUNK):
            crises += connection.execute(
                sa.select(e.c.sender_id).distinct().where(
                    e.c.sender_id.in_(candidates[start:start + CHUNK]), e.c.id > previous,
                    sa.or_(e.c.action_name == sync.CRISIS_ACTION,
                           sa.and_(e.c.type_name == "user", e.c.intent_name.in_(sync.CRISIS_INTENTS))),
                )
            ).scalars().all()
    subjects = [(conversation_id, day, None) for conversation_id in sorted(crises)]
    return _enqueue(engine, EVENTS_MARK, previous, mark, CRISIS, subjects, destinations, now)


def handoff_reference(handoff_id: int) -> str:
    return f"H{handoff_id}"


def handoff_id_of(reference: str) -> Optional[int]:
    return int(reference[1:]) if reference.startswith("H") and reference[1:].isdigit() else None


def enqueue_handoffs(engine: Engine, destinations: Sequence[str], previous: int, now: float) -> int:
    """Outbox rows for handoffs (requests for a live person) above the watermark."""
    h = handoffs.handoffs
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(h.c.id, h.c.conversation_id, h.c.state, h.c.requested_at)
            .where(h.c.id > previous).order_by(h.c.id).limit(BATCH)
        ).all()
    if not rows:
        return 0
    mark = sync.safe_watermark([Stamped(row.id, _epoch(row.requested_at)) for row in rows], previous, now)
    # One taken before this pass saw it needs nobody: no alert.
    subjects = [(row.conversation_id, handoff_reference(row.id), None) for row in rows if row.state == handoffs.WAITING]
    return _enqueue(engine, HANDOFFS_MARK, previous, mark, HANDOFF, subjects, destinations, now)


def still_waiting(engine: Engine, reference: str) -> bool:
    handoff_id = handoff_id_of(reference)
    if handoff_id is None:
        return False
    with engine.connect() as connection:
        state = connection.execute(sa.select(handoffs.handoffs.c.state).where(handoffs.handoffs.c.id == handoff_id)).scalar()
    return state == handoffs.WAITING


def enqueue(engine: Engine, config: Config, now: float) -> Counter:
    """New alerts into the outbox, by kind."""
    marks = _marks(engine)
    if CALLBACKS_MARK not in marks or EVENTS_MARK not in marks:
        start_watermarks(engine, marks)
        return Counter()
    if HANDOFFS_MARK not in marks:  # a database from before live chat: announce only new handoffs
        start_watermarks(engine, marks)
        marks = _marks(engine)
    found = Counter()
    found[CALLBACK] = enqueue_callbacks(engine, config.destinations, marks[CALLBACKS_MARK], now)
    found[CRISIS] = enqueue_crises(engine, config.destinations, marks[EVENTS_MARK], now)
    found[HANDOFF] = enqueue_handoffs(engine, config.destinations, marks[HANDOFFS_MARK], now)
    return +found


# Sending what is due -----------------------------------------------------------------------

def send_due(engine: Engine, config: Config, now: Optional[float] = None) -> Counter:
    """Try every row that is due, once; counts of "sent", "failed" and "gave up"."""
    o = db.alert_outbox
    now = time.time() if now is None else now
    with engine.connect() as connection:
        due = connection.execute(
            sa.select(o).where(o.c.sent_at.is_(None), o.c.next_try_at <= now).order_by(o.c.next_try_at, o.c.id).limit(BATCH)
        ).all()
    outcome: Counter = Counter()
    failing = set()  # destinations that failed in this pass: no more tries until the next
    for row in due:
        if row.destination in failing:
            continue
        if row.destination not in config.destinations:
            _finish(engine, row, error=GAVE_UP_PREFIX + "destination no longer configured", next_try_at=GAVE_UP)
            outcome["gave up"] += 1
            continue
        if row.kind == HANDOFF and not still_waiting(engine, row.reference):
            # Someone took it, or the visitor was offered a callback: an alert now would send staff to nothing.
            _finish(engine, row, error=GAVE_UP_PREFIX + NO_LONGER_WAITING, next_try_at=GAVE_UP)
            outcome["gave up"] += 1
            continue
        with engine.begin() as connection:  # claim it, so that no other pass sends it meanwhile
            claimed = connection.execute(
                o.update().where(o.c.id == row.id, o.c.sent_at.is_(None), o.c.next_try_at == row.next_try_at)
                .values(next_try_at=time.time() + LEASE)
            ).rowcount
        if not claimed:
            continue
        try:
            deliver(row, config)
        except Exception as problem:  # anything at all: recorded, retried, never raised into the loop
            failing.add(row.destination)
            kind = error_kind(problem)
            attempts = row.attempts + 1
            if time.time() - row.created_at >= GIVE_UP_SECONDS:
                _finish(engine, row, attempts=attempts, error=GAVE_UP_PREFIX + kind, next_try_at=GAVE_UP)
                logger.warning("Gave up on a %s alert by %s after %d attempts (%s).", row.kind, row.destination, attempts, kind)
                outcome["gave up"] += 1
            else:
                _finish(engine, row, attempts=attempts, error=kind, next_try_at=time.time() + backoff(config, attempts))
                logger.warning("A %s alert by %s failed (%s); attempt %d, retrying later.", row.kind, row.destination, kind, attempts)
                outcome["failed"] += 1
            continue
        _finish(engine, row, attempts=row.attempts + 1, sent_at=time.time())
        outcome["sent"] += 1
    return outcome


def _finish(engine: Engine, row, attempts: Optional[int] = None, error: Optional[str] = None,
            next_try_at: Optional[float] = None, sent_at: Optional[float] = None) -> None:
    values = {"last_error": error}
    if attempts is not None:
        values["attempts"] = attempts
    if next_try_at is not None:
        values["next_try_at"] = next_try_at
    if sent_at is not None:
        values["sent_at"] = sent_at
    with engine.begin() as connection:
        connection.execute(db.alert_outbox.update().where(db.alert_outbox.c.id == row.id).values(**values))


def finished_before(before: float):
    """The outbox rows retention deletes: sent or given up, made before `before` (a Unix time)."""
    o = db.alert_outbox
    return sa.and_(o.c.created_at < before, sa.or_(o.c.sent_at.is_not(None), o.c.next_try_at >= GAVE_UP))


# The worker --------------------------------------------------------------------------------

def run_once(config: Config, engine: Optional[Engine] = None) -> bool:
    """One pass: enqueue, then send what is due. False if the database failed (logged by kind)."""
    engine = engine or db.engine()
    healthy = True
    try:
        queued = enqueue(engine, config, time.time())
    except Exception as problem:  # the database away or locked, say: sending can still go on
        logger.error("Looking for new alerts failed (%s).", type(problem).__name__)
        queued, healthy = Counter(), False
    try:
        outcome = send_due(engine, config)
    except Exception as problem:
        logger.error("Sending alerts failed (%s).", type(problem).__name__)
        outcome, healthy = Counter(), False
    if queued:
        logger.info("Queued %s.", ", ".join(f"{count} {kind} alert(s)" for kind, count in sorted(queued.items())))
    if outcome:
        logger.info("Alerts %s.", ", ".join(f"{what} {count}" for what, count in sorted(outcome.items())))
    return healthy


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="one pass (enqueue, then send what is due), then exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    try:
        config = Config.from_env()
    except ValueError as problem:
        print(f"Alerts: {problem}", file=sys.stderr)
        return 2
    if not config.destinations:
        print("Alerts are off: set ALERT_SMTP_URL (with ALERT_EMAIL_FROM and ALERT_EMAIL_TO) "
              "or ALERT_WEBHOOK_URL to turn them on.", flush=True)
        return 0
    if args.once:
        return 0 if run_once(config) else 1
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    logger.info("Alert worker started: %s, a pass every %g s.", " and ".join(config.destinations), config.poll_seconds)
    try:
        while True:
            run_once(config)
            time.sleep(config.poll_seconds)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
