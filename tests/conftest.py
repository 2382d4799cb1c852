import uuid

import pytest

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
