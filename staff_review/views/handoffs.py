"""Live chat: being available, the chat name, taking a waiting conversation over, the chat
page, sending, and handing back (docs/handoff.md).

Every change to a conversation is asked of the Rasa server
(staff_review.assistant_client): it checks again who has the handoff, so two
staff pressing "Take over" at once get one yes and one "already taken", and
only the staff member who took it can write or hand back. If the Rasa server
can't be reached, the page says so and nothing has happened: a message that
was not sent stays in the box.

The chat page polls `/handoffs/<id>/live` (static/handoff.js) for new
messages. Like the queue's poll it is not activity (auth.PASSIVE_ENDPOINTS),
but it keeps the staff member's presence fresh. The audit log gets taking
over, each message sent (that one was, never its text) and handing back.
"""
from __future__ import annotations

from typing import Optional

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for

from staff_review import assistant_client, audit, live_chat
from staff_review.auth import idle_seconds_left
from storage import handoffs

bp = Blueprint("handoffs", __name__)
POLL_SECONDS = 2
UNREACHABLE = "The assistant can't be reached right now, so nothing was done. Try again in a moment."


def _handoff_or_404(handoff_id: int) -> handoffs.Handoff:
    found = handoffs.get(handoff_id)
    if found is None:
        abort(404)
    return found


def _holder(handoff: handoffs.Handoff) -> str:
    return "you" if handoff.staff_user == g.user.username else (handoff.staff_user or "someone")


# Presence and chat name --------------------------------------------------------------------

@bp.route("/presence", methods=["POST"])
def presence():
    available = request.form.get("available") == "1"
    handoffs.set_available(g.user.username, available)
    audit.record("live_chat_presence", detail="available" if available else "not available")
    flash("You are available for live chat: keep this page open." if available
          else "You are no longer available for live chat.")
    return redirect(url_for("callbacks.index"))


@bp.route("/account/chat-name", methods=["GET", "POST"])
def chat_name():
    if request.method == "POST":
        try:
            shown = live_chat.set_chat_name(g.user.username, request.form.get("chat_name", ""))
        except live_chat.ChatNameError as problem:
            flash(str(problem))
            return render_template("chat_name.html", typed=request.form.get("chat_name", "")[:200],
                                   current=live_chat.chat_name(g.user.username)), 400
        audit.record("chat_name", detail=g.user.username)
        flash(f"Visitors will see “{shown} from our admissions team has joined the chat”.")
        return redirect(url_for("handoffs.chat_name"))
    current = live_chat.chat_name(g.user.username)
    return render_template("chat_name.html", typed=current, current=current)


# Taking over -------------------------------------------------------------------------------

def _not_taken_because(handoff_id: int) -> str:
    now = handoffs.get(handoff_id)
    if now is None:
        return "it no longer exists"
    if now.state == handoffs.LIVE:
        return f"{_holder(now)} already took it" if now.staff_user != g.user.username else "you already have it"
    if now.state == handoffs.ENDED:
        return live_chat.ended_because(now)
    return "it changed meanwhile"


@bp.route("/handoffs/<int:handoff_id>/take", methods=["POST"])
def take(handoff_id: int):
    handoff = _handoff_or_404(handoff_id)
    if handoff.state != handoffs.WAITING:
        if handoff.state == handoffs.LIVE and handoff.staff_user == g.user.username:
            return redirect(url_for("handoffs.chat", handoff_id=handoff_id))
        flash(f"Not taken: {_not_taken_because(handoff_id)}.")
        return redirect(url_for("callbacks.index"))
    name = live_chat.chat_name(g.user.username)
    try:
        status, answer = assistant_client.handoff(
            "take", {"handoff": handoff_id, "staff_user": g.user.username, "staff_name": name})
    except assistant_client.Unreachable:
        flash(UNREACHABLE)
        return redirect(url_for("callbacks.index"))
    if status == 200:
        audit.record("handoff_take", handoff.conversation_id, f"handoff {handoff_id}; shown as {name}")
        flash(f"You have the chat: the visitor sees “{name} from our admissions team has joined the chat”.")
        return redirect(url_for("handoffs.chat", handoff_id=handoff_id))
    if status == 409 and answer.get("code") == "taken":
        flash(f"Not taken: {_not_taken_because(handoff_id)}.")
    else:
        flash(f"The assistant refused to hand this chat over (status {status}); nothing was done.")
    return redirect(url_for("callbacks.index"))


# The chat page -----------------------------------------------------------------------------

def _state(handoff: handoffs.Handoff) -> dict:
    """What the page shows about the handoff, for the page and for its poll."""
    mine = _mine(handoff)
    if handoff.state == handoffs.WAITING:
        status = "Waiting for someone from admissions to take over."
    elif mine:
        status = "You have this chat: the visitor sees what you send within a few seconds."
    elif handoff.state == handoffs.LIVE:
        status = f"{handoff.staff_user} has this chat (you can read it, not write in it)."
    else:
        status = f"This chat has ended: {live_chat.ended_because(handoff)}."
    return {"state": handoff.state, "mine": mine, "status": status, "staff_user": handoff.staff_user,
            "ended": handoff.state == handoffs.ENDED}


