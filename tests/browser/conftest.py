"""The demo website and headless Chromium (tests/chromium.py), for the widget's
browser tests. The website runs as `make run` runs it, pointed at the
session's real assistant, whose CORS allows this site's origin only.
"""
import os
import sys

import pytest

from tests.servers import ROOT, Server, wait_for

SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def site(assistant, site_port, tmp_path_factory):
    """The demo website's address, as a newcomer opens it (http://localhost:PORT)."""
    log = tmp_path_factory.mktemp("site") / "site.log"
    server = Server(
        [
            sys.executable, "-m", "demo_site.server", "--port", str(site_port),
            "--assistant-url", f"http://localhost:{assistant.rasa_port}",
        ],
        {**os.environ, "PYTHONPATH": str(ROOT)},
        log,
    )
    server.start()
    wait_for(f"http://127.0.0.1:{site_port}/", server.process, 60, log)
    yield f"http://localhost:{site_port}"
    server.stop()


def new_page(browser, viewport=DESKTOP):
    """A fresh visitor: its own storage, every page error and console error kept for the test."""
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("dialog", lambda dialog: (page.errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    return page


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()


@pytest.fixture
def phone_page(browser):
    page = new_page(browser, PHONE)
    yield page
    page.context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
