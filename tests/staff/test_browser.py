"""A reviewer's round in a real browser (Debian's Chromium driven by Playwright):
log in, filter to crisis conversations, open one, mark it reviewed, take its
callback request and log a call, export it."""
from __future__ import annotations

import json

import pytest

from staff_review.exports import pseudonym
from tests.chromium import launch, log_in_to_staff_app
from tests.staff.conftest import PASSWORDS

@pytest.fixture
def page(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900})
        page = context.new_page()
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        yield page
        assert dialogs == [], "no script from a transcript may run"
        browser.close()


def test_review_round_in_a_browser(staff_app, conversations, page, tmp_path):
    page.goto(staff_app.url + "/conversations")
    assert "/login" in page.url
    page.fill("input[name=username]", "reviewer")
    page.fill("input[name=password]", PASSWORDS["reviewer"])
    page.click("button:has-text('Log in')")
    page.wait_for_url("**/conversations")

    page.select_option("select[name=flag]", "crisis")
    page.click("button:has-text('Filter')")
    page.wait_for_url("**flag=crisis**")
    rows = page.locator("table.list tbody tr")
    assert rows.count() >= 3
    for index in range(rows.count()):
        assert "crisis" in rows.nth(index).locator("td.flags").inner_text()
    assert page.locator(f"a:text-is('{conversations.plain}')").count() == 0

    page.click(f"a:text-is('{conversations.walkthrough}')")
    page.wait_for_selector(".bubble.user")
    assert page.locator(".bubble.user .text").first.inner_text() == "please call me"
    assert page.locator(".badge.crisis").count() >= 1

    page.click("button:has-text('Mark reviewed')")
    page.wait_for_selector("text=Marked as reviewed.")
    assert page.locator("text=Reviewed by reviewer").count() == 1

    # The transcript offers the queue's actions: take the request, then log a call.
    page.click(".callback button:has-text('Take')")
    page.wait_for_selector("text=You have taken")
    page.select_option(".callback select[name=outcome]", "no_answer")
    page.click(".callback button:has-text('Log call')")
    page.wait_for_selector("text=No answer recorded.")

    with page.expect_download() as download_info:
        page.click("a:text-is('JSON, redacted')")
    path = tmp_path / "export.json"
    download_info.value.save_as(path)
    document = json.loads(path.read_text())
    assert document["redacted"] is True
    text = json.dumps(document)
    assert "Alex" not in text and "555-0188" not in text
    assert document["conversations"][0]["conversation_id"] == pseudonym(conversations.walkthrough, staff_app.secret_key)

    # Back in the list, it shows as reviewed.
    page.goto(staff_app.url + "/conversations?reviewed=yes&flag=crisis")
    assert page.locator(f"a:text-is('{conversations.walkthrough}')").count() == 1
    page.screenshot(path=str(tmp_path / "list.png"))


def test_two_factor_login_end_to_end(staff_app, assistant, page):
    """Enrol with the QR page's key, then log in with a code; a wrong or reused code is refused."""
    import time
    import uuid

    import pyotp

    from tests.staff.conftest import run_cli

    username, password = f"tf{uuid.uuid4().hex[:8]}", "two-factor-password-1"
    assert run_cli(assistant.database_url, "create", username, "--password-stdin", stdin=password + "\n").returncode == 0
    log_in_to_staff_app(page, staff_app.url, username, password)
    assert page.url.endswith("/conversations")
    page.click("nav a:text-is('Two-factor')")
    assert page.locator("img.qr").get_attribute("src").startswith("data:image/svg+xml")
    secret = page.locator("code.totp-secret").inner_text().strip()
    totp = pyotp.TOTP(secret)
    page.fill("input[name=code]", "000000" if totp.now() != "000000" else "111111")
    page.click("button:has-text('Turn it on')")
    assert "isn't right" in page.locator(".flash").inner_text(), "not on before a right code"
    enrol_code = totp.now()
    page.fill("input[name=code]", enrol_code)
    page.click("button:has-text('Turn it on')")
    assert "Two-factor login is on" in page.locator(".flash").inner_text()
    page.click("button:has-text('Log out')")

    log_in_to_staff_app(page, staff_app.url, username, password)
    assert page.url.endswith("/login/code")
    assert page.locator("header nav").count() == 0, "the password alone opens nothing"
    page.goto(staff_app.url + "/conversations")
    assert "/login" in page.url
    log_in_to_staff_app(page, staff_app.url, username, password)
    assert page.url.endswith("/login/code")
    page.fill("input[name=code]", "123456" if totp.now() != "123456" else "654321")
    page.click("button:has-text('Log in')")
    assert "isn't right" in page.locator(".error").inner_text()
    # The enrolment used up its code: the login takes the next one (and not in a step's last seconds).
    while totp.now() == enrol_code or int(time.time()) % 30 > 26:
        time.sleep(0.5)
    code = totp.now()
    page.fill("input[name=code]", code)
    with page.expect_navigation():
        page.click("button:has-text('Log in')")
    assert page.url.endswith("/conversations") and page.locator("header nav").count() == 1
    page.click("button:has-text('Log out')")
    # The same code, again: used up.
    log_in_to_staff_app(page, staff_app.url, username, password)
    assert page.url.endswith("/login/code")
    page.fill("input[name=code]", code)
    page.click("button:has-text('Log in')")
    assert "already used" in page.locator(".error").inner_text()
