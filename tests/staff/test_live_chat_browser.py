"""The live chat's scripts in Chromium (static/callbacks.js, static/handoff.js), under the app's
CSP: a waiting chat appears at the top of an open queue without a reload; on the chat page the
visitor's messages arrive by themselves, a crisis message flagged, always as text; Enter with
nothing typed says so and sends nothing; when the chat ends, the page says so and the composer
goes. No script error anywhere. (Sending through the Rasa server: test_live_chat_e2e.py.)"""
from __future__ import annotations

import uuid

import pytest

from storage import handoffs
from tests.chromium import log_in_to_staff_app
from tests.staff.conftest import PASSWORDS, XSS
from tests.staff.test_live_chat import CRISIS_FLAG


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    found = context.new_page()
    found.errors = []
    found.on("pageerror", lambda error: found.errors.append(str(error)))
    found.on("console", lambda message: message.type == "error" and found.errors.append(message.text))
    yield found
    context.close()


def test_a_waiting_chat_arrives_and_the_chat_page_follows_the_conversation(staff_app, assistant, page):
    url = assistant.database_url
    log_in_to_staff_app(page, staff_app.url, "reviewer", PASSWORDS["reviewer"], then="/callbacks")
    sender = f"live-browser-{uuid.uuid4().hex[:8]}"
    assistant.say(sender, "what is IOP?")
    handoff = handoffs.request(sender, "rest", url=url)
    try:
        # The queue's poll (every 5 s) brings it in, "Take over" and all.
        page.wait_for_selector(f"#lc{handoff.id} button:has-text('Take over')", timeout=15000)
        assert page.is_visible("section.live-chats")
        handoffs.take(handoff.id, "reviewer", "Maria", url=url)
        page.wait_for_selector(f"#lc{handoff.id} .badge.taken:has-text('yours')", timeout=15000)

        page.click(f"#lc{handoff.id} a:has-text('Open the chat')")
        page.wait_for_selector("#composer textarea")
        live = handoffs.get(handoff.id, url=url)
        handoffs.add_message(live, handoffs.VISITOR, {"text": XSS + " hello?"}, url=url)
        page.wait_for_selector("#live-messages .bubble.visitor:has-text('hello?')", timeout=8000)
        assert page.inner_text("#live-messages .bubble.visitor .text") == XSS + " hello?", "as text, never as HTML"
        handoffs.add_message(live, handoffs.VISITOR, {"text": "i can't do this anymore"}, crisis=True, url=url)
        page.wait_for_selector(f"#live-messages .bubble.crisis .crisis-flag:has-text('{CRISIS_FLAG}')", timeout=8000)
        assert page.locator("#live-messages .bubble").count() == 2, "each message once"

        # Enter with nothing typed: said, nothing sent; Shift+Enter is a new line, not a send.
        page.focus("#composer textarea")
        page.keyboard.press("Enter")
        assert page.inner_text("[data-error]") == "Type a message first: nothing was sent."
        page.keyboard.type("first line")
        page.keyboard.press("Shift+Enter")
        page.keyboard.type("second line")
        assert page.input_value("#composer textarea") == "first line\nsecond line"
        page.fill("#composer textarea", "x" * 4001)
        page.keyboard.press("Enter")
        assert "the most is 4000" in page.inner_text("[data-error]")
        assert len(page.input_value("#composer textarea")) == 4001, "nothing lost"
        assert handoffs.messages(handoff_id=handoff.id, authors=[handoffs.STAFF], url=url) == []

        # The chat ends (the visitor gone, a colleague's hand back): the page says so, the composer goes.
        handoffs.end(handoff.id, handoffs.HANDED_BACK, url=url)
        page.wait_for_selector("[data-status]:has-text('This chat has ended')", timeout=8000)
        assert page.locator("#composer").count() == 0 and page.locator("form.hand-back").count() == 0
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        assert page.errors == []
    finally:
        handoffs.end(handoff.id, handoffs.HANDED_BACK, url=url)