def _render_chat(handoff: handoffs.Handoff, typed: str = "", error: Optional[str] = None, status: int = 200):
    messages = live_chat.messages_after(handoff)
    audit.record("view_handoff", handoff.conversation_id, f"handoff {handoff.id}")
    return render_template(
        "handoff.html", handoff=handoff, state=_state(handoff), earlier=live_chat.before_handoff(handoff),
        messages=messages, last=messages[-1]["id"] if messages else 0, typed=typed, error=error,
        max_chars=handoffs.MAX_STAFF_MESSAGE_CHARS, poll_seconds=POLL_SECONDS,
    ), status


@bp.route("/handoffs/<int:handoff_id>")
def chat(handoff_id: int):
    handoff = _handoff_or_404(handoff_id)
    handoffs.seen(g.user.username)
    return _render_chat(handoff)


@bp.route("/handoffs/<int:handoff_id>/live")
def live(handoff_id: int):
    """New messages after `after`, and the handoff's state, for the chat page's poll."""
    handoff = _handoff_or_404(handoff_id)
    handoffs.seen(g.user.username)
    try:
        after = max(0, int(request.args.get("after", "0")))
    except ValueError:
        after = 0
    messages = live_chat.messages_after(handoff, after)
    if messages:
        audit.record("view_handoff", handoff.conversation_id, f"handoff {handoff.id}; live; {len(messages)} new messages")
    return jsonify(messages=messages, last=messages[-1]["id"] if messages else after, idle_seconds_left=idle_seconds_left(),
                   **_state(handoff))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _refused(handoff: handoffs.Handoff, message: str, typed: str, status: int):
    """A send that didn't happen: said plainly, with what was typed kept."""
    if _wants_json():
        return jsonify(ok=False, error=message), status
    return _render_chat(handoffs.get(handoff.id) or handoff, typed=typed, error=message, status=status)


def _mine(handoff: handoffs.Handoff) -> bool:
    return handoff.state == handoffs.LIVE and handoff.staff_user == g.user.username


def _not_yours(handoff_id: int) -> str:
    now = handoffs.get(handoff_id)
    if now is None or now.state == handoffs.ENDED:
        return "This chat has ended" + (f": {live_chat.ended_because(now)}." if now else ".")
    if now.state == handoffs.WAITING:
        return "Take the chat over first."
    return f"This chat is {now.staff_user}'s: only they can write in it or hand it back."


@bp.route("/handoffs/<int:handoff_id>/send", methods=["POST"])
def send(handoff_id: int):
    handoff = _handoff_or_404(handoff_id)
    typed = request.form.get("text", "")
    text = typed.strip()
    limit = handoffs.MAX_STAFF_MESSAGE_CHARS
    if not _mine(handoff):  # the Rasa server checks too (a hand back may be on its way)
        return _refused(handoff, "Not sent. " + _not_yours(handoff_id), typed, 409)
    if not text:
        return _refused(handoff, "Type a message first: nothing was sent.", typed, 400)
    if len(text) > limit:
        return _refused(handoff, f"Not sent: the message is {len(text):,} characters, and the most is {limit:,}. "
                                 "Shorten it (it is still in the box) and send again.", typed, 400)
    try:
        status, answer = assistant_client.handoff("send", {"handoff": handoff_id, "staff_user": g.user.username, "text": text})
    except assistant_client.Unreachable:
        return _refused(handoff, "Not sent: the assistant can't be reached right now. Your message is still in the box; "
                                 "try again in a moment.", typed, 503)
    if status == 409:
        return _refused(handoff, "Not sent. " + _not_yours(handoff_id), typed, 409)
    if status != 200:
        reason = answer.get("error") or f"the assistant refused the message (status {status})"
        return _refused(handoff, f"Not sent: {reason} It is still in the box.", typed, 400 if status == 400 else 502)
    # That a message was sent, by whom, in which conversation: never what it said.
    audit.record("handoff_send", handoff.conversation_id, f"handoff {handoff_id}; message {answer.get('id', '?')}")
    if _wants_json():
        return jsonify(ok=True, id=answer.get("id"))
    return redirect(url_for("handoffs.chat", handoff_id=handoff_id) + "#composer")


@bp.route("/handoffs/<int:handoff_id>/hand-back", methods=["POST"])
def hand_back(handoff_id: int):
    handoff = _handoff_or_404(handoff_id)
    if not _mine(handoff):
        flash("Not handed back. " + _not_yours(handoff_id))
        return redirect(url_for("handoffs.chat", handoff_id=handoff_id))
    try:
        status, answer = assistant_client.handoff("hand_back", {"handoff": handoff_id, "staff_user": g.user.username})
    except assistant_client.Unreachable:
        flash(UNREACHABLE + " The chat is still yours.")
        return redirect(url_for("handoffs.chat", handoff_id=handoff_id))
    if status == 200:
        audit.record("handoff_hand_back", handoff.conversation_id, f"handoff {handoff_id}")
        flash("Handed back to the assistant: it answers the visitor from now on.")
    elif status == 409:
        flash("Not handed back. " + _not_yours(handoff_id))
    elif status == 503 and answer.get("code") == "unavailable":
        # The chat has ended; the assistant takes the conversation back at the visitor's next message.
        audit.record("handoff_hand_back", handoff.conversation_id, f"handoff {handoff_id}; resumed later")
        flash(answer.get("error") or "The chat has ended.")
    else:
        flash(f"The assistant refused (status {status}); the chat is as it was.")
    return redirect(url_for("handoffs.chat", handoff_id=handoff_id))
