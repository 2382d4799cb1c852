"""Keep make run's (and make cluster's) servers running: a part that stops is started again, the others keep serving.

Before, one crashed server (the action server, say) made `scripts/serve.py` stop all of them:
the widget, the staff app, the Telegram bot and the crisis net went dark until someone
restarted everything. Now each part is started again after a back-off: 1 s if it had run a
minute, else doubling with each quick crash (2, 4, 8 ... 60 s), and the log says so. While a part is
down the others answer honestly: the REST channel's apology with the phone number and the
crisis lines when the action server is missing, the widget's own notice when Rasa is.

Exit code 2 is a part refusing its configuration (a malformed alert or Telegram setting):
restarting cannot fix that, so make run stops, as it always did, with the part's own message
in the log. `make cluster` (scripts/cluster.py) supervises its replicas, action servers, Redis
and nginx the same way; on real infrastructure, the platform's supervisor does (deploy/).
"""
from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

CONFIGURATION_ERROR = 2
LONGEST_WAIT = 60.0
STEADY_AFTER = 60.0  # a part that ran this long before stopping starts again at once (1 s)


@dataclass
class Part:
    """A server make run started, and how to start it again."""

    name: str
    command: List[str]
    env: Dict[str, str]
    log: Optional[Path]
    process: subprocess.Popen
    started_at: float
    quick_exits: int = 0
    restart_at: Optional[float] = None


class Supervisor:
    def __init__(self, start: Callable[[List[str], Dict[str, str], Optional[Path]], subprocess.Popen],
                 say: Callable[[str], None] = print) -> None:
        self._start = start
        self._say = say
        self.parts: List[Part] = []

    def start(self, name: str, command: List[str], env: Dict[str, str], log: Optional[Path] = None) -> subprocess.Popen:
        process = self._start(command, env, log)
        self.parts.append(Part(name, command, env, log, process, time.monotonic()))
        return process

    @property
    def processes(self) -> List[subprocess.Popen]:
        return [part.process for part in self.parts]

    def check(self) -> Optional[str]:
        """Restart what stopped (after its back-off); the reason to stop everything, if there is one."""
        now = time.monotonic()
        for part in self.parts:
            code = part.process.poll()
            if code is None:
                continue
            if code == CONFIGURATION_ERROR:
                return f"The {part.name} refused its configuration (see its message above); stopping the others."
            if part.restart_at is None:
                part.quick_exits = 0 if now - part.started_at >= STEADY_AFTER else part.quick_exits + 1
                wait = min(LONGEST_WAIT, 2.0 ** part.quick_exits)
                part.restart_at = now + wait
                self._say(f"The {part.name} stopped (exit code {code}); starting it again in {wait:.0f} s. "
                          "The other servers keep serving.")
            elif now >= part.restart_at:
                part.process = self._start(part.command, part.env, part.log)
                part.started_at, part.restart_at = now, None
                self._say(f"The {part.name} is starting again.")
        return None
