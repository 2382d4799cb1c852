"""The chat widget in a real browser, against the real Rasa and action servers.

Each test is a visitor on the demo website (http://localhost:PORT), in a fresh
browser context. Screenshots land in tests/artifacts/screenshots/.
"""
import re
import sqlite3
import time
from unittest import mock

from playwright.sync_api import expect

import knowledge
from channels import ownership
from tests.browser.conftest import screenshot
from tests.browser.widget import (
    DISCLAIMER, ask, last_turn, launcher, log, message_box, open_widget, panel, replace_token, saved_state,
    sender_id, turns_answered, wait_for_reply,
)

PHONE = knowledge.clinic().phone


def stored_requests(assistant, sender):
    with sqlite3.connect(assistant.database_url.replace("sqlite:///", "")) as db:
        return db.execute("SELECT name, phone, best_time FROM callback_requests WHERE conversation_id = ?", (sender,)).fetchall()


def test_a_question_gets_its_answer_with_the_disclaimer_as_small_print(page, site):
    open_widget(page, site)
    answer = ask(page, "what is an intensive outpatient program")
    assert "five days a week" in answer
    turn = last_turn(page)
    expect(turn.locator(".iop-disclaimer")).to_have_text(DISCLAIMER)
    # Small print under the turn, not inside the answer's bubbles.
    for bubble in turn.locator(".iop-bubble").all():
        assert "not medical advice" not in bubble.inner_text()
    size = lambda selector: float(turn.locator(selector).first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert size(".iop-disclaimer") < size(".iop-bubble p")
    screenshot(page, "desktop-answer")
    assert page.errors == [], "no script errors and no Content-Security-Policy violations"


def test_a_typing_indicator_shows_while_the_reply_is_on_its_way(page, site):
    open_widget(page, site)
    # Watch the indicator from inside the page: the reply may take only a few milliseconds.
    page.evaluate("""() => {
      const typing = document.querySelector('#iop-chat').shadowRoot.querySelector('[role=status]');
      window.typingSeen = false;
      new MutationObserver(() => { if (!typing.hidden) window.typingSeen = true; })
        .observe(typing, {attributes: true, attributeFilter: ['hidden']});
    }""")
    ask(page, "what is outpatient treatment?")
    assert page.evaluate("() => window.typingSeen")
    expect(page.get_by_role("status")).to_be_hidden()


def test_links_and_lists_from_the_bot_are_rendered(page, site):
    open_widget(page, site)
    ask(page, "how do I reach your admissions team?")
    phone = last_turn(page).get_by_role("link", name=PHONE)
    expect(phone.first).to_have_attribute("href", "tel:" + knowledge.clinic().phone_e164)
    ask(page, "what are the levels of care?")
    expect(last_turn(page).locator(".iop-bubble li")).to_have_count(len(knowledge.levels()))
    expect(last_turn(page).locator(".iop-bubble li strong").first).to_have_text(knowledge.levels()[0].name)


def test_a_quick_reply_is_sent_as_the_visitors_message_and_then_disabled(page, site):
    open_widget(page, site)
    ask(page, "what can you help me with?")
    offer = log(page).locator(".iop-turn").nth(log(page).locator(".iop-turn").count() - 1)  # pinned, not "last"
    choice = offer.get_by_role("button", name="Levels of care")
    before = turns_answered(page)
    choice.click()
    answer = wait_for_reply(page, before)
    assert "partial hospitalization" in answer.lower()
    expect(log(page).locator(".iop-user").last).to_have_text("You: Levels of care")
    expect(choice).to_be_disabled()
    expect(choice).to_have_attribute("aria-pressed", "true")
    # The other buttons of that turn are spent too.
    for other in offer.get_by_role("button").all():
        expect(other).to_be_disabled()
    screenshot(page, "desktop-quick-reply")


def test_a_callback_request_through_the_widget_is_stored(page, site, assistant):
    open_widget(page, site)
    assert "What name" in ask(page, "can someone from your team call me?")
    assert "phone number" in ask(page, "Dana Whitfield")
    assert "best time" in ask(page, "(619) 555-0142")
    before = turns_answered(page)
    last_turn(page).get_by_role("button", name="Evening").click()
    assert "anything you'd like the team to know" in wait_for_reply(page, before)
    before = turns_answered(page)
    last_turn(page).get_by_role("button", name="Nothing to add").click()
    assert "agree" in wait_for_reply(page, before)
    before = turns_answered(page)
    last_turn(page).get_by_role("button", name="Yes, I agree").click()
    summary = wait_for_reply(page, before)
    assert "Dana Whitfield" in summary and "(619) 555-0142" in summary
    assert stored_requests(assistant, sender_id(page)) == [], "nothing stored before the visitor confirms"
    confirmation = ask(page, "yes")
    assert re.search(r"CB-[2-9A-HJKMNP-Z]{6}", confirmation)
    assert stored_requests(assistant, sender_id(page)) == [("Dana Whitfield", "+16195550142", "Evening")]
    screenshot(page, "desktop-callback")


def test_the_conversation_survives_a_reload_and_moving_to_another_page(page, site):
    open_widget(page, site)
    ask(page, "how many days a week is IOP?")
    sender = sender_id(page)
    page.reload()
    expect(panel(page)).to_be_visible()  # still open, as the visitor left it
    expect(log(page)).to_contain_text("how many days a week is IOP?")
    expect(log(page).locator(".iop-disclaimer")).to_have_count(2)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Levels of care").click()
    expect(page).to_have_url(re.compile(r"/levels-of-care$"))
    expect(log(page)).to_contain_text("how many days a week is IOP?")
    assert sender_id(page) == sender
    # The same conversation on the server too: a follow-up uses its context.
    assert "partial hospitalization" in ask(page, "and how is that different from PHP?").lower()


def test_start_over_begins_a_new_conversation(page, site):
    open_widget(page, site)
    ask(page, "what is residential treatment?")
    first = sender_id(page)
    panel(page).get_by_role("button", name="Start over").click()
    expect(log(page)).not_to_contain_text("residential treatment?")
    expect(log(page).locator(".iop-turn")).to_have_count(1)  # the opening message only
    expect(message_box(page)).to_be_focused()
    assert sender_id(page) != first
    page.reload()
    expect(log(page)).not_to_contain_text("residential treatment?")


def test_the_server_hands_out_the_conversation_and_its_token(page, site):
    open_widget(page, site)
    assert saved_state(page)["token"] is None, "no conversation before the first message"
    ask(page, "what is residential treatment?")
    state = saved_state(page)
    assert ownership.WEBSITE_ID.fullmatch(state["sender"]) and state["token"]


def test_an_expired_token_is_renewed_and_the_conversation_goes_on(page, site, assistant):
    open_widget(page, site)
    ask(page, "what is partial hospitalization?")
    sender = sender_id(page)
    with mock.patch("time.time", return_value=time.time() - ownership.DEFAULT_TOKEN_TTL - 600):
        expired = ownership.issue_token(sender, assistant.secret.encode())
    replace_token(page, expired)
    page.reload()
    # The conversation is back on screen before the next question (ask() counts the turns shown).
    expect(log(page).locator(".iop-disclaimer")).to_have_count(2)
    # Answered in the same conversation: "that" is still partial hospitalization.
    assert "seven days a week" in ask(page, "how many days a week is that?")
    assert sender_id(page) == sender and saved_state(page)["token"] != expired
    assert not page.locator(".iop-failed").count()


def test_a_token_the_server_no_longer_accepts_starts_a_new_conversation(page, site):
    open_widget(page, site)
    ask(page, "what is residential treatment?")
    first = sender_id(page)
    replace_token(page, ownership.issue_token(first, b"a secret from before a key change" * 2))
    page.reload()
    assert "five days a week" in ask(page, "what is an intensive outpatient program?")
    assert sender_id(page) != first, "a new conversation, since the old one can't be proven ours"


def test_a_deleted_conversation_is_gone_from_the_page_and_the_server(page, site, assistant):
    open_widget(page, site)
    ask(page, "my daughter has been using pills, what is residential treatment?")
    sender = sender_id(page)
    assert "can't be undone" in ask(page, "please delete this conversation")
    last_turn(page).get_by_role("button", name="Yes, delete it").click()
    expect(last_turn(page)).to_contain_text("has been deleted")
    expect(log(page)).not_to_contain_text("my daughter")
    expect(log(page).locator(".iop-turn")).to_have_count(2)  # the opening message, and the reply
    assert saved_state(page)["sender"] is None, "the widget forgot the conversation too"
    page.reload()
    expect(log(page)).not_to_contain_text("my daughter")
    with sqlite3.connect(assistant.database_url.replace("sqlite:///", "")) as db:
        assert db.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0] == 0


