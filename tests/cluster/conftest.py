"""The local cluster (scripts/cluster.py): PostgreSQL, Redis, two Rasa replicas with their action
servers, nginx in front; started once for the cluster tests, in a directory under /tmp (the
postgres user must be able to enter it)."""
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest

from scripts.cluster import Cluster
from tests.servers import MACHINE_SPEED_LIMITS, model_path


@pytest.fixture(scope="module")
def cluster():
    directory = Path(tempfile.mkdtemp(prefix="iop-cluster-", dir="/tmp"))
    secret = secrets.token_hex(32)
    started = Cluster(directory, model_path(), replicas=2,
                      extra_env={"CONVERSATION_SECRET": secret, **MACHINE_SPEED_LIMITS}, say=lambda line: None)
    started.secret = secret
    try:
        yield started.start().watch()
    finally:
        started.stop()
        shutil.rmtree(directory, ignore_errors=True)
