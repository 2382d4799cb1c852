"""A live handoff in two browsers (issue 15's done-when): a visitor in the website's widget asks
for a real person while the clinic is open; a staff member in the staff app, on a phone-sized
screen with the queue open, marks themselves available, sees the waiting chat arrive without a
reload, presses "Take over" and types; the reply is in the widget within 5 s; the visitor's
answer reaches the staff page by itself; a crisis message in the middle gets the crisis card at
once and is flagged for the staff member; "Hand back to the assistant" returns the chat to the
bot, which answers the next question. Real servers throughout: the Rasa and action servers, the
demo site, the staff app (the one make run starts, pointed at the Rasa server)."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from storage import handoffs
from tests.browser.conftest import new_page, screenshot
from tests.browser.widget import ask, last_turn, log, message_box, open_widget, panel, turns_answered, wait_for_reply
from tests.chromium import log_in_to_staff_app
from tests.staff.conftest import PASSWORDS, run_cli, start_staff_app

PHONE_SCREEN = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def staff_app(live_assistant, tmp_path_factory):
    for username in ("reviewer", "colleague"):
        result = run_cli(live_assistant.database_url, "create", "--role", "reviewer", username, "--password-stdin",
                         stdin=PASSWORDS["reviewer"] + "\n")
        assert result.returncode == 0 or "already" in result.stderr, result.stderr
    extra = {"ASSISTANT_URL": f"http://127.0.0.1:{live_assistant.rasa_port}", "CONVERSATION_SECRET": live_assistant.secret}
    app, process = start_staff_app(live_assistant.database_url, tmp_path_factory.mktemp("live") / "staff.log", extra)
    yield app
    process.terminate()
    process.wait(timeout=20)


def fits_the_screen(page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width}"


def test_a_staff_member_takes_over_a_visitors_chat_and_hands_it_back(browser, live_site, staff_app):
    staff = new_page(browser, PHONE_SCREEN)
    log_in_to_staff_app(staff, staff_app.url, "reviewer", PASSWORDS["reviewer"], then="/account/chat-name")
    staff.get_by_label("First name").fill("Maria")
    staff.get_by_role("button", name="Save").click()
    staff.goto(staff_app.url + "/callbacks")
    staff.get_by_role("button", name="Available for live chat").click()
    expect(staff.locator("[data-presence=self]")).to_have_text("You are available for live chat")
    staff.evaluate("() => { window.stillTheSamePage = true; }")

    # The visitor asks for a person: during hours, with someone available, the live chat is offered.
    visitor = new_page(browser)
    open_widget(visitor, live_site)
    ask(visitor, "can I talk to a real person?")
    before = turns_answered(visitor)
    last_turn(visitor).get_by_role("button", name="Chat with our admissions team now").click()
    wait_for_reply(visitor, before)
    expect(panel(visitor).locator(".iop-handoff-status")).to_have_text("Waiting for someone from our admissions team\u2026")

    # It arrives at the top of the open queue by itself, with the transcript so far.
    waiting = staff.locator("section.live-chats article", has_text="can I talk to a real person?")
    expect(waiting).to_be_visible(timeout=20_000)
    assert staff.evaluate("() => window.stillTheSamePage === true"), "the page was not reloaded"
    fits_the_screen(staff)
    screenshot(staff, "staff-live-chat-waiting-phone")
    waiting.get_by_role("button", name="Take over").click()
    expect(staff.locator("#composer-text")).to_be_visible()
    expect(log(visitor)).to_contain_text("Maria from our admissions team has joined", timeout=10_000)
    expect(panel(visitor).locator(".iop-handoff-status")).to_have_text("You're chatting with Maria from admissions")

    # Her reply is in the widget within 5 s, marked as from a person.
    staff.fill("#composer-text", "Hi, I'm Maria from admissions. What's going on?")
    sent = time.monotonic()
    staff.keyboard.press("Enter")
    staff_bubble = log(visitor).locator(".iop-staff", has_text="What's going on?")
    expect(staff_bubble).to_be_visible(timeout=5_000)
    assert time.monotonic() - sent < 5
    expect(staff_bubble).to_contain_text("Maria \u00b7 Admissions team")

    # The visitor's answer reaches the staff page by itself; the assistant stays quiet.
    answered = turns_answered(visitor)
    message_box(visitor).fill("My brother has been using opioids and we don't know what to do")
    message_box(visitor).press("Enter")
    expect(staff.locator("#live-messages .bubble.visitor", has_text="using opioids")).to_be_visible(timeout=10_000)
    assert turns_answered(visitor) == answered, "no bot turn while a person has the chat"

    # A crisis in the middle: the crisis card at once, from the assistant; flagged for the staff member.
    ask(visitor, "honestly I don't want to live anymore")
    card = last_turn(visitor).locator(".iop-crisis")
    expect(card).to_contain_text("Help is available now")
    expect(card.locator("a[href='tel:988']")).to_have_count(1)
    flagged = staff.locator("#live-messages .bubble.crisis", has_text="don't want to live anymore")
    expect(flagged.locator(".crisis-flag")).to_be_visible(timeout=10_000)
    fits_the_screen(staff)
    screenshot(staff, "staff-live-chat-phone")
    screenshot(visitor, "desktop-live-chat-visitor")

    # Handed back: the assistant answers the next question.
    staff.get_by_role("button", name="Hand back to the assistant").click()
    expect(log(visitor)).to_contain_text("You're back with the automated assistant", timeout=10_000)
    expect(panel(visitor).locator(".iop-handoff-status")).to_be_hidden()
    assert "five days a week" in ask(visitor, "what is an intensive outpatient program?")
    expect(staff.locator("[data-status]")).to_contain_text("This chat has ended", timeout=10_000)
    assert staff.errors == [] and visitor.errors == []


def test_a_second_staff_member_cannot_take_a_chat_already_taken(browser, live_site, live_assistant, staff_app):
    """Two staff press Take over on the same waiting chat: one has it, the other is told."""
    first, second = new_page(browser, PHONE_SCREEN), new_page(browser, PHONE_SCREEN)
    for page, username in ((first, "reviewer"), (second, "colleague")):
        log_in_to_staff_app(page, staff_app.url, username, PASSWORDS["reviewer"], then="/callbacks")
    sender = "web-" + "e" * 32
    handoff = handoffs.request(sender, "rest", url=live_assistant.database_url)
    try:
        for page in (first, second):
            page.reload()
            expect(page.locator(f"#lc{handoff.id}").get_by_role("button", name="Take over")).to_be_visible()
        first.locator(f"#lc{handoff.id}").get_by_role("button", name="Take over").click()
        expect(first.locator("#composer-text")).to_be_visible()
        second.locator(f"#lc{handoff.id}").get_by_role("button", name="Take over").click()
        expect(second.locator(".flash")).to_contain_text("already took it")
        assert handoffs.get(handoff.id, url=live_assistant.database_url).staff_user == "reviewer"
    finally:
        handoffs.end(handoff.id, handoffs.HANDED_BACK, url=live_assistant.database_url)
