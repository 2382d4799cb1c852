"""The dashboard's numbers open the lists they count, its charts carry their values as text, and
the callback response-time report computes the right figures.

On the real conversations (the shared app), every count of conversations on the dashboard
is followed to its list, all pages of it, and must list exactly that many. The report, the
dashboard's callback figures and the queue links are checked on a database of their own
(SQLite through a real server; the figures on PostgreSQL too, in process), filled with
callback requests and call attempts at chosen times: other tests' callbacks don't disturb it.
"""
from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from html import unescape
from typing import Dict, List

import pytest

from staff_review import db
from staff_review.callback_queue import clinic_zone
from storage.migrate import upgrade
from storage.tracker_store import UrlSQLTrackerStore
from tests.staff.conftest import PASSWORDS, run_cli, sqlite_file, start_staff_app

COUNT_LINK = re.compile(r'<a class="count" href="(/conversations\?[^"]*)">(\d+)</a>')
CALLBACKS_FIGURE = re.compile(r'<div class="figure">(\d+)</div><div>callbacks requested; (\d+) reached, (\d+) closed</div>')


def listed_rows(client, href: str) -> int:
    """How many conversations the list at `href` shows, over all its pages."""
    total, page = 0, 1
    while True:
        text = client.get(href, params={"page": page}).text
        assert "Log out" in text, href
        total += len(re.findall(r'href="/conversation\?id=', text))
        if "Less recent" not in text:
            return total
        page += 1


def without_svg(page: str) -> str:
    return re.sub(r"<svg.*?</svg>", "", page, flags=re.S)


# The real conversations -------------------------------------------------------------------

def test_every_count_on_the_dashboard_opens_a_list_of_exactly_that_many(staff_app, conversations):
    client = staff_app.login("reviewer")
    page = client.get("/dashboard", params={"days": 7}).text
    links = [(unescape(href), int(n)) for href, n in COUNT_LINK.findall(page)]
    today = datetime.now(timezone.utc).date()
    span = f"start={today - timedelta(days=6)}&end={today}"
    hrefs = {href for href, _ in links}
    assert f"/conversations?{span}" in hrefs, "the total"
    assert f"/conversations?flag=crisis&{span}" in hrefs and f"/conversations?flag=fallback&{span}" in hrefs
    assert f"/conversations?{span}&channel=rest" in hrefs
    assert any(href.startswith(f"/conversations?{span}&intent=") for href in hrefs), "top intents"
    assert f"/conversations?start={today}&end={today}" in hrefs, "today, from the per-day values"
    counts = dict(links)
    assert counts[f"/conversations?flag=crisis&{span}"] >= 2, "the crisis conversations of the fixture"
    for href, count in sorted(set(links)):
        assert listed_rows(client, href) == count, href


def test_the_charts_values_are_text(staff_app, conversations):
    client = staff_app.login("reviewer")
    page = client.get("/dashboard").text
    text = without_svg(page)
    # Every per-day bar's value is in the table beside it, as a link.
    bars = re.findall(r"<title>(\d{4}-\d\d-\d\d): (\d+)</title>", page)
    assert len(bars) == 30 and int(bars[-1][1]) >= 1, "today has conversations"
    for day, value in bars:
        assert re.search(rf'<td>{day}</td><td class="num"><a class="count" href="[^"]*">{value}</a></td>', text), day
    # The bar tables: as many values, in text, as bars.
    for heading in ("Flags", "Channels", "Top intents", "Callbacks requested in these days"):
        section = page[page.index(f"<h2>{heading}</h2>"):].split("</section>")[0]
        values = re.findall(r'<td class="num">(?:<a class="count" href="[^"]*">)?(\d+)(?:</a>)?</td>', without_svg(section))
        assert values and len(values) == section.count('<svg class="bar"'), heading
    intents = page[page.index("<h2>Top intents</h2>"):].split("</section>")[0]
    assert re.findall(r'<th scope="row">([a-z_]+)</th>\s*<td class="num"><a class="count" href="[^"]*&amp;intent=\1">\d+</a>', intents)
    assert CALLBACKS_FIGURE.search(page) and "response times by week" in page


# A database of its own: callbacks at chosen times ---------------------------------------

