"""The dashboard's figures, and the geometry of its bar charts (drawn as inline SVG by the template).

Charts are computed here and drawn server-side: no chart library and no
script, so the page works under the app's strict Content-Security-Policy.
Days are UTC days. "Contacted" counts the requests that were ever marked
contacted (staff_callback_history), so one closed straight from "new"
(a duplicate, a wrong number) is requested but not contacted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Tuple

import sqlalchemy as sa

from staff_review import db

TOP_INTENTS = 10


@dataclass
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    shown: str


def vertical_bars(series: List[Tuple[str, float]], width: int = 640, height: int = 160) -> List[Bar]:
    top = max((value for _, value in series), default=0) or 1
    step = width / max(len(series), 1)
    bars = []
    for index, (label, value) in enumerate(series):
        bar_height = height * value / top
        bars.append(Bar(label, value, index * step + 1, height - bar_height, max(step - 2, 1), bar_height, f"{value:g}"))
    return bars


def horizontal_bars(series: List[Tuple[str, float]], width: int = 400, row: int = 22) -> List[Bar]:
    top = max((value for _, value in series), default=0) or 1
    return [
        Bar(label, value, 0, index * row, max(width * value / top, 1), row - 4, f"{value:g}")
        for index, (label, value) in enumerate(series)
    ]


def figures(days: int) -> Dict:
    since_day = datetime.now(timezone.utc).date() - timedelta(days=days - 1)
    since = datetime.combine(since_day, datetime.min.time(), tzinfo=timezone.utc)
    c, m, cb, h = db.conversations, db.messages, db.callback_requests, db.callback_history
    with db.engine().connect() as connection:
        per_day = dict(connection.execute(
            sa.select(c.c.started_day, sa.func.count()).where(c.c.started_day >= since_day.isoformat())
            .group_by(c.c.started_day)
        ).all())
        totals = connection.execute(
            sa.select(
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(sa.case((c.c.crisis.is_(True), 1), else_=0)), 0),
                sa.func.coalesce(sa.func.sum(sa.case((c.c.fallback.is_(True), 1), else_=0)), 0),
            ).where(c.c.started_day >= since_day.isoformat())
        ).one()
        intent_rows = connection.execute(
            sa.select(m.c.intent, sa.func.count().label("n")).where(m.c.timestamp >= since.timestamp())
            .group_by(m.c.intent).order_by(sa.desc("n"), m.c.intent)
        ).all()
        requested, contacted = connection.execute(
            sa.select(
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(sa.case(
                    (sa.exists().where(h.c.callback_id == cb.c.id, h.c.to_status == "contacted"), 1), else_=0,
                )), 0),
            ).where(cb.c.created_at >= since)
        ).one()
    messages = sum(n for _, n in intent_rows)
    fallback_messages = sum(n for intent, n in intent_rows if intent == "nlu_fallback")
    day_series = []
    for offset in range(days):
        day = since_day + timedelta(days=offset)
        day_series.append((day.isoformat(), per_day.get(day.isoformat(), 0)))
    return {
        "days": days,
        "since": since_day,
        "conversations": totals[0],
        "crisis": totals[1],
        "fallback_conversations": totals[2],
        "messages": messages,
        "fallback_rate": fallback_messages / messages if messages else 0.0,
        "per_day": vertical_bars(day_series),
        "top_intents": horizontal_bars([(intent or "(none)", n) for intent, n in intent_rows[:TOP_INTENTS]]),
        "callbacks": horizontal_bars([("requested", requested), ("contacted", contacted)]),
        "callbacks_requested": requested,
        "callbacks_contacted": contacted,
    }
