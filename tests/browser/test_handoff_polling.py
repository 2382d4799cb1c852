"""The widget's polling during a live handoff, in Chromium, against a stand-in for the Rasa
server (tests/browser/fake_handoff.py) that can be made to fail, answer slowly or refuse on
cue, and counts every poll. test_handoff_widget.py runs the whole handoff against the real
Rasa server.

Polling must be gentle (docs/handoff.md; the widget polls every 2 s): never two polls at
once, backing off on errors, none while the tab is hidden, none after a 403 or once the
handoff is over; and across reloads no message is shown twice or lost.
"""
import os
import re
import sys
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.fake_handoff import LIVE_CHAT, FakeAssistant
from tests.browser.widget import (
    DISCLAIMER, ask, last_turn, launcher, log, message_box, open_widget, panel, saved_state, turns_answered,
    wait_for_reply,
)
from tests.servers import ROOT, Server, free_port, wait_for

WAITING = "Waiting for someone from our admissions team\u2026"


@pytest.fixture(scope="module")
def fake():
    server = FakeAssistant().start(free_port())
    yield server
    server.stop()


@pytest.fixture(scope="module")
def fake_site(fake, tmp_path_factory):
    """The demo website, its widget talking to the stand-in."""
    port = free_port()
    log_file = tmp_path_factory.mktemp("fake-site") / "site.log"
    server = Server(
        [sys.executable, "-m", "demo_site.server", "--port", str(port), "--assistant-url", f"http://localhost:{fake.port}"],
        {**os.environ, "PYTHONPATH": str(ROOT)},
        log_file,
    )
    server.start()
    wait_for(f"http://127.0.0.1:{port}/", server.process, 60, log_file)
    yield f"http://localhost:{port}"
    server.stop()


@pytest.fixture
def server(fake):
    fake.reset()
    return fake


def status(page):
    return panel(page).locator(".iop-handoff-status")


def staff_bubbles(page):
    return log(page).locator(".iop-staff")


def start_handoff(page, site):
    open_widget(page, site)
    ask(page, "can I talk to a real person?")
    before = turns_answered(page)
    last_turn(page).get_by_role("button", name=LIVE_CHAT).click()
    wait_for_reply(page, before)
    expect(status(page)).to_have_text(WAITING)


def script_errors(page):
    """Console errors other than Chromium's own note of an HTTP error status (the stand-in's 403s and 500s)."""
    return [error for error in page.errors if "Failed to load resource" not in error]


def gaps(polls):
    return [round(later["at"] - earlier["at"], 1) for earlier, later in zip(polls, polls[1:])]


def test_staff_messages_arrive_from_a_person_and_the_visitors_replies_need_no_bot_turn(page, fake_site, server):
    start_handoff(page, fake_site)
    server.take("Maria")
    join = last_turn(page)
    expect(join).to_contain_text("Maria from admissions has joined")
    expect(join.locator(".iop-disclaimer")).to_have_text(DISCLAIMER)
    expect(join.locator(".iop-bubble")).not_to_contain_text("not medical advice")
    expect(status(page)).to_have_text("You're chatting with Maria from admissions")

    server.say("staff", "Hi, I'm Maria. What's on your mind?")
    expect(staff_bubbles(page)).to_have_count(1, timeout=5_000)
    bubble = staff_bubbles(page).first
    expect(bubble.locator(".iop-staff-label")).to_have_text("Maria \u00b7 Admissions team")
    expect(bubble.locator(".iop-staff-label")).to_be_visible()  # real text, seen by everyone
    expect(bubble).to_contain_text("What's on your mind?")
    expect(bubble.locator(".iop-visually-hidden")).to_have_count(0)  # not announced as the assistant
    assert bubble.evaluate("e => getComputedStyle(e).backgroundColor") != log(page).locator(".iop-bot").first.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    ), "a person's bubble looks different from the assistant's"

    before = turns_answered(page)
    message_box(page).fill("my son has been drinking a lot")
    message_box(page).press("Enter")
    expect(log(page).locator(".iop-user").last).to_have_text("You: my son has been drinking a lot")
    deadline = time.monotonic() + 5
    while server.visitor_messages != ["my son has been drinking a lot"] and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert server.visitor_messages == ["my son has been drinking a lot"]
    page.wait_for_timeout(500)
    expect(log(page).locator(".iop-failed")).to_have_count(0)
    expect(log(page).get_by_role("alert")).to_have_count(0)
    expect(panel(page).locator(".iop-typing")).to_be_hidden()
    assert turns_answered(page) == before, "no bot turn"
    assert page.evaluate("() => document.querySelector('#iop-chat').shadowRoot.querySelector('.iop-panel').getAttribute('aria-busy')") == "false"

    ask(page, "sometimes I want to kill myself")
    expect(last_turn(page).locator(".iop-crisis")).to_contain_text("Help is available now")
    screenshot(page, "desktop-handoff-fake")
    assert script_errors(page) == []