def test_form_answers_are_not_kept_in_browser_storage(page, site):
    open_widget(page, site)
    assert "What name" in ask(page, "can someone from your team call me?")
    assert "phone number" in ask(page, "Dana Whitfield")
    assert "best time" in ask(page, "(619) 555-0142")
    stored = page.evaluate("() => JSON.stringify(sessionStorage)")
    assert "Dana" not in stored and "555-0142" not in stored and "can someone from your team" in stored
    page.reload()
    expect(log(page)).not_to_contain_text("Dana Whitfield")
    expect(log(page)).to_contain_text("your answer isn't kept in this browser")
    expect(log(page)).to_contain_text("can someone from your team call me?")


# As a site would embed it: data-storage="local" data-keep-days="1" on the
# script tag (set here on the demo website's tag before the deferred script runs).
LOCAL_STORAGE_EMBED = """
new MutationObserver((changes, observer) => {
  const tag = document.querySelector('script[src$="iop-chat.js"]');
  if (tag) { tag.dataset.storage = 'local'; tag.dataset.keepDays = '1'; observer.disconnect(); }
}).observe(document, {childList: true, subtree: true});
"""


def test_local_storage_expires_after_the_configured_days(page, site):
    page.add_init_script(LOCAL_STORAGE_EMBED)
    open_widget(page, site)
    ask(page, "what is residential treatment?")
    page.reload()
    expect(log(page)).to_contain_text("residential treatment?")  # kept, in localStorage
    assert page.evaluate("() => Object.keys(localStorage).some(k => k.startsWith('iop-chat:v1:'))")
    page.evaluate("""() => {
        const key = Object.keys(localStorage).find(k => k.startsWith('iop-chat:v1:'));
        const state = JSON.parse(localStorage.getItem(key));
        state.savedAt = Date.now() - 2 * 86400000;  // its last message, two days ago
        localStorage.setItem(key, JSON.stringify(state));
    }""")
    page.reload()
    launcher(page).click()
    expect(log(page).locator(".iop-turn")).to_have_count(1)  # the opening message only
    expect(log(page)).not_to_contain_text("residential treatment?")


