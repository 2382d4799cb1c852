"""The dashboard page: counts only (no names, numbers or messages), so no audit row."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request, url_for

from staff_review import dashboard, sync

bp = Blueprint("dashboard", __name__)
PERIODS = (7, 30, 90, 365)


@bp.route("/dashboard")
def index():
    sync.sync()
    try:
        days = int(request.args.get("days", "30"))
    except ValueError:
        days = 30
    days = days if days in PERIODS else 30
    return render_template("dashboard.html", f=dashboard.figures(days, g.user.username), periods=PERIODS,
                           list_url=url_for("conversations.index"))