@dataclass
class Seeded:
    now: datetime
    labels: Dict[str, str]  # "last", "before", "this" -> ISO week
    references: List[str] = field(default_factory=list)
    names: List[str] = field(default_factory=list)
    phones: List[str] = field(default_factory=list)
    conversation_ids: List[str] = field(default_factory=list)
    ids: Dict[str, int] = field(default_factory=dict)


def iso_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def seed(url: str, now: datetime) -> Seeded:
    """Callback requests with call attempts at known times, in the last two ISO weeks (clinic time),
    this week, thirteen weeks ago and in a conversation marked as test traffic."""
    zone = clinic_zone()
    local_today = now.astimezone(zone).date()
    this_monday = local_today - timedelta(days=local_today.weekday())

    def tuesday_9am(weeks_ago: int) -> datetime:
        return datetime.combine(this_monday - timedelta(weeks=weeks_ago, days=-1), time(9), tzinfo=zone).astimezone(timezone.utc)

    last, before = tuesday_9am(1), tuesday_9am(2)
    h, m = timedelta(hours=1), timedelta(minutes=1)
    # key: (created, status, outcome, assigned_to, [(after, outcome)], old "contacted" move)
    plan = {
        "A": (last, "closed", "booked", None, [(1 * h, "no_answer"), (3 * h, "booked")], False),
        "B": (last, "closed", "not_ready", None, [(2 * h, "voicemail"), (30 * h, "not_ready")], False),
        "C": (last, "closed", "wrong_number", None, [(5 * h, "wrong_number")], False),
        "D": (last, "closed", "duplicate", None, [(10 * m, "duplicate")], False),
        "E": (last, "new", None, "reviewer", [], False),
        "F": (last, "contacted", None, None, [], True),
        "G": (before, "closed", "booked", None, [(20 * m, "no_answer"), (4 * h, "no_answer"), (26 * h, "booked")], False),
        "H": (before, "closed", "do_not_call", None, [(50 * m, "do_not_call")], False),
        "I": (max(now - 2 * m, datetime.combine(this_monday, time.min, tzinfo=zone).astimezone(timezone.utc)),
              "new", None, None, [], False),
        "J": (last, "closed", "duplicate", None, [(1 * h, "duplicate")], False),  # test traffic
        "K": (tuesday_9am(13), "closed", "booked", None, [(1 * h, "booked")], False),  # outside 12 weeks
    }
    seeded = Seeded(now, {"last": iso_label(last.astimezone(zone).date()), "before": iso_label(before.astimezone(zone).date()),
                          "this": iso_label(plan["I"][0].astimezone(zone).date())})
    with db.engine(url).begin() as connection:
        for number, (key, (created, status, outcome, assigned_to, attempts, contacted)) in enumerate(plan.items()):
            reference, name, phone = f"CB-RT{number:03d}Q", f"Dana Report{key}son", f"+1619555{number:04d}"
            conversation_id = f"report-{key}-{number}"
            callback_id = connection.execute(db.callback_requests.insert().values(
                reference=reference, conversation_id=conversation_id, status=status, name=name, phone=phone,
                best_time="Morning", consent=True, created_at=created, updated_at=created, assigned_to=assigned_to,
                outcome=outcome,
            )).inserted_primary_key[0]
            for after, attempt_outcome in attempts:
                connection.execute(db.callback_attempts.insert().values(
                    callback_id=callback_id, made_by="reviewer", made_at=created + after, outcome=attempt_outcome))
            if contacted:
                connection.execute(db.callback_history.insert().values(
                    callback_id=callback_id, from_status="new", to_status="contacted", changed_by="reviewer",
                    changed_at=created + 2 * h))
            if key == "J":
                connection.execute(db.test_traffic.insert().values(conversation_id=conversation_id, marked_by="reviewer",
                                                                   marked_at=now))
            seeded.references.append(reference)
            seeded.names.append(name)
            seeded.phones.append(phone)
            seeded.conversation_ids.append(conversation_id)
            seeded.ids[key] = callback_id
    return seeded


