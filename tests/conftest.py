import uuid

import pytest

from tests.chromium import launch
from tests.servers import Assistant, free_port


@pytest.fixture(scope="session")
def site_port():
    """The port of the demo website (tests/browser), chosen first: the Rasa server's CORS allows it."""
    return free_port()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory, site_port):
    """The real assistant on loopback, with its own SQLite database."""
    workdir = tmp_path_factory.mktemp("assistant")
    origins = [f"http://localhost:{site_port}", f"http://127.0.0.1:{site_port}"]
    server = Assistant(workdir, f"sqlite:///{workdir / 'iop.db'}", cors_origins=origins).start()
    yield server
    server.stop()


@pytest.fixture
def sender():
    """A fresh conversation id."""
    return f"test-{uuid.uuid4().hex[:12]}"


# Module scope, not session: Playwright's sync API keeps an event loop running
# in this thread while it is open, and pytest-asyncio's tests elsewhere in the
# session can't start theirs until it is closed.
@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (tests/chromium.py), for every browser test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()
