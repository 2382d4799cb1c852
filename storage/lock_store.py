"""AtomicRedisLockStore: Rasa's Redis lock store, safe when replicas change a lock at once.

Rasa 3.6's RedisLockStore keeps a conversation's ticket lock as one JSON value
and changes it by read-modify-write with no Redis transaction: issuing a ticket
(get, issue, save), tidying while a replica waits (`update_lock`), and finishing
(`finish_serving`, then `delete_lock`). Two replicas doing so at the same moment
can save over each other's ticket, or delete the lock while the other's ticket
still waits; the waiting replica then finds no lock, raises LockError, and its
message is answered with the apology and never stored (seen on a fresh clone:
tests/cluster/test_faults.py; Rasa's own issue RasaHQ/rasa#9213).

Here each of those changes is one optimistic Redis transaction (WATCH the
lock's key, read it, change it, MULTI/EXEC the write; redis-py retries when
another replica changed the key in between). Nothing waits on a mutex, so no
replica can stall the others by dying mid-change, and nothing sleeps inside
Rasa's event loop. The keys and the lock's format are Rasa's own: replicas of
this class and of Rasa's can share one Redis only at the old risk.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Optional, Text, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# What one change does to the lock: (its result, the lock to save, or None to delete it).
Change = Callable[[Optional[TicketLock]], Tuple[Any, Optional[TicketLock]]]


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa builds a custom lock store from its endpoint config alone (endpoints.yml).
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _change(self, conversation_id: Text, change: Change) -> Any:
        key = self.key_prefix + conversation_id

        def attempt(pipe: Any) -> Any:
            stored = pipe.get(key)  # immediate: the key is being watched
            lock = TicketLock.from_dict(json.loads(stored)) if stored else None
            result, changed = change(lock)
            pipe.multi()
            if changed is None:
                pipe.delete(key)
            else:
                pipe.set(key, changed.dumps())
            return result

        return self.red.transaction(attempt, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]) -> Tuple[int, TicketLock]:
            lock = lock or self.create_lock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock

        try:
            return self._change(conversation_id, issue)
        except Exception as error:  # as Rasa's own issue_ticket reports it
            raise LockError(f"Error while acquiring lock. Error:\n{error}")

    def update_lock(self, conversation_id: Text) -> None:
        def tidy(lock: Optional[TicketLock]) -> Tuple[None, Optional[TicketLock]]:
            if lock:
                lock.remove_expired_tickets()
            return None, lock

        self._change(conversation_id, tidy)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Finish serving `ticket_number`, and delete the lock when no one else waits."""

        def finish(lock: Optional[TicketLock]) -> Tuple[None, Optional[TicketLock]]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return None, lock if lock and lock.is_someone_waiting() else None

        self._change(conversation_id, finish)