def test_every_message_once_across_reloads_and_page_changes(page, fake_site, server):
    start_handoff(page, fake_site)
    server.take("Maria")
    server.say("staff", "First message from Maria")
    expect(staff_bubbles(page)).to_have_count(1)
    server.say("staff", "Sent while the page reloads")
    page.reload()
    expect(staff_bubbles(page)).to_have_count(2)
    expect(log(page)).to_contain_text("Sent while the page reloads")
    expect(status(page)).to_have_text("You're chatting with Maria from admissions")
    server.say("staff", "After the reload")
    expect(staff_bubbles(page)).to_have_count(3)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Levels of care").click()
    expect(staff_bubbles(page)).to_have_count(3)
    server.say("staff", "On the other page")
    expect(staff_bubbles(page)).to_have_count(4)
    page.wait_for_timeout(2500)  # a few more polls: still once each
    expect(staff_bubbles(page)).to_have_count(4)
    expect(log(page).get_by_text("Maria from admissions has joined")).to_have_count(1)
    assert saved_state(page)["handoff"] == {"state": "live", "staff": "Maria", "last": 5}
    assert script_errors(page) == []


def test_one_poll_at_a_time_every_two_seconds(page, fake_site, server):
    server.poll_delay = 3
    start_handoff(page, fake_site)
    page.wait_for_timeout(11_000)
    assert server.most_in_flight == 1, "never two polls at once"
    slow = gaps(server.polls)
    assert slow and all(gap >= 4.5 for gap in slow), f"the next poll waits for the last one's answer, then 2 s: {slow}"
    server.poll_delay = 0
    page.wait_for_timeout(3_500)
    since = time.monotonic()
    page.wait_for_timeout(6_500)
    quick = gaps(server.polls_since(since))
    assert quick and all(1.8 <= gap <= 3 for gap in quick), quick


def test_errors_back_off_and_polling_recovers(page, fake_site, server):
    start_handoff(page, fake_site)
    server.take("Maria")
    expect(status(page)).to_contain_text("Maria")
    server.failures = 2
    failing_from = time.monotonic()
    server.say("staff", "Sent while the server was failing")
    expect(staff_bubbles(page)).to_have_count(1, timeout=30_000)
    polls = server.polls_since(failing_from - 2.5)
    statuses = [poll["status"] for poll in polls]
    first = statuses.index(500)
    assert statuses[first:first + 3] == [500, 500, 200], statuses
    backoff = gaps(polls[first:first + 3])  # doubling: 4 s after the first error, 8 s after the second
    assert 3.5 <= backoff[0] <= 5 and 7.5 <= backoff[1] <= 9, backoff
    since = time.monotonic()
    page.wait_for_timeout(5_000)
    assert all(gap <= 3 for gap in gaps(server.polls_since(since))), "back to every 2 s"
    expect(log(page).get_by_role("alert")).to_have_count(0)  # nothing alarming for the visitor
    assert script_errors(page) == []