# What the plan above must give (minutes; "last" = last week, "before" = the week before it).
EXPECTED = {
    # requests, called, first call median, p90, reached, first reach median, within target, settled, waiting, old moves
    "last": (6, 3, 120, 300, 2, 990, 1, 4, 1, 1),  # calls 1 h, 2 h, 5 h; reaches 3 h, 30 h; settled A B C E
    "before": (2, 2, 35, 50, 2, 805, 1, 2, 0, 0),  # calls 20 and 50 min; reaches 26 h and 50 min
    "all": (9, 5, 60, 300, 4, 870, 2, 6, 2, 1),  # and I: this week, open, two minutes old
}
SHOWN = {
    "last": ("6", "2 h 0 min", "5 h 0 min", "16 h 30 min", "1 of 4 (25%)", "1"),
    "before": ("2", "35 min", "50 min", "13 h 25 min", "1 of 2 (50%)", "0"),
}


def figures_of(week) -> tuple:
    from staff_review.response_times import minutes

    return (week.requests, week.called, minutes(week.first_call_median), minutes(week.first_call_p90), week.reached,
            minutes(week.first_reach_median), week.within_target, week.settled, week.waiting, week.legacy)


@pytest.fixture(scope="module")
def report_app(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("reports")
    url = f"sqlite:///{workdir / 'reports.db'}"
    UrlSQLTrackerStore(host=url)  # Rasa's `events`, as the assistant makes it
    upgrade(url)
    result = run_cli(url, "create", "--role", "reviewer", "reviewer", "--password-stdin", stdin=PASSWORDS["reviewer"] + "\n")
    assert result.returncode == 0, result.stderr
    seeded = seed(url, datetime.now(timezone.utc))
    app, process = start_staff_app(url, workdir / "staff.log")
    yield app, url, seeded
    process.terminate()
    process.wait(timeout=20)
    db.engine(url).dispose()


def row_cells(page: str, label: str) -> tuple:
    row = page[page.index(f'<th scope="row">{label}<br>'):].split("</tr>")[0]
    return tuple(re.findall(r'data-label="[^"]+">([^<]*)</td>', row))


def test_the_report_shows_each_weeks_figures(report_app):
    app, url, seeded = report_app
    client = app.login("reviewer")
    dashboard = client.get("/dashboard").text
    assert 'href="/reports/response-times"' in dashboard
    page = client.get("/reports/response-times").text
    assert "Reached within 24 h (the team&#39;s target)" in page or "Reached within 24 h (the team's target)" in page
    assert page.count('<th scope="row">20') == 12, "the last 12 weeks by default"
    assert row_cells(page, seeded.labels["last"]) == SHOWN["last"]
    assert row_cells(page, seeded.labels["before"]) == SHOWN["before"]
    total = page[page.index("<tfoot>"):]
    assert re.findall(r'data-label="[^"]+">([^<]*)</td>', total) == ["9", "1 h 0 min", "5 h 0 min", "14 h 30 min", "2 of 6 (33%)", "2"]
    assert "1 request(s) of these weeks were marked" in page
    for secret in seeded.names + seeded.phones + seeded.references + seeded.conversation_ids:
        assert secret not in page
    # 26 weeks reach back to the request of thirteen weeks ago.
    longer = client.get("/reports/response-times", params={"weeks": 26}).text
    assert longer.count('<th scope="row">20') == 26
    assert re.findall(r'data-label="Requests">(\d+)</td>', longer[longer.index("<tfoot>"):]) == ["10"]


def test_the_report_as_csv_holds_the_same_figures_and_nothing_personal(report_app):
    app, url, seeded = report_app
    client = app.login("reviewer")
    response = client.get("/reports/response-times.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = {row["week"]: row for row in csv.DictReader(io.StringIO(response.text))}
    assert len(rows) == 13 and seeded.labels["last"] in rows and "all" in rows
    columns = ("requests", "called", "first_call_median_minutes", "first_call_p90_minutes", "reached",
               "first_reach_median_minutes", "reached_within_target", "settled", "waiting_for_first_call",
               "recorded_before_call_attempts")
    for key, label in (("last", seeded.labels["last"]), ("before", seeded.labels["before"]), ("all", "all")):
        assert tuple(int(rows[label][column]) for column in columns) == EXPECTED[key], key
    assert rows[seeded.labels["last"]]["reached_within_target_percent"] == "25.0"
    assert rows["all"]["target_hours"] == "24"
    for secret in seeded.names + seeded.phones + seeded.references + seeded.conversation_ids:
        assert secret not in response.text
    assert not re.search(r"\+?\d{10,}", response.text) and "CB-" not in response.text
    # Both are in the audit log, without any figure about a person.
    with sqlite3.connect(sqlite_file(url)) as connection:
        audited = connection.execute(
            "SELECT action, detail, conversation_id FROM staff_audit_log WHERE username = 'reviewer' "
            "AND action IN ('view_report', 'report_export') ORDER BY id").fetchall()
    actions = {action for action, _, _ in audited}
    assert actions == {"view_report", "report_export"}
    assert all(cid is None and "response times; " in detail for _, detail, cid in audited)


def test_the_dashboards_callback_figures_and_queue_links(report_app, monkeypatch):
    from staff_review import callback_queue

    app, url, seeded = report_app
    client = app.login("reviewer")
    page = client.get("/dashboard").text
    # Requests made in the last 30 days (test traffic left out): A-I; reached A, B, G, H; closed A-D, G, H.
    assert CALLBACKS_FIGURE.search(page).groups() == ("9", "4", "6")
    monkeypatch.setenv("DATABASE_URL", url)
    queue = {view: int(n) for view, n in re.findall(r'<a class="count" href="/callbacks\?view=(\w+)">(\d+)</a>', page)}
    assert set(queue) == {"open", "overdue", "unassigned", "mine", "today", "closed", "all"}
    assert {view: queue[view] for view in ("open", "overdue", "unassigned", "mine", "closed", "all")} == {
        "open": 3, "overdue": 2, "unassigned": 2, "mine": 1, "closed": 8, "all": 11}
    assert queue["today"] == callback_queue.counts("reviewer")["today"]
    for view, count in queue.items():
        listed = client.get("/callbacks", params={"view": view}).text
        ids = {int(found) for found in re.findall(r'\bid="cb(\d+)"', listed)}
        assert len(ids) == count, view
        assert ids == {row.id for row in callback_queue.requests(view, username="reviewer")}, view
    assert {int(found) for found in re.findall(r'\bid="cb(\d+)"', client.get("/callbacks", params={"view": "mine"}).text)} == {
        seeded.ids["E"]}


def test_a_conversation_active_on_two_days_counts_on_both(report_app):
    app, url, _ = report_app
    today = datetime.now(timezone.utc).date()
    midnight = datetime.combine(today, time.min, tzinfo=timezone.utc).timestamp()
    with db.engine(url).begin() as connection:
        for sender, stamps in {"night-owl": (midnight - 600, midnight + 60), "early": (midnight - 3 * 86400,)}.items():
            for stamp in stamps:
                event = {"event": "user", "timestamp": stamp, "text": "hello", "input_channel": "telegram",
                         "parse_data": {"intent": {"name": "greet", "confidence": 0.9}, "entities": []}}
                connection.execute(db.events.insert().values(sender_id=sender, type_name="user", timestamp=stamp,
                                                             intent_name="greet", data=json.dumps(event)))
    client = app.login("reviewer")
    page = client.get("/dashboard", params={"days": 7}).text
    per_day = dict(re.findall(r'<td>(\d{4}-\d\d-\d\d)</td><td class="num"><a class="count" href="[^"]*">(\d+)</a>', page))
    yesterday = today - timedelta(days=1)
    assert per_day[today.isoformat()] == "1" and per_day[yesterday.isoformat()] == "1"
    assert per_day[(today - timedelta(days=3)).isoformat()] == "1" and per_day[(today - timedelta(days=2)).isoformat()] == "0"
    total = re.search(r'<a class="count" href="(/conversations\?start=[^&"]*&amp;end=[^"]*)">(\d+)</a></div><div>conversations active', page)
    assert total.group(2) == "2"
    for href, n in COUNT_LINK.findall(page):
        assert listed_rows(client, unescape(href)) == int(n), href


# The same figures on SQLite and PostgreSQL, in process -----------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path, monkeypatch):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'figures.db'}"
        server = None
    else:
        from tests.postgres import PostgresServer

        server = PostgresServer().start()
        url = server.url
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    try:
        yield url
    finally:
        db.engine(url).dispose()
        if server:
            server.stop()


def test_the_figures_on_sqlite_and_postgresql(database):
    from staff_review import dashboard, response_times
    from staff_review.conversations import Filters, find

    now = datetime.now(timezone.utc)
    seeded = seed(database, now)
    report = response_times.weekly(12, now=now)
    weeks = {week.label: week for week in report.weeks}
    assert len(weeks) == 12 and report.weeks[0].label == seeded.labels["this"]
    assert figures_of(weeks[seeded.labels["last"]]) == EXPECTED["last"]
    assert figures_of(weeks[seeded.labels["before"]]) == EXPECTED["before"]
    assert figures_of(report.total) == EXPECTED["all"]
    assert response_times.weekly(26, now=now).total.requests == 10
    # The dashboard's counts, per day included, against the list's own query.
    today = now.date()
    midnight = datetime.combine(today, time.min, tzinfo=timezone.utc).timestamp()
    rows = [("night-owl", midnight - 600, midnight + 60, "rest", True), ("early", midnight - 3 * 86400 + 5, midnight - 3 * 86400 + 50, "telegram", False),
            ("long-ago", midnight - 40 * 86400, midnight - 40 * 86400 + 9, "rest", True)]
    with db.engine(database).begin() as connection:
        for number, (cid, started, last, channel, crisis) in enumerate(rows):
            connection.execute(db.conversations.insert().values(
                conversation_id=cid, started_at=started, started_day=datetime.fromtimestamp(started, timezone.utc).date().isoformat(),
                last_at=last, last_event_id=number + 1, channel=channel, turns=1, sessions=1, crisis=crisis,
                crisis_suspected=False, callback=False, fallback=False, low_confidence=0))
            connection.execute(db.messages.insert().values(event_id=number + 1, conversation_id=cid, timestamp=last, text="hi",
                                                           intent="greet", confidence=0.9))
    figures = dashboard.figures(30, "reviewer", now=now)
    assert figures["conversations"] == 2 and figures["crisis"] == 1
    assert [(row.label, row.value, row.args["channel"]) for row in figures["channels"]] == [
        ("Website", 1, "rest"), ("Telegram", 1, "telegram")]
    assert [(row.label, row.value) for row in figures["top_intents"]] == [("greet", 2)]
    per_day = {row.label: row.value for row in figures["per_day_rows"]}
    for offset in range(7):
        day = today - timedelta(days=offset)
        assert per_day[day.isoformat()] == len(find(Filters(start=day, end=day))[0]), day
    assert per_day[today.isoformat()] == 1 and per_day[(today - timedelta(days=1)).isoformat()] == 1
    assert (figures["callbacks_requested"], figures["callbacks_reached"], figures["callbacks_closed"]) == (9, 4, 6)


# Read on a phone -------------------------------------------------------------------------

def test_the_dashboard_and_the_report_fit_a_phone(report_app, tmp_path):
    """390 px wide (a phone held upright): no sideways scrolling, the report's figures still labelled."""
    from playwright.sync_api import sync_playwright

    from tests.chromium import launch

    app, _, seeded = report_app
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
            page.goto(app.url + "/login")
            page.fill("input[name=username]", "reviewer")
            page.fill("input[name=password]", PASSWORDS["reviewer"])
            with page.expect_navigation():
                page.click("button:has-text('Log in')")
            for path in ("/dashboard", "/dashboard?days=365", "/reports/response-times"):
                page.goto(app.url + path)
                assert page.locator("h1").count() == 1, path
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, f"{path} is {width} px wide"
                page.screenshot(path=str(tmp_path / (path.strip("/").replace("/", "-").replace("?", "-") + ".png")), full_page=True)
            # Each of the report's figures shows its column's name beside it.
            row = page.locator("table.report tbody tr", has_text=seeded.labels["last"])
            assert "1 of 4 (25%)" in row.inner_text()
            labels = row.locator("td").evaluate_all("cells => cells.map(c => getComputedStyle(c, '::before').content)")
            assert labels[4].startswith('"Reached within 24 h') and len(labels) == 6
        finally:
            browser.close()
