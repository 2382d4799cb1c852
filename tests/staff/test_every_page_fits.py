"""Every staff page works on a phone (390×844) and a laptop (1280×800) in Chromium: nothing
runs off the screen or makes the page scroll sideways, no script error, and a screenshot of
each (tests/artifacts/screenshots/staff-*.png; a selection is kept in docs/screenshots/).

The pages are taken from the app's own routes, so a new page is checked without being listed
here; those that are not pages (downloads, the live feed, redirects) are named below."""
from __future__ import annotations

import uuid

import pytest

from staff_review import create_app
from storage import handoffs
from tests.servers import ROOT
from tests.staff.conftest import PASSWORDS, path_of

SCREENS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1280, "height": 800}}
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
# GET routes that are not pages a person reads once logged in: downloads, the queue's own feed,
# redirects, and the login steps (the password page is checked before logging in; the code page
# is the same form, reached only halfway through a two-factor login: tests/staff/test_browser.py).
NOT_PAGES = {
    "/login", "/login/code",
    "/callbacks/live", "/callbacks/still-here", "/", "/conversation/export", "/export", "/corrections/nlu.yml",
    "/reports/response-times.csv", "/alerts/<int:alert_id>", "/handoffs/<int:handoff_id>/live",
}


@pytest.fixture(scope="module")
def live_chat(assistant):
    """A live chat taken by the admin, with a message of each kind and a crisis flag: the chat
    page with everything it can show (its composer too), and the queue with a live chat on top."""
    url = assistant.database_url
    sender = f"fits-{uuid.uuid4().hex[:10]}"
    assistant.say(sender, "what is IOP? " + "and how long does a day last " * 4)
    waiting = handoffs.request(sender, "rest", url=url)
    handoffs.take(waiting.id, "admin", "Maria", url=url)
    handoff = handoffs.get(waiting.id, url=url)
    handoffs.add_message(handoff, handoffs.ASSISTANT, {"text": "Maria from admissions has joined.", "staff_name": "Maria"}, url=url)
    handoffs.add_message(handoff, handoffs.VISITOR, {"text": "a-very-long-word-" * 12}, url=url)
    handoffs.add_message(handoff, handoffs.VISITOR, {"text": "i can't go on"}, crisis=True, url=url)
    handoffs.add_message(handoff, handoffs.STAFF, {"text": "I'm here. " * 30, "staff_name": "Maria"}, url=url)
    other = handoffs.request(f"fits-{uuid.uuid4().hex[:10]}", "telegram", url=url)  # waiting, at the top of the queue
    yield handoff.id
    handoffs.end(handoff.id, handoffs.HANDED_BACK, url=url)
    handoffs.end(other.id, handoffs.NOBODY_CAME, url=url)


def pages(conversations, handoff_id: int = 0):
    """(name, path) of every page, with the arguments that make it show the most."""
    extra = {
        "/handoffs/<int:handoff_id>": [("live-chat", f"/handoffs/{handoff_id}")],
        "/conversation": [("transcript-callback", path_of(conversations.callback)),
                          ("transcript-crisis", path_of(conversations.walkthrough))],
        "/callbacks": [("callbacks", "/callbacks"), ("callbacks-all", "/callbacks?view=all")],
        "/search": [("search", "/search?q=619.555.0123")],
        "/conversations": [("conversations", "/conversations?test=show")],
    }
    found = []
    for rule in create_app({"SECRET_KEY": "x"}).url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule in NOT_PAGES:
            continue
        found += extra.get(rule.rule, [(rule.rule.strip("/").replace("/", "-"), rule.rule)])
    return sorted(set(found))


@pytest.mark.parametrize("screen", SCREENS)
def test_every_staff_page_fits_the_screen(staff_app, conversations, live_chat, browser, screen):
    context = browser.new_context(viewport=SCREENS[screen])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(staff_app.url + "/login")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), "login"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"staff-login-{screen}.png"))
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORDS["admin"])
    with page.expect_navigation():
        page.click("button:has-text('Log in')")
    checked = []
    for name, path in pages(conversations, live_chat):
        response = page.goto(staff_app.url + path)
        assert response.status == 200 and "/login" not in page.url, (path, response.status, page.url)
        width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, f"{path} scrolls sideways on a {screen}: {width} px for {inner}"
        # Nothing pokes out of the screen either (a wide table in a box that scrolls is fine, and so
        # is a table head that is only there for screen readers).
        wide = page.evaluate("""() => Array.from(document.querySelectorAll('main *, header.top *'))
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                          && !el.closest('.table-scroll, .wide, .scroll-y, pre, .visually-hidden')
                          && !(el.closest('thead') && getComputedStyle(el.closest('thead')).position === 'absolute'))
            .map(el => el.tagName + '.' + el.className).slice(0, 5)""")
        assert wide == [], f"{path} on a {screen}: {wide}"
        page.screenshot(path=str(SCREENSHOTS / f"staff-{name}-{screen}.png"), full_page=True)
        checked.append(path)
    assert errors == [], errors
    assert len(checked) >= 11, checked
    context.close()
