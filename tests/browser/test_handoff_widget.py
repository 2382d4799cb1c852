"""A live handoff in the widget, in Chromium, against the real Rasa and action servers
(docs/handoff.md; issue 15).

The visitor asks for a person while the clinic is open (a clinic file whose hours cover every
moment) and a staff member is available; the test then acts as the staff app does, calling the
Rasa server's staff endpoints with the staff secret. tests/browser/test_handoff_polling.py
checks the polling itself (back-off, hidden tabs, 403s) against a stand-in server.
"""
import json
import time

import pytest
from playwright.sync_api import expect

from channels import ownership
from storage import handoffs
from tests.browser.conftest import new_page, screenshot
from tests.browser.widget import (
    DISCLAIMER, ask, last_turn, log, message_box, open_widget, panel, saved_state, sender_id, turns_answered,
    wait_for_reply,
)
from tests.servers import Assistant

LIVE_CHAT = "Chat with our admissions team now"
WAITING = "Waiting for someone from our admissions team\u2026"
PHONE = {"width": 390, "height": 844}


class Staff:
    """A staff member, as the staff app acts for them: the Rasa server's staff endpoints."""

    def __init__(self, assistant: Assistant, username: str = "maria", name: str = "Maria") -> None:
        self.assistant, self.username, self.name = assistant, username, name

    def available(self) -> None:
        handoffs.set_available(self.username, True, url=self.assistant.database_url)

    def handoff_of(self, sender: str) -> handoffs.Handoff:
        found = handoffs.open_handoff(sender, url=self.assistant.database_url)
        assert found, "the visitor's conversation has an open handoff"
        return found

    def call(self, step: str, **body):
        url = f"http://127.0.0.1:{self.assistant.rasa_port}/webhooks/rest/handoff/{step}"
        secret = ownership.staff_secret(self.assistant.secret.encode())
        return Assistant.request(url, json.dumps({"staff_user": self.username, **body}).encode(), token=secret)

    def take(self, sender: str) -> int:
        handoff = self.handoff_of(sender)
        assert self.call("take", handoff=handoff.id, staff_name=self.name) == (200, {"ok": True})
        return handoff.id

    def send(self, handoff: int, text: str) -> None:
        status, reply = self.call("send", handoff=handoff, text=text)
        assert status == 200 and isinstance(reply.get("id"), int), (status, reply)

    def hand_back(self, handoff: int) -> None:
        assert self.call("hand_back", handoff=handoff) == (200, {"ok": True})


@pytest.fixture
def staff(live_assistant):
    return Staff(live_assistant)


def status(page):
    return panel(page).locator(".iop-handoff-status")


def staff_bubbles(page):
    return log(page).locator(".iop-staff")


def ask_for_a_person(page, site, staff: Staff) -> None:
    """The visitor asks for a person and presses the live chat button: a waiting handoff."""
    staff.available()
    open_widget(page, site)
    ask(page, "can I talk to a real person?")
    before = turns_answered(page)
    last_turn(page).get_by_role("button", name=LIVE_CHAT).click()
    wait_for_reply(page, before)
    expect(status(page)).to_have_text(WAITING)
    assert staff.handoff_of(sender_id(page)).state == handoffs.WAITING