def test_html_from_the_visitor_is_shown_as_text(page, site):
    open_widget(page, site)
    attack = "<img src=x onerror=alert(1)>"
    ask(page, attack)
    expect(log(page).locator(".iop-user").last).to_have_text(f"You: {attack}")
    assert log(page).locator("img").count() == 0
    page.reload()  # and again when the history is rebuilt from storage
    expect(log(page).locator(".iop-user").last).to_have_text(f"You: {attack}")
    assert log(page).locator("img").count() == 0
    assert page.errors == [], "no alert() dialog, no script error"


def test_a_crisis_message_gets_a_distinct_reply_with_tap_to_call_links(page, site):
    open_widget(page, site)
    ask(page, "I want to kill myself")
    card = last_turn(page).locator(".iop-crisis")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Help is available now")
    hrefs = card.locator(".iop-crisis-actions a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert {"tel:988", "sms:988", "tel:911", "tel:+18006624357"} <= set(hrefs)
    # Framed, unlike the ordinary bubbles (the opening message is one).
    frame = "e => getComputedStyle(e).borderTopStyle"
    assert card.evaluate(frame) == "solid"
    assert log(page).locator(".iop-bot").first.evaluate(frame) == "none"
    expect(last_turn(page).locator(".iop-disclaimer")).to_have_text(DISCLAIMER)
    screenshot(page, "desktop-crisis")


def test_keyboard_only(page, site):
    page.goto(site)
    page.keyboard.press("Tab")
    for _ in range(12):  # tab through the page's own links to the launcher
        if launcher(page).evaluate("b => b.getRootNode().activeElement === b"):
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(panel(page)).to_be_visible()
    expect(message_box(page)).to_be_focused()
    page.keyboard.type("what can you do")
    before = turns_answered(page)
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    # Back from the message box to the last quick reply, and choose it with the keyboard.
    page.keyboard.press("Shift+Tab")
    focused = page.evaluate("() => document.activeElement.shadowRoot.activeElement.textContent")
    assert focused == "Talk to admissions"
    outline = page.evaluate("() => getComputedStyle(document.activeElement.shadowRoot.activeElement).outlineStyle")
    assert outline != "none", "the focused control shows a visible focus ring"
    before = turns_answered(page)
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    expect(log(page).locator(".iop-user").last).to_contain_text(focused)
    page.keyboard.press("Escape")
    expect(panel(page)).to_be_hidden()
    assert launcher(page).evaluate("b => b.getRootNode().activeElement === b"), "focus returns to the launcher"


def test_accessible_structure_and_contrast(page, site):
    open_widget(page, site)
    ask(page, "hi")
    expect(log(page)).to_have_attribute("aria-live", "polite")
    for name in ("Close chat", "Start over", "Send"):
        expect(panel(page).get_by_role("button", name=name)).to_be_visible()
    ratios = page.evaluate(CONTRAST_SCRIPT)
    low = {name: ratio for name, ratio in ratios.items() if ratio < 4.5}
    assert not low, f"WCAG AA needs 4.5:1, got {low}"


def test_phone_screen(phone_page, site):
    open_widget(phone_page, site)
    ask(phone_page, "what happens at the start of IOP?")
    box = panel(phone_page).bounding_box()
    assert box["width"] == 360 and box["x"] == 0, "the panel takes the whole width of a 360 px screen"
    assert phone_page.evaluate("() => document.documentElement.scrollWidth") <= 360, "no sideways scrolling"
    expect(message_box(phone_page)).to_be_in_viewport()
    screenshot(phone_page, "phone-answer")
    phone_page.get_by_role("button", name="Close chat").click()
    expect(launcher(phone_page)).to_be_in_viewport()


def test_when_the_assistant_is_down_the_visitor_gets_the_phone_number_and_a_retry(page, site, assistant):
    open_widget(page, site)
    ask(page, "hello")
    assistant.rasa.stop()
    try:
        message_box(page).fill("what is partial hospitalization?")
        message_box(page).press("Enter")
        notice = log(page).get_by_role("alert")
        expect(notice).to_contain_text("can't be reached")
        expect(notice).to_contain_text(PHONE)
        expect(notice.get_by_role("link", name=PHONE)).to_have_attribute("href", "tel:" + knowledge.clinic().phone_e164)
        expect(log(page).locator(".iop-failed")).to_contain_text("what is partial hospitalization?")
        screenshot(page, "desktop-offline")
    finally:
        assistant.start_rasa()
    before = turns_answered(page)
    notice.get_by_role("button", name="Try again").click()
    answer = wait_for_reply(page, before)
    assert "partial hospitalization" in answer.lower()
    expect(log(page).get_by_role("alert")).to_have_count(0)
    expect(log(page).locator(".iop-failed")).to_have_count(0)


# Contrast ratios (WCAG 2.x) of the widget's text against what is behind it,
# read from the rendered styles.
CONTRAST_SCRIPT = """() => {
  const root = document.querySelector('#iop-chat').shadowRoot;
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = e => { for (; e; e = e.parentElement || (e.getRootNode() && e.getRootNode().host)) {
      const c = getComputedStyle(e).backgroundColor; if (!/rgba\\(.*, 0\\)$/.test(c) && c !== 'transparent') return c; }
      return 'rgb(255, 255, 255)'; };
  const ratio = e => { const a = lum(getComputedStyle(e).color), b = lum(background(e));
                       return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
  const pick = s => root.querySelector(s);
  const out = {};
  for (const [name, selector] of Object.entries({
      title: '.iop-title', user: '.iop-user', bot: '.iop-bot p', disclaimer: '.iop-disclaimer',
      quick_reply: '.iop-quick-reply:not(:disabled)', send: '.iop-send', input: '.iop-input' })) {
    const e = pick(selector); if (e) out[name] = Math.round(ratio(e) * 100) / 100;
  }
  return out;
}"""