def test_no_polls_while_the_tab_is_hidden_and_it_catches_up_when_shown(page, fake_site, server):
    start_handoff(page, fake_site)
    server.take("Maria")
    expect(status(page)).to_contain_text("Maria")
    page.evaluate("""() => {
        Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    page.wait_for_timeout(500)  # one poll may have been on its way
    hidden_at = time.monotonic()
    server.say("staff", "Written while the tab was hidden")
    page.wait_for_timeout(6_000)
    assert server.polls_since(hidden_at) == [], "no polls while hidden"
    expect(staff_bubbles(page)).to_have_count(0)
    page.evaluate("""() => {
        delete document.visibilityState;
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    expect(staff_bubbles(page)).to_have_count(1, timeout=1_500)  # at once, not after the next 2 s
    assert script_errors(page) == []


def test_a_403_stops_polling(page, fake_site, server):
    start_handoff(page, fake_site)
    server.refusal = "token_invalid"
    expect(status(page)).to_be_hidden()
    stopped = time.monotonic()
    page.wait_for_timeout(5_000)
    assert server.polls_since(stopped) == []
    assert saved_state(page)["handoff"]["state"] == "none"
    page.reload()
    page.wait_for_timeout(3_000)
    assert server.polls_since(stopped) == [], "and not again after a reload"
    assert script_errors(page) == []


def test_an_expired_token_is_renewed_and_polling_goes_on(page, fake_site, server):
    start_handoff(page, fake_site)
    first_token = saved_state(page)["token"]
    server.expire_tokens()
    expired_at = time.monotonic()
    deadline = expired_at + 10
    while not any(poll.get("status") == 403 for poll in server.polls_since(expired_at)) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    server.take("Maria")
    server.say("staff", "Still here")
    expect(staff_bubbles(page)).to_have_count(1)
    assert saved_state(page)["token"] != first_token
    assert server.polls[-1]["token"] == saved_state(page)["token"]
    assert script_errors(page) == []


def test_hand_back_stops_polling_and_the_assistant_answers_again(page, fake_site, server):
    start_handoff(page, fake_site)
    server.take("Maria")
    server.say("staff", "I'll hand you back now")
    expect(staff_bubbles(page)).to_have_count(1)
    server.hand_back()
    expect(log(page)).to_contain_text("You're back with the assistant")
    expect(status(page)).to_be_hidden()
    ended = time.monotonic()
    page.wait_for_timeout(4_500)
    assert server.polls_since(ended) == [], "no polls once the handoff is over"
    assert "An answer from the assistant" in ask(page, "what is IOP?")
    assert saved_state(page)["handoff"] == {"state": "none", "staff": None, "last": 3}
    assert script_errors(page) == []


def test_start_over_stops_polling(page, fake_site, server):
    start_handoff(page, fake_site)
    panel(page).get_by_role("button", name="Start over").click()
    expect(status(page)).to_be_hidden()
    stopped = time.monotonic() + 0.2
    page.wait_for_timeout(4_500)
    assert server.polls_since(stopped) == []


def test_a_message_while_the_chat_is_closed_marks_the_launcher(page, fake_site, server):
    start_handoff(page, fake_site)
    panel(page).get_by_role("button", name="Close chat").click()
    server.take("Maria")
    expect(launcher(page)).to_have_attribute("aria-label", "Open chat: Questions about treatment? (new message)")
    expect(launcher(page)).to_have_class(re.compile(r"\biop-unread\b"))
    launcher(page).click()
    expect(log(page)).to_contain_text("Maria from admissions has joined")
    panel(page).get_by_role("button", name="Close chat").click()
    expect(launcher(page)).to_have_attribute("aria-label", "Open chat: Questions about treatment?")
    assert script_errors(page) == []


def test_nobody_came_the_assistants_turn_is_one_turn_and_its_offer_works(page, fake_site, server):
    start_handoff(page, fake_site)
    before = turns_answered(page)
    server.nobody_came()
    turn = wait_for_reply(page, before)  # the two bubbles, one turn, one disclaimer
    assert "no one from our admissions team could join" in turn and "call you back?" in turn
    expect(last_turn(page).locator(".iop-bubble")).to_have_count(2)
    expect(status(page)).to_be_hidden()
    turns = log(page).locator(".iop-turn")
    offer = turns.nth(turns.count() - 1).get_by_role("button", name="Yes, call me back")  # pinned, not "last"
    expect(offer).to_be_enabled()
    before = turns_answered(page)
    offer.click()
    assert "An answer from the assistant" in wait_for_reply(page, before)
    expect(offer).to_be_disabled()
    page.reload()
    expect(log(page).get_by_text("could join the chat just now")).to_have_count(1)
    assert script_errors(page) == []