def test_a_person_takes_over_the_chat_and_hands_it_back(page, live_site, staff):
    ask_for_a_person(page, live_site, staff)
    screenshot(page, "desktop-handoff-waiting")
    handoff = staff.take(sender_id(page))

    join = last_turn(page)
    expect(join).to_contain_text("Maria from our admissions team has joined")
    expect(join.locator(".iop-disclaimer")).to_have_text(DISCLAIMER)  # said once, when the person joins
    expect(join.locator(".iop-bubble")).not_to_contain_text(DISCLAIMER)
    expect(status(page)).to_have_text("You're chatting with Maria from admissions")

    sent = time.monotonic()
    staff.send(handoff, "Hi, I'm Maria from admissions. How can I help?")
    expect(staff_bubbles(page)).to_have_count(1, timeout=5_000)
    assert time.monotonic() - sent < 5, "the staff member's reply is in the widget within 5 s"
    bubble = staff_bubbles(page).first
    expect(bubble).to_contain_text("How can I help?")
    expect(bubble.locator(".iop-staff-label")).to_have_text("Maria \u00b7 Admissions team")
    expect(bubble.locator(".iop-staff-label")).to_be_visible()
    expect(bubble.locator(".iop-disclaimer")).to_have_count(0)  # a person's messages carry no disclaimer

    # The visitor answers: the reply to their message is [], and nothing looks wrong.
    before = turns_answered(page)
    with page.expect_response(lambda response: response.url.endswith("/webhooks/rest/webhook")) as reply:
        message_box(page).fill("My daughter needs help, she has been drinking a lot")
        message_box(page).press("Enter")
    assert reply.value.status == 200 and reply.value.json() == []
    expect(log(page).locator(".iop-user").last).to_have_text("You: My daughter needs help, she has been drinking a lot")
    page.wait_for_timeout(1_000)
    expect(log(page).locator(".iop-failed")).to_have_count(0)
    expect(log(page).get_by_role("alert")).to_have_count(0)
    expect(panel(page).locator(".iop-typing")).to_be_hidden()
    assert turns_answered(page) == before, "no bot turn while a person has the chat"
    rows = handoffs.messages(conversation_id=sender_id(page), authors=[handoffs.VISITOR], url=staff.assistant.database_url)
    assert [row.bubble["text"] for row in rows] == ["My daughter needs help, she has been drinking a lot"]

    # A crisis message gets the crisis reply at once, from the assistant, in the middle of it.
    asked = time.monotonic()
    ask(page, "I want to kill myself")
    assert time.monotonic() - asked < 10
    card = last_turn(page).locator(".iop-crisis")
    expect(card).to_contain_text("Help is available now")
    expect(card.locator("a[href='tel:988']")).to_have_count(1)
    screenshot(page, "desktop-handoff-live")

    staff.send(handoff, "I'm still here with you.")
    expect(staff_bubbles(page)).to_have_count(2)

    staff.hand_back(handoff)
    expect(log(page)).to_contain_text("You're back with the automated assistant")
    expect(status(page)).to_be_hidden()
    assert saved_state(page)["handoff"]["state"] == "none"
    assert "five days a week" in ask(page, "what is an intensive outpatient program?")
    expect(staff_bubbles(page)).to_have_count(2)
    assert page.errors == [], "no script errors and no Content-Security-Policy violations"


def test_a_reload_and_a_page_change_keep_every_message_once_on_a_phone(browser, live_site, staff):
    page = new_page(browser, PHONE)
    try:
        ask_for_a_person(page, live_site, staff)
        page.reload()
        expect(status(page)).to_have_text(WAITING)  # still waiting after a reload, still polling
        handoff = staff.take(sender_id(page))
        expect(status(page)).to_have_text("You're chatting with Maria from admissions")
        staff.send(handoff, "Hello, this is Maria.")
        expect(staff_bubbles(page)).to_have_count(1)

        page.reload()
        expect(staff_bubbles(page)).to_have_count(1)
        expect(log(page).get_by_text("has joined the chat")).to_have_count(1)
        staff.send(handoff, "Sent after the reload.")
        expect(staff_bubbles(page)).to_have_count(2, timeout=5_000)  # polling resumed

        staff.send(handoff, "Sent as the visitor moves to another page.")
        page.goto(live_site + "/levels-of-care")  # on a phone the open chat covers the site's own links
        expect(staff_bubbles(page)).to_have_count(3)
        page.wait_for_timeout(4_500)  # two more polls: nothing twice
        expect(staff_bubbles(page)).to_have_count(3)
        expect(log(page).get_by_text("has joined the chat")).to_have_count(1)
        for text in ("Hello, this is Maria.", "Sent after the reload.", "Sent as the visitor moves to another page."):
            expect(log(page).get_by_text(text)).to_have_count(1)

        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
        assert page.evaluate(
            "() => { const log = document.querySelector('#iop-chat').shadowRoot.querySelector('.iop-log');"
            " return log.scrollWidth <= log.clientWidth; }"
        ), "no sideways scrolling inside the conversation"
        expect(status(page)).to_be_in_viewport()
        expect(message_box(page)).to_be_in_viewport()
        screenshot(page, "phone-handoff-live")
        staff.hand_back(handoff)
        expect(status(page)).to_be_hidden()
        assert page.errors == []
    finally:
        page.context.close()


def test_starting_over_during_a_handoff_ends_it_for_the_staff_member(page, live_site, staff):
    ask_for_a_person(page, live_site, staff)
    sender = sender_id(page)
    handoff = staff.take(sender)
    expect(status(page)).to_have_text("You're chatting with Maria from admissions")
    with page.expect_response(lambda response: response.url.endswith("/handoff/end")) as ended:
        panel(page).get_by_role("button", name="Start over: a new conversation").click()
    assert ended.value.status == 200
    expect(status(page)).to_be_hidden()
    finished = handoffs.get(handoff, url=staff.assistant.database_url)
    assert (finished.state, finished.end_reason) == (handoffs.ENDED, handoffs.VISITOR_LEFT)
    status_code, reply = staff.call("send", handoff=handoff, text="hello?")
    assert (status_code, reply["code"]) == (409, "not_yours"), "the staff member can't type to an empty room"
    assert page.errors == []
