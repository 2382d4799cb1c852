"""Admin pages: staff accounts and the audit log."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from staff_review import audit, conversations, live_chat, users
from staff_review.auth import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@admin_required
def user_list():
    return render_template("users.html", users=users.all_users(), roles=users.ROLES,
                           default_chat_name=live_chat.default_chat_name)


@bp.route("/users", methods=["POST"])
@admin_required
def create_user():
    username = request.form.get("username", "").strip()
    try:
        users.create_user(username, request.form.get("password", ""), request.form.get("role", "reviewer"))
    except users.UserError as problem:
        flash(str(problem))
    else:
        audit.record("user_create", detail=f"{username} ({request.form.get('role')})")
        flash(f"Created {username}.")
    return redirect(url_for("admin.user_list"))


@bp.route("/users/<username>", methods=["POST"])
@admin_required
def update_user(username: str):
    change = request.form.get("change")
    try:
        if change == "role":
            users.update_user(username, role=request.form.get("role", ""))
        elif change in ("disable", "enable"):
            users.update_user(username, active=change == "enable")
        elif change == "password":
            users.update_user(username, password=request.form.get("password", ""))
        elif change == "two_factor_off":  # someone lost their phone
            users.update_user(username, two_factor_off=True)
        elif change == "chat_name":  # the name visitors see in a live chat
            live_chat.set_chat_name(username, request.form.get("chat_name", ""))
        else:
            flash("Unknown change.")
            return redirect(url_for("admin.user_list"))
    except (users.UserError, live_chat.ChatNameError) as problem:
        flash(str(problem))
    else:
        audit.record("user_update", detail=f"{username}: {change}")
        flash(f"Updated {username}.")
    return redirect(url_for("admin.user_list"))


@bp.route("/audit")
@admin_required
def audit_log():
    try:
        page = conversations.clamp_page(int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    conversation_id = request.args.get("conversation_id", "").strip()
    username = request.args.get("username", "").strip()
    action = request.args.get("action", "").strip()
    rows = audit.entries(page, conversation_id or None, username or None, action or None)
    return render_template("audit.html", rows=rows[:audit.PAGE_SIZE], has_next=len(rows) > audit.PAGE_SIZE,
                           page=page, conversation_id=conversation_id, username=username, action=action)
