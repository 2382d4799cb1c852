"""What a visitor does with the widget, in Playwright terms.

Locators use roles and labels, as a screen reader would find the controls;
Playwright's CSS and role selectors see inside the widget's (open) shadow root.
"""
from playwright.sync_api import Page, expect

import knowledge

DISCLAIMER = knowledge.disclaimer()


def launcher(page: Page):
    return page.get_by_role("button", name="Open chat")


def panel(page: Page):
    return page.get_by_role("dialog", name="Questions about treatment?")


def message_box(page: Page):
    return page.get_by_role("textbox", name="Your message")


def log(page: Page):
    return page.get_by_role("log", name="Conversation")


def open_widget(page: Page, url: str) -> None:
    page.goto(url)
    launcher(page).click()
    expect(panel(page)).to_be_visible()
    expect(log(page).locator(".iop-disclaimer")).to_have_count(1)  # the opening message's small print


def turns_answered(page: Page) -> int:
    """Bot turns on screen: each ends with exactly one disclaimer line."""
    return log(page).locator(".iop-disclaimer").count()


def ask(page: Page, text: str) -> str:
    """Type a message, send it with Enter, wait for the reply; the reply turn's text."""
    before = turns_answered(page)
    message_box(page).fill(text)
    message_box(page).press("Enter")
    return wait_for_reply(page, before)


# How long a test waits for the bot's reply. Playwright's 5 s default is too
# short for the first turn after the Rasa server restarts on a busy 2-core CI
# machine (the model warms up on that turn); speed is measured by `make bench`.
REPLY_TIMEOUT_MS = 30_000


def wait_for_reply(page: Page, before: int) -> str:
    expect(log(page).locator(".iop-disclaimer")).to_have_count(before + 1, timeout=REPLY_TIMEOUT_MS)
    return last_turn(page).inner_text()


def last_turn(page: Page):
    return log(page).locator(".iop-turn").last


SAVED_STATE = "() => JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage).find(k => k.startsWith('iop-chat:v1:'))))"


def saved_state(page: Page) -> dict:
    """What the widget keeps in the tab's storage: the transcript, the conversation id and its token."""
    return page.evaluate(SAVED_STATE)


def sender_id(page: Page) -> str:
    return saved_state(page)["sender"]


def replace_token(page: Page, token: str) -> None:
    """As if the tab had kept an older token (the visitor came back later)."""
    page.evaluate(
        """token => {
            const key = Object.keys(sessionStorage).find(k => k.startsWith('iop-chat:v1:'));
            const state = JSON.parse(sessionStorage.getItem(key));
            state.token = token;
            sessionStorage.setItem(key, JSON.stringify(state));
        }""",
        token,
    )
