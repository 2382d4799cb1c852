import uuid

import pytest

from tests.servers import Assistant


@pytest.fixture(scope="session")
def assistant(tmp_path_factory):
    """The real assistant on loopback, with its own SQLite database."""
    workdir = tmp_path_factory.mktemp("assistant")
    server = Assistant(workdir, f"sqlite:///{workdir / 'iop.db'}").start()
    yield server
    server.stop()


@pytest.fixture
def sender():
    """A fresh conversation id."""
    return f"test-{uuid.uuid4().hex[:12]}"
