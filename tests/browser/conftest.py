"""The demo website and headless Chromium (tests/chromium.py), for the widget's
browser tests. The website runs as `make run` runs it, pointed at the
session's real assistant, whose CORS allows this site's origin only.
"""
import os
import sys
from pathlib import Path

import pytest

from tests.clinics import open_around_the_clock
from tests.servers import ROOT, Assistant, Server, free_port, wait_for

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


# A clinic whose team is in at every hour, its assistant and its demo site: for the live
# handoff's browser tests (test_handoff_widget.py, test_live_handoff.py), started once.
@pytest.fixture(scope="session")
def open_clinic(tmp_path_factory) -> Path:
    """The clinic file, with the admissions team in at every hour of every day."""
    return open_around_the_clock(tmp_path_factory.mktemp("open-clinic"))


@pytest.fixture(scope="session")
def live_site_port():
    return free_port()


@pytest.fixture(scope="session")
def live_assistant(tmp_path_factory, open_clinic, live_site_port):
    workdir = tmp_path_factory.mktemp("handoff-assistant")
    origins = [f"http://localhost:{live_site_port}", f"http://127.0.0.1:{live_site_port}"]
    server = Assistant(
        workdir, f"sqlite:///{workdir / 'iop.db'}", cors_origins=origins, env={"IOP_CLINIC_FILE": str(open_clinic)}
    ).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_site(live_assistant, live_site_port, open_clinic, tmp_path_factory):
    log_file = tmp_path_factory.mktemp("handoff-site") / "site.log"
    server = Server(
        [sys.executable, "-m", "demo_site.server", "--port", str(live_site_port),
         "--assistant-url", f"http://localhost:{live_assistant.rasa_port}"],
        {**os.environ, "PYTHONPATH": str(ROOT), "IOP_CLINIC_FILE": str(open_clinic)},
        log_file,
    )
    server.start()
    wait_for(f"http://127.0.0.1:{live_site_port}/", server.process, 60, log_file)
    yield f"http://localhost:{live_site_port}"
    server.stop()
