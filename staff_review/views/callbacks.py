"""The callback queue page and status moves."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from staff_review import audit, callback_queue

bp = Blueprint("callbacks", __name__)


@bp.route("/callbacks")
def index():
    status = request.args.get("status", "new")
    if status not in callback_queue.STATUSES + ("all",):
        status = "new"
    rows = callback_queue.requests(None if status == "all" else status)
    # Names, phone numbers and notes: the page is recorded, with how many it showed.
    audit.record("view_callbacks", detail=f"status={status}; {len(rows)} requests shown")
    return render_template(
        "callbacks.html", rows=rows, status=status, counts=callback_queue.counts(),
        history=callback_queue.history([row.id for row in rows]), moves=callback_queue.MOVES,
    )


@bp.route("/callbacks/<int:callback_id>/status", methods=["POST"])
def move(callback_id: int):
    request_row = callback_queue.get(callback_id)
    if request_row is None:
        abort(404)
    to_status = request.form.get("to", "")
    if callback_queue.move(callback_id, request.form.get("from", ""), to_status, g.user.username):
        audit.record("callback_status", request_row.conversation_id, f"{request_row.reference} -> {to_status}")
        flash(f"{request_row.reference} is now {to_status}.")
    else:
        flash(f"{request_row.reference} was not moved: someone may have changed it already.")
    if request.form.get("back") == "conversation":
        return redirect(url_for("conversations.transcript", id=request_row.conversation_id))
    return redirect(url_for("callbacks.index", status=request.form.get("from", "new")))
