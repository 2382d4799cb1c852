"""make run's supervisor (scripts/supervisor.py) with real processes: a part that stops is
started again after its back-off; a configuration error (exit code 2) stops everything."""
import sys
import time

from scripts.serve import start, stop
from scripts.supervisor import Supervisor


def run_until(supervisor, said, text, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not any(text in line for line in said):
        assert supervisor.check() is None
        assert time.monotonic() < deadline, said
        time.sleep(0.1)


def test_a_part_that_stops_is_started_again_after_a_back_off():
    said = []
    supervisor = Supervisor(start, say=said.append)
    crashing = supervisor.start("flaky part", [sys.executable, "-c", "import sys; sys.exit(1)"], {})
    steady = supervisor.start("steady part", [sys.executable, "-c", "import time; time.sleep(60)"], {})
    try:
        run_until(supervisor, said, "The flaky part stopped (exit code 1); starting it again in 2 s.")
        stopped_at = time.monotonic()
        run_until(supervisor, said, "The flaky part is starting again.")
        assert time.monotonic() - stopped_at >= 1.9
        assert supervisor.parts[0].process is not crashing, "a new process"
        run_until(supervisor, said, "starting it again in 4 s", timeout=10)  # crashed quickly again: a longer wait
        assert steady.poll() is None and not any("steady part" in line for line in said)
    finally:
        stop(supervisor.processes)


def test_a_configuration_error_stops_everything():
    said = []
    supervisor = Supervisor(start, say=said.append)
    supervisor.start("alert worker", [sys.executable, "-c", "import sys; sys.exit(2)"], {})
    try:
        deadline, reason = time.monotonic() + 15, None
        while reason is None and time.monotonic() < deadline:
            reason = supervisor.check()
            time.sleep(0.1)
        assert reason == "The alert worker refused its configuration (see its message above); stopping the others."
        assert said == [], "not started again"
    finally:
        stop(supervisor.processes)
