"""Callback requests: the table, and the one transaction that stores a request.

A request is written, and committed, before the bot confirms it (docs/design.md,
invariant 3): `save_request` returns the reference code only after COMMIT,
and raises `CallbackStoreError` otherwise, so the caller can tell the person
the truth. One open request per conversation: asking again updates it (a
partial unique index enforces this even for two tabs answering at once).

The schema is created and upgraded by Alembic (storage/migrations/); run
`python -m storage.migrate` (make run and make test do).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from storage import _engines, engine  # noqa: F401  (one engine per URL per process, shared with the staff app)

metadata = sa.MetaData()

OPEN = "new"  # until a call attempt with a final outcome closes it (staff_review/callback_queue.py)

callback_requests = sa.Table(
    "callback_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reference", sa.String(16), nullable=False, unique=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False, server_default=OPEN),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("phone", sa.String(32), nullable=False),  # E.164, extension as ";ext=123"
    sa.Column("best_time", sa.String(100), nullable=False),
    sa.Column("consent", sa.Boolean, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("triage", sa.JSON, nullable=True),  # the triage answers, by question
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # Working the request (revision 0004, staff_review/callback_queue.py): who has taken it,
    # and the final outcome of the call attempt that closed it.
    sa.Column("assigned_to", sa.String(64), nullable=True),
    sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("outcome", sa.String(32), nullable=True),
    sa.Index(
        "one_open_request_per_conversation",
        "conversation_id",
        unique=True,
        sqlite_where=sa.text(f"status = '{OPEN}'"),
        postgresql_where=sa.text(f"status = '{OPEN}'"),
    ),
)

# No 0/O, 1/I/L: a code read out over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class CallbackStoreError(RuntimeError):
    """The request could not be stored: the person must not be told it was."""


@dataclass
class CallbackRequest:
    conversation_id: str
    name: str
    phone: str
    best_time: str
    consent: bool
    note: Optional[str] = None
    triage: Dict[str, Any] = field(default_factory=dict)


def new_reference() -> str:
    return "CB-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def save_request(request: CallbackRequest, url: Optional[str] = None) -> str:
    """Store (or update this conversation's open) request in one transaction; its reference code."""
    if not request.consent:
        raise ValueError("A callback request is stored only with consent.")
    now = datetime.now(timezone.utc)
    values = {
        "name": request.name,
        "phone": request.phone,
        "best_time": request.best_time,
        "consent": request.consent,
        "note": request.note,
        "triage": request.triage or None,
        "updated_at": now,
    }
    for _attempt in range(3):
        try:
            with engine(url).begin() as connection:
                open_request = connection.execute(
                    sa.select(callback_requests.c.id, callback_requests.c.reference).where(
                        callback_requests.c.conversation_id == request.conversation_id,
                        callback_requests.c.status == OPEN,
                    )
                ).first()
                if open_request:
                    connection.execute(
                        callback_requests.update().where(callback_requests.c.id == open_request.id).values(**values)
                    )
                    return open_request.reference
                reference = new_reference()
                connection.execute(
                    callback_requests.insert().values(
                        reference=reference,
                        conversation_id=request.conversation_id,
                        status=OPEN,
                        created_at=now,
                        **values,
                    )
                )
                return reference
        except sa.exc.IntegrityError:
            # Another tab created the open request (or the code collided) meanwhile: try again.
            continue
        except sa.exc.SQLAlchemyError as problem:
            raise CallbackStoreError(type(problem).__name__) from problem
    raise CallbackStoreError("could not store the request after 3 attempts")


def open_requests(url: Optional[str] = None) -> List[sa.engine.Row]:
    with engine(url).connect() as connection:
        return list(
            connection.execute(
                sa.select(callback_requests)
                .where(callback_requests.c.status == OPEN)
                .order_by(callback_requests.c.created_at)
            )
        )


def main() -> None:
    """`make callbacks`: the open requests, oldest first, for the admissions team's terminal."""
    rows = open_requests()
    if not rows:
        print("No open callback requests.")
        return
    print(f"{len(rows)} open callback request(s), oldest first:\n")
    for row in rows:
        print(f"{row.reference}  {row.created_at:%Y-%m-%d %H:%M}  {row.name}  {row.phone}  best time: {row.best_time}")
        if row.note:
            print(f"    note: {row.note}")
        if row.triage:
            print("    triage: " + "; ".join(f"{key}: {value}" for key, value in row.triage.items()))
        print(f"    conversation: {row.conversation_id}")


if __name__ == "__main__":
    main()
