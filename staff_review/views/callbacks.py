"""The callback queue: a live list of requests, taking one, and logging each call.

Above the requests, the live chats (staff_review.live_chat): conversations
waiting for a person from admissions, each with a "Take over" button, then
those someone has; and whether you, and how many colleagues, are available
for live chat.

The page redraws itself from `/callbacks/live` (JSON, polled by
static/callbacks.js) without a reload, live chats included; the poll keeps
the staff member's live-chat presence fresh (storage.handoffs.seen). That poll does not count as activity
(auth.PASSIVE_ENDPOINTS): a screen left open still logs out after the idle
limit, and the page then says so instead of showing stale requests.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for

from staff_review import audit, best_time, callback_queue, live_chat
from staff_review.auth import idle_seconds_left
from staff_review.conversations import search_words
from storage import handoffs

bp = Blueprint("callbacks", __name__)
POLL_SECONDS = 5


def _view() -> str:
    view = request.args.get("view", "open")
    return view if view in callback_queue.VIEWS else "open"


def _query() -> str:
    return search_words(request.args.get("q", ""), 100)


def _rows(view: str, q: str):
    now = datetime.now(timezone.utc)
    rows = callback_queue.requests(view, username=g.user.username, q=q, now=now)
    attempts = callback_queue.attempts([row.id for row in rows])
    local_now = now.astimezone(callback_queue.clinic_zone())
    shown = []
    for row in rows:
        is_open = row.status in callback_queue.OPEN_STATUSES
        item = {
            "row": row,
            "attempts": attempts.get(row.id, []),
            "open": is_open,
            "waiting": callback_queue.waiting(row.created_at, now) if is_open else "",
            "overdue": is_open and now - callback_queue.utc(row.created_at) > callback_queue.target(),
            "due": is_open and best_time.due_now(row.best_time, local_now),
            "part_of_day": best_time.part_of_day(row.best_time),
        }
        # Everything the row shows that can change, in 12 characters: a row is resent and
        # redrawn only when this does.
        shows = "|".join((callback_queue.version(row, item["attempts"]), item["waiting"], str(item["due"]), str(item["overdue"])))
        item["version"] = hashlib.sha1(shows.encode()).hexdigest()[:12]
        shown.append(item)
    return shown


def _render_row(item) -> str:
    return render_template("_callback_row.html", item=item, outcomes=callback_queue.OUTCOMES,
                           view=_view(), q=_query())


def _render_handoff(item) -> str:
    return render_template("_handoff_row.html", item=item)


def _changed(items, have, key, render):
    """The entries as the live feed sends them: id and version, the HTML only when new or changed."""
    rows = []
    for item in items:
        row = {"id": item[key].id, "version": item["version"]}
        if have.get(str(item[key].id)) != item["version"]:
            row["html"] = render(item)
        rows.append(row)
    return rows


@bp.route("/callbacks")
def index():
    view, q = _view(), _query()
    handoffs.seen(g.user.username)
    items = _rows(view, q)
    chats = live_chat.queue_items(g.user.username)
    # Names, phone numbers and notes: the page is recorded, with how many it showed (never the search words).
    audit.record("view_callbacks", detail=f"view={view}{'; search' if q else ''}; {len(items)} requests shown"
                                          + (f"; {len(chats)} live chats shown" if chats else ""))
    return render_template(
        "callbacks.html", items=items, view=view, q=q, counts=callback_queue.counts(g.user.username),
        chats=chats, render_handoff=_render_handoff, presence=live_chat.presence(g.user.username),
        chat_name=live_chat.chat_name(g.user.username),
        outcomes=callback_queue.OUTCOMES, poll_seconds=POLL_SECONDS, target_hours=callback_queue.target().total_seconds() // 3600,
        render_row=_render_row, cut=len(items) >= callback_queue.LIST_LIMIT, limit=callback_queue.LIST_LIMIT,
    )


@bp.route("/callbacks/live")
def live():
    """The queue as the page shows it, row by row, for the page's own redraw (and the idle time left).

    The page says what it has (`have=<id>:<version>,...`); a row's HTML is sent only when it is
    new or has changed, so a quiet queue costs a few bytes a row every few seconds."""
    view, q = _view(), _query()
    handoffs.seen(g.user.username)  # the page is open: its live-chat availability stays fresh
    items = _rows(view, q)
    chats = live_chat.queue_items(g.user.username)
    have = dict(pair.partition(":")[::2] for pair in request.args.get("have", "").split(",") if ":" in pair)
    have_chats = dict(pair.partition(":")[::2] for pair in request.args.get("chats", "").split(",") if ":" in pair)
    # Only rows the page hasn't seen are recorded as newly shown.
    new = [item for item in items if str(item["row"].id) not in have]
    new_chats = [item for item in chats if str(item["handoff"].id) not in have_chats]
    if new or new_chats:
        audit.record("view_callbacks", detail=f"view={view}; live; {len(new)} new requests shown"
                                              + (f"; {len(new_chats)} new live chats shown" if new_chats else ""))
    return jsonify(rows=_changed(items, have, "row", _render_row), chats=_changed(chats, have_chats, "handoff", _render_handoff),
                   presence=live_chat.presence(g.user.username).as_json(),
                   counts=callback_queue.counts(g.user.username), idle_seconds_left=idle_seconds_left(),
                   cut=len(items) >= callback_queue.LIST_LIMIT)


@bp.route("/callbacks/still-here")
def still_here():
    """A click in the live queue: counts as activity (unlike the poll), so the session stays."""
    return "", 204


def _request_or_404(callback_id: int):
    row = callback_queue.get(callback_id)
    if row is None:
        abort(404)
    return row


def _back(row):
    if request.form.get("back") == "conversation":
        return redirect(url_for("conversations.transcript", id=row.conversation_id))
    args = {name: request.form.get(name) for name in ("view", "q") if request.form.get(name)}
    return redirect(url_for("callbacks.index", **args) + f"#cb{row.id}")


def _why_not(callback_id: int) -> str:
    """Why an action on a request was refused, as it stands now (it may have been erased meanwhile)."""
    now = callback_queue.get(callback_id)
    if now is None:
        return "it no longer exists"
    if now.status not in callback_queue.OPEN_STATUSES:
        return "it is closed"
    return f"{now.assigned_to} has it" if now.assigned_to and now.assigned_to != g.user.username else "it changed meanwhile"


@bp.route("/callbacks/<int:callback_id>/take", methods=["POST"])
def take(callback_id: int):
    row = _request_or_404(callback_id)
    if callback_queue.take(callback_id, g.user.username):
        audit.record("callback_take", row.conversation_id, row.reference)
        flash(f"You have taken {row.reference}.")
    else:
        flash(f"{row.reference} was not taken: {_why_not(callback_id)}.")
    return _back(row)


@bp.route("/callbacks/<int:callback_id>/release", methods=["POST"])
def release(callback_id: int):
    row = _request_or_404(callback_id)
    if callback_queue.release(callback_id, g.user.username, is_admin=g.user.role == "admin"):
        audit.record("callback_release", row.conversation_id, f"{row.reference} (held by {row.assigned_to})")
        flash(f"{row.reference} is back in the queue for anyone to take.")
    else:
        flash(f"{row.reference} was not given back: it isn't yours, or it is closed.")
    return _back(row)


@bp.route("/callbacks/<int:callback_id>/attempt", methods=["POST"])
def attempt(callback_id: int):
    row = _request_or_404(callback_id)
    outcome_key = request.form.get("outcome", "")
    if outcome_key not in callback_queue.OUTCOME_BY_KEY:
        flash("Choose how the call went.")
        return _back(row)
    try:
        outcome = callback_queue.log_attempt(callback_id, g.user.username, outcome_key, request.form.get("note", ""))
    except callback_queue.NotYours:
        flash(f"Not recorded: {row.reference}: {_why_not(callback_id)}.")
        return _back(row)
    # The note is about the person: it stays in the database, not in the audit log.
    audit.record("callback_attempt", row.conversation_id, f"{row.reference}: {outcome.key}")
    flash(f"{row.reference}: {outcome.label} recorded" + (", and the request is closed." if outcome.final else "."))
    return _back(row)
