"""The dashboard page."""
from __future__ import annotations

from flask import Blueprint, render_template, request

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
    return render_template("dashboard.html", f=dashboard.figures(days), periods=PERIODS)
