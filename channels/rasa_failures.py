"""Errors Rasa logs and carries on from, noticed per turn: a reply that can't be trusted.

Rasa 3.6 keeps going when a custom action fails or the database refuses a write; it logs an
error and answers anyway. The REST channel (a whole turn) and the handoff code (resuming a
conversation) watch those loggers while they work, and treat what they did as failed.
"""
from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar
from typing import Iterator, List, Optional


# Rasa carries on when a custom action fails (the action server is down, or
# an action raised): it logs an error and answers without that action, often
# with a misleading "I didn't understand". These are the loggers it reports
# such failures on; an error logged there during a turn marks the turn's reply
# as untrustworthy. Watching the turn itself costs nothing per message (a
# health check request per turn did, and read a busy action server as a
# dead one under load), and turns that need no custom action still get their
# real answer while the action server is down. Rasa also carries on when the
# database is away: its FailSafeTrackerStore logs the error and keeps the
# conversation in memory, where it is lost at the next turn; a reply then
# would be a false "got it" (or "saved"), so it is the apology too.
RASA_FAILURE_LOGGERS = ("rasa.core.processor", "rasa.core.actions.action", "rasa.core.tracker_store")
_turn_failures: ContextVar[Optional[List[str]]] = ContextVar("turn_failures", default=None)


class TurnFailureWatch(logging.Filter):
    """Notes errors Rasa logs while the current request's turn runs (per asyncio task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        failures = _turn_failures.get()
        if failures is not None and record.levelno >= logging.ERROR:
            failures.append(record.name)
        return True  # the record is still logged as usual


def watch_rasa_failures() -> None:
    for name in RASA_FAILURE_LOGGERS:
        rasa_logger = logging.getLogger(name)
        if not any(isinstance(existing, TurnFailureWatch) for existing in rasa_logger.filters):
            rasa_logger.addFilter(TurnFailureWatch())


@contextlib.contextmanager
def failures_noticed() -> Iterator[List[str]]:
    """The names of the Rasa loggers that reported an error in this block (this asyncio task only)."""
    watch_rasa_failures()
    failures: List[str] = []
    watching = _turn_failures.set(failures)
    try:
        yield failures
    finally:
        _turn_failures.reset(watching)
