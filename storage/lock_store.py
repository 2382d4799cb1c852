"""AtomicRedisLockStore: Rasa's Redis lock store, safe when replicas change a lock at once.

Rasa 3.6's RedisLockStore keeps a conversation's ticket lock as one JSON value
and changes it by read-modify-write with no Redis transaction: issuing a ticket
(get, issue, save), tidying while a replica waits (`update_lock`), and finishing
(`finish_serving`, then `delete_lock`). Two replicas doing so at the same moment
can save over each other's ticket, or delete the lock while the other's ticket
still waits; the waiting replica then finds no lock, raises LockError, and its
message is answered with the apology and never stored (seen on a fresh clone:
tests/cluster/test_faults.py; Rasa's own issue RasaHQ/rasa#9213). Here each of
those changes runs under a short per-conversation Redis mutex (redis-py's Lock:
SET NX PX with a token), so they happen one after another. The keys and the
lock's format are Rasa's own: replicas of this class and of Rasa's can share
one Redis only at the old risk.
"""
from __future__ import annotations

from typing import Any, Text

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# A lock change takes a millisecond or two; a replica that died holding the mutex
# frees it after this long.
MUTEX_SECONDS = 5
MUTEX_POLL_SECONDS = 0.002


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa builds a custom lock store from its endpoint config alone (endpoints.yml).
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _mutex(self, conversation_id: Text) -> Any:
        return self.red.lock(
            f"{self.key_prefix}{conversation_id}:mutex",
            timeout=MUTEX_SECONDS,
            sleep=MUTEX_POLL_SECONDS,
            blocking_timeout=MUTEX_SECONDS,
        )

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
