"""Reports: callback response times by week (staff_review/response_times.py), as a page and as CSV.

Aggregates only, but each view and download is still one audit row, like
every other page about the people who asked for help."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from staff_review import audit, callback_queue, response_times

bp = Blueprint("reports", __name__)


def _weeks() -> int:
    try:
        weeks = int(request.args.get("weeks", response_times.DEFAULT_WEEKS))
    except ValueError:
        return response_times.DEFAULT_WEEKS
    return weeks if weeks in response_times.WEEK_CHOICES else response_times.DEFAULT_WEEKS


@bp.route("/reports/response-times")
def response_times_page():
    weeks = _weeks()
    report = response_times.weekly(weeks)
    audit.record("view_report", detail=f"response times; {weeks} weeks; {report.total.requests} requests counted")
    outcomes = callback_queue.OUTCOMES
    return render_template(
        "response_times.html", report=report, weeks=weeks, choices=response_times.WEEK_CHOICES,
        duration=response_times.duration, reach_outcomes=[outcome.label for outcome in outcomes if outcome.reached],
        not_calls=[outcome.label for outcome in outcomes if not outcome.call],
    )


@bp.route("/reports/response-times.csv")
def response_times_csv():
    weeks = _weeks()
    report = response_times.weekly(weeks)
    body = response_times.to_csv(report)
    audit.record("report_export", detail=f"response times; {weeks} weeks; {len(body.encode())} bytes")
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="callback-response-times-{weeks}-weeks.csv"'})
