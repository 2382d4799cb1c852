"""Where an alert's link leads: `/alerts/<outbox id>` (staff_review/alerts.py).

The link names neither the conversation nor the callback request, so an email
or chat message that is forwarded, or left on a lock screen, tells nobody
whose it is. Like every page it needs a login (an anonymous visitor is sent to
the login page, then back here); the visit is recorded in the audit log, then
a callback alert opens the callback queue searched for its reference, a
crisis alert the conversation's transcript, a live-chat alert the waiting
chat (with its "Take over" button). An alert whose conversation was
erased is gone with it (404).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, url_for

from staff_review import alerts, audit, db

bp = Blueprint("alerts", __name__)


@bp.route("/alerts/<int:alert_id>")
def follow(alert_id: int):
    o = db.alert_outbox
    with db.engine().connect() as connection:
        row = connection.execute(
            sa.select(o.c.kind, o.c.conversation_id, o.c.reference).where(o.c.id == alert_id)
        ).first()
    if row is None:
        abort(404)
    audit.record("follow_alert", row.conversation_id, f"{row.kind} alert {alert_id}")
    if row.kind == "callback":
        return redirect(url_for("callbacks.index", q=row.reference))
    if row.kind == "handoff":
        handoff_id = alerts.handoff_id_of(row.reference)
        return redirect(url_for("handoffs.chat", handoff_id=handoff_id) if handoff_id else url_for("callbacks.index"))
    return redirect(url_for("conversations.transcript", id=row.conversation_id))
