"""Conversation list, transcript, the actions on a conversation, and exports.

A conversation is named by a query argument (`/conversation?id=...`), never
by a path segment: a sender id is chosen by the client and may hold "/",
"..", "%", a leading slash or anything else, and every one of them must
still open (a crisis transcript must not be hidden by an odd id).
"""
from __future__ import annotations

from typing import Tuple

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for

from staff_review import audit, callback_queue, conversations, curation, domain, erase, exports, sync
from staff_review.auth import admin_required
from staff_review.conversations import FLAGS, Filters
from staff_review.transcript import load, load_many

bp = Blueprint("conversations", __name__)


def _page() -> int:
    try:
        return conversations.clamp_page(int(request.args.get("page", "1")))
    except ValueError:
        return 1


@bp.route("/")
def home():
    return redirect(url_for("conversations.index"))


@bp.route("/conversations")
def index():
    sync.sync()
    filters = Filters.from_args(request.args)
    page = _page()
    rows, has_next = conversations.find(filters, page)
    # Which conversations matched tells something about people: the page is
    # recorded with how many it showed, never the search words.
    audit.record("view_list", detail=f"{len(rows)} conversations shown; page {page}; {filters.describe() or 'no filters'}")
    return render_template(
        "conversations.html", rows=rows, filters=filters, page=page, has_next=has_next, flags=FLAGS,
        test_choices=conversations.TEST_TRAFFIC,
        channels=conversations.channels(), intents=current_app.config["INTENTS"] + sorted(domain.NOT_TRAINABLE),
    )


def _conversation_id() -> str:
    conversation_id = request.args.get("id", "")
    if not conversation_id:
        abort(404)
    return conversation_id


def _transcript_or_404(conversation_id: str):
    transcript = load(conversation_id)
    if transcript is None:
        abort(404)
    return transcript


@bp.route("/conversation")
def transcript():
    conversation_id = _conversation_id()
    found = _transcript_or_404(conversation_id)
    audit.record("view_transcript", conversation_id)
    review = curation.review_of(conversation_id)
    requests_here = callback_queue.requests(conversation_id=conversation_id)
    return render_template(
        "transcript.html", transcript=found, conversation_id=conversation_id,
        summary=conversations.summary(conversation_id), review=review,
        review_outdated=bool(review and review.reviewed_through < found.last_event_id),
        tags=curation.tags_of(conversation_id), notes=curation.notes_of(conversation_id),
        corrections=curation.corrections_of(conversation_id),
        callbacks=requests_here, callback_attempts=callback_queue.attempts([row.id for row in requests_here]),
        moves=callback_queue.OUTCOMES, test_traffic=conversations.test_traffic(conversation_id),
        intents=current_app.config["INTENTS"], low_confidence=sync.LOW_CONFIDENCE,
    )


def _back(conversation_id: str, anchor: str = ""):
    return redirect(url_for("conversations.transcript", id=conversation_id) + anchor)


@bp.route("/conversation/review", methods=["POST"])
def review():
    conversation_id = _conversation_id()
    found = _transcript_or_404(conversation_id)
    reviewed = request.form.get("reviewed") == "1"
    through = 0
    if reviewed:
        # The newest event on the page the reviewer read: what came after it is not reviewed.
        try:
            through = min(int(request.form.get("through", "")), found.last_event_id)
        except ValueError:
            abort(400)
    curation.set_reviewed(conversation_id, g.user.username, reviewed, through)
    audit.record("mark_reviewed" if reviewed else "unmark_reviewed", conversation_id)
    if reviewed and through < found.last_event_id:
        flash("Marked as reviewed up to what you read; there is newer activity below.")
    else:
        flash("Marked as reviewed." if reviewed else "Marked as not reviewed.")
    return _back(conversation_id)


@bp.route("/conversation/tags", methods=["POST"])
def add_tag():
    conversation_id = _conversation_id()
    _transcript_or_404(conversation_id)
    if curation.add_tag(conversation_id, request.form.get("tag", ""), g.user.username):
        audit.record("tag_add", conversation_id)
    else:
        flash("A tag is 1-40 letters, digits, spaces, - or _.")
    return _back(conversation_id)


@bp.route("/conversation/tags/remove", methods=["POST"])
def remove_tag():
    conversation_id = _conversation_id()
    curation.remove_tag(conversation_id, request.form.get("tag", ""))
    audit.record("tag_remove", conversation_id)
    return _back(conversation_id)


@bp.route("/conversation/test-traffic", methods=["POST"])
@admin_required
def mark_test_traffic():
    """Staff trying the assistant out: hidden from the list, the dashboard and the response-time
    report unless asked for. Admins only: it takes a conversation out of the figures."""
    conversation_id = _conversation_id()
    _transcript_or_404(conversation_id)
    is_test = request.form.get("test") == "1"
    if conversations.mark_test_traffic(conversation_id, g.user.username, is_test):
        audit.record("test_traffic_mark" if is_test else "test_traffic_unmark", conversation_id)
    flash("Marked as test traffic: hidden from the list unless you ask for it." if is_test
          else "No longer marked as test traffic.")
    return _back(conversation_id)


