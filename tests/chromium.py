"""Debian's Chromium, driven by Playwright, for every browser test (shared/design.md, "Platform facts").

`make test` installs the `chromium` package; Playwright's own browser
download does not work on these machines. Without the background-networking
flags Chromium keeps trying to reach Google's hosts through a closed network.
"""
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def launch(playwright):
    """A headless Chromium browser from a running sync_playwright()."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium).")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)


def log_in_to_staff_app(page, url: str, username: str, password: str, then: str = "") -> None:
    """Log in to the staff app at `url` as a person does: open a page (`then`, or the login page
    itself), fill the login form it shows, and wait for the page after it."""
    page.goto(url + (then or "/login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button:has-text('Log in')")
    if then:
        page.wait_for_url("**" + then)
