"""Nothing is kept past its retention period (docs/design.md, invariant 6).

Three kinds of record, each with its own period in days, from the environment:

    RETAIN_CONVERSATIONS_DAYS      365   a conversation, counted from its last message: erased
                                         whole (staff_review/erase.py), unless a callback
                                         request of it is still open (staff are working on it)
    RETAIN_CLOSED_CALLBACKS_DAYS   365   a closed callback request, counted from its last
                                         change: the request and its status history
    RETAIN_AUDIT_DAYS              2190  audit log rows: six years, the period HIPAA sets for
                                         a covered entity's security documentation
                                         (45 CFR 164.316(b)(2))

A year of conversations lets staff see a person's earlier contact when they
come back, and lets the team learn from what people asked; a clinic that
wants less sets less. `make purge` applies them once and prints what went;
`make run` starts `python -m staff_review.retention --daily`, which applies
them at start and then once a day. Expired login sessions and old failed
login attempts go too, and alerts sent or given up more than 30 days ago
(they hold no health information, but no reason to keep them).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Optional

import sqlalchemy as sa

from staff_review import alerts, db
from staff_review.erase import NothingToErase, erase_conversations

logger = logging.getLogger(__name__)

DAY = 24 * 3600
RETRY = 3600
CLOSED = "closed"


@dataclass(frozen=True)
class Retention:
    conversations_days: int = 365
    closed_callbacks_days: int = 365
    audit_days: int = 2190

    @classmethod
    def from_env(cls) -> "Retention":
        def days(name: str, default: int) -> int:
            value = os.environ.get(name, "").strip()
            if not value:
                return default
            if not value.isdigit() or int(value) < 1:
                raise ValueError(f"{name} must be a whole number of days, at least 1 (it is {value!r}).")
            return int(value)

        return cls(
            days("RETAIN_CONVERSATIONS_DAYS", cls.conversations_days),
            days("RETAIN_CLOSED_CALLBACKS_DAYS", cls.closed_callbacks_days),
            days("RETAIN_AUDIT_DAYS", cls.audit_days),
        )


def expired_conversations(connection, before: float) -> List[str]:
    """Conversations whose last event is older than `before` (a Unix time), without an open callback request."""
    last = sa.func.max(db.events.c.timestamp)
    still_open = sa.select(db.callback_requests.c.conversation_id).where(db.callback_requests.c.status != CLOSED)
    query = (
        sa.select(db.events.c.sender_id)
        .where(db.events.c.sender_id.not_in(still_open))
        .group_by(db.events.c.sender_id)
        .having(last < before)
    )
    return [row[0] for row in connection.execute(query)]


def purge(retention: Retention, now: Optional[datetime] = None, url: Optional[str] = None) -> Dict[str, int]:
    """Apply the retention periods once: how many records of each kind went."""
    now = now or datetime.now(timezone.utc)
    counts = {"conversations": 0, "closed callback requests": 0, "audit rows": 0}
    engine = db.engine(url)
    expired: List[str] = []
    if sa.inspect(engine).has_table(db.events.name):  # Rasa makes it at its first start
        with engine.connect() as connection:
            expired = expired_conversations(connection, (now - timedelta(days=retention.conversations_days)).timestamp())
    # In batches: each is one transaction, and a long purge doesn't hold the database.
    for start in range(0, len(expired), 500):
        batch = expired[start:start + 500]
        try:
            erase_conversations(batch, by="retention", via=f"older than {retention.conversations_days} days", url=url)
        except NothingToErase:
            continue
        counts["conversations"] += len(batch)
    with engine.begin() as connection:
        callbacks = db.callback_requests
        old = sa.select(callbacks.c.id).where(
            callbacks.c.status == CLOSED, callbacks.c.updated_at < now - timedelta(days=retention.closed_callbacks_days)
        )
        for table in (db.callback_history, db.callback_attempts):
            connection.execute(table.delete().where(table.c.callback_id.in_(old)))
        counts["closed callback requests"] = connection.execute(callbacks.delete().where(callbacks.c.id.in_(old))).rowcount
        counts["audit rows"] = connection.execute(
            db.audit_log.delete().where(db.audit_log.c.at < now - timedelta(days=retention.audit_days))
        ).rowcount
        # Alerts sent or given up (staff_review/alerts.py): no health information, but no reason to keep them.
        connection.execute(db.alert_outbox.delete().where(alerts.finished_before(now.timestamp() - alerts.KEEP_DAYS * DAY)))
        connection.execute(db.sessions.delete().where(db.sessions.c.last_seen_at < now.timestamp() - DAY))
        connection.execute(db.login_attempts.delete().where(db.login_attempts.c.at < now.timestamp() - DAY))
        if any(counts.values()):
            connection.execute(
                db.audit_log.insert().values(
                    at=now, username="retention", action="purge",
                    detail=", ".join(f"{kind} {count}" for kind, count in counts.items()),
                )
            )
    return counts


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Delete what is past its retention period.")
    parser.add_argument("--daily", action="store_true", help="purge now and then once a day, until stopped")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    try:
        retention = Retention.from_env()
    except ValueError as problem:
        print(problem, file=sys.stderr)
        return 2
    while True:
        try:
            counts = purge(retention)
        except Exception as problem:  # the database away, say: try again within the hour
            if not args.daily:
                raise
            logger.error("Purge failed (%s); trying again in an hour.", type(problem).__name__)
            time.sleep(RETRY)
            continue
        logger.info("Purged: %s.", ", ".join(f"{kind} {count}" for kind, count in counts.items()))
        if not args.daily:
            return 0
        time.sleep(DAY)


if __name__ == "__main__":
    sys.exit(main())