@bp.route("/conversation/notes", methods=["POST"])
def add_note():
    conversation_id = _conversation_id()
    _transcript_or_404(conversation_id)
    if curation.add_note(conversation_id, request.form.get("body", ""), g.user.username):
        audit.record("note_add", conversation_id)
    else:
        flash("A note can't be empty.")
    return _back(conversation_id, "#notes")


@bp.route("/conversation/erase", methods=["POST"])
@admin_required
def erase_conversation():
    """Admins only, and only with the box ticked: every row of the conversation goes, for good."""
    conversation_id = _conversation_id()
    _transcript_or_404(conversation_id)
    if request.form.get("confirm") != "erase":
        flash("Tick the box to confirm: erasing can't be undone.")
        return _back(conversation_id, "#erase")
    key = str(current_app.config["SECRET_KEY"])
    try:
        erase.erase_conversations(
            [conversation_id], by=g.user.username, via="staff app", remote_addr=request.remote_addr, pseudonym_key=key
        )
    except erase.NothingToErase:
        abort(404)
    flash(f"Erased conversation {exports.pseudonym(conversation_id, key)}.")
    return redirect(url_for("conversations.index"))


@bp.route("/conversation/corrections", methods=["POST"])
def correct():
    conversation_id = _conversation_id()
    intent = request.form.get("intent", "")
    try:
        event_id = int(request.form.get("event_id", ""))
    except ValueError:
        abort(400)
    if intent not in current_app.config["INTENTS"]:
        abort(400)
    try:
        saved = curation.correct_intent(conversation_id, event_id, intent, g.user.username)
    except curation.NotTrainable:
        # Answers to the form's questions (names, phone numbers) must never become training data.
        abort(400, "Answers to a form's questions and button payloads can't be corrected.")
    if not saved:
        abort(404)
    audit.record("correction", conversation_id, f"event {event_id} -> {intent}")
    flash(f"Saved: that message meant {intent}.")
    return _back(conversation_id, f"#m{event_id}")


def _export_kind() -> Tuple[bool, str]:
    """(redact, reason) for this export request, or abort.

    Reviewers get redacted exports only. A full export (names, numbers, what
    was said, real ids) is an admin's, with a stated reason that the audit
    log keeps.
    """
    if request.args.get("redact") == "1":
        return True, ""
    if g.user.role != "admin":
        abort(403, "Full exports are for admins. Export it redacted instead.")
    reason = " ".join(request.args.get("reason", "").split())[:200]
    if not reason:
        abort(400, "A full export needs a reason (for the audit log): add one and export again.")
    return False, reason


def _export(conversation_ids, fmt: str, redact: bool, filename: str, detail: str, reason: str = "") -> Response:
    if fmt not in ("csv", "json"):
        abort(400)
    transcripts = load_many(conversation_ids)
    key = str(current_app.config["SECRET_KEY"])
    rows = []
    for conversation_id in conversation_ids:
        if conversation_id in transcripts:
            names = [r.name for r in callback_queue.requests(conversation_id=conversation_id)] if redact else []
            rows.extend(exports.rows(transcripts[conversation_id], names, redact, pseudonym_key=key))
    body = exports.to_csv(rows) if fmt == "csv" else exports.to_json(rows, redact)
    exported = [cid for cid in conversation_ids if cid in transcripts]
    # Once per export, with what left (and, for a full one, why).
    kind = "redacted" if redact else "full"
    audit.record(
        f"export_{fmt}", exported[0] if len(exported) == 1 else None,
        f"{kind}; {len(exported)} conversation(s), {len(body.encode())} bytes; {detail}" + ("" if redact else f"; reason: {reason}"),
    )
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    suffix = "-redacted" if redact else ""
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}{suffix}.{fmt}"'})


@bp.route("/conversation/export")
def export_one():
    conversation_id = _conversation_id()
    _transcript_or_404(conversation_id)
    redact, reason = _export_kind()
    return _export([conversation_id], request.args.get("format", "csv"), redact, "conversation", "one conversation", reason)


@bp.route("/export")
def export_filtered():
    redact, reason = _export_kind()
    sync.sync()
    filters = Filters.from_args(request.args)
    cap = exports.MAX_CONVERSATIONS if redact else exports.MAX_FULL_CONVERSATIONS
    ids = conversations.ids_for_export(filters, cap + 1)
    if len(ids) > cap:
        flash(f"More than {cap} conversations match: narrow the filters to export them.")
        return redirect(url_for("conversations.index", **filters.args()))
    return _export(ids, request.args.get("format", "csv"), redact, "conversations", f"filters: {filters.describe()}", reason)
