"""Rasa's SQL tracker store, configured by one database URL, with a turn cost that doesn't grow.

endpoints.yml names this class; the URL comes from DATABASE_URL (see
storage/__init__.py). Rasa's own SQLTrackerStore does the work: table `events`,
one row per event, so conversations survive a restart of the server.

**Why a window.** Rasa rebuilds a conversation's tracker from every event of
its current session at each turn, and its RulePolicy then featurizes all of
them: measured on one conversation, a reply took 64 ms over turns 1-50 and
600 ms over turns 351-400, so one long (or hostile) conversation slowed
everyone. Nothing the assistant decides needs more than the last few turns
(every flow is a short rule, config.yml) plus the conversation's state: its
slots, the active form, whether a person has it (paused). So once a session
holds more than `DEFAULT_CHECKPOINT_AFTER` events, the store writes a *checkpoint*
(`tracker_checkpoints`): that state as of an event id, computed once from the
events before it. `retrieve` then rebuilds the tracker from the checkpoint's
state (as SlotSet, ActiveLoop and ConversationPaused events) and the events
after it only: between `DEFAULT_KEEP_EVENTS` and `DEFAULT_CHECKPOINT_AFTER` events, whatever
the conversation's length. The events table itself is untouched: every event
is still stored, for the staff app and for Rasa's full-history API
(`retrieve_full_tracker`, unchanged). A conversation shorter than the
threshold is read exactly as Rasa reads it.

Rasa offers `max_event_history`, which caps the events a tracker keeps in
memory but still reads and replays them all; sessions (session_config) end only
with idle time, which a conversation that never pauses never reaches.

Its engine hides bound parameters in error messages, as the project's own
engine does (storage/__init__.py): a failed insert would otherwise print an
event's data (names, phone numbers, what was said) into the log.
"""
from __future__ import annotations

import json
import logging
import os
from typing import Any, Dict, List, Optional, Text, Tuple

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, ConversationPaused, Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from storage import database_url
from storage.checkpoints import tracker_checkpoints

logger = logging.getLogger(__name__)

# Events a tracker is rebuilt from, at most (TRACKER_CHECKPOINT_AFTER), and at
# least once a checkpoint exists (TRACKER_KEEP_EVENTS): a turn is 4-10 events,
# so the policies always see the last 4-10 turns, where the longest rule looks
# back 3 (tests/e2e/test_long_conversations.py plays whole flows with 6). A
# small window keeps turn 400 as cheap as turn 10; the checkpoint it costs is
# one replay of KEEP_EVENTS events every few turns.
DEFAULT_CHECKPOINT_AFTER = 80
DEFAULT_KEEP_EVENTS = 40

def _setting(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


# Where a tracker came from, kept on the tracker object between retrieve and save:
# the number of leading events that are the checkpoint's state (not stored rows),
# and the ids of the stored rows that follow, in order.
_PREFIX = "_iop_checkpoint_events"
_IDS = "_iop_event_ids"


class UrlSQLTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,  # endpoints.yml `url`, if any; DATABASE_URL otherwise
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        # SQLTrackerStore accepts a complete SQLAlchemy URL in `host`.
        super().__init__(domain=domain, host=host or database_url(), event_broker=event_broker)
        # Read when a statement fails (SQLAlchemy 1.4's Engine.hide_parameters).
        self.engine.hide_parameters = True
        self.checkpoint_after = _setting("TRACKER_CHECKPOINT_AFTER", DEFAULT_CHECKPOINT_AFTER)
        self.keep_events = min(_setting("TRACKER_KEEP_EVENTS", DEFAULT_KEEP_EVENTS), self.checkpoint_after)
        with self.engine.begin() as connection:
            # Rasa indexes sender_id alone; reading "this conversation's events after id N"
            # should not visit the conversation's older rows.
            connection.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_events_sender_id_id ON events (sender_id, id)"))

    # Reading -----------------------------------------------------------------------

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The tracker of the latest session, from its checkpoint when it has one."""
        with self.session_scope() as session:
            checkpoint = session.execute(
                sa.select(tracker_checkpoints.c.through_id, tracker_checkpoints.c.state)
                .where(tracker_checkpoints.c.sender_id == sender_id)
            ).first()
            if checkpoint:
                rows = (
                    session.query(self.SQLEvent.id, self.SQLEvent.data)
                    .filter(self.SQLEvent.sender_id == sender_id, self.SQLEvent.id > checkpoint.through_id)
                    .order_by(self.SQLEvent.id)
                    .all()
                )
                prefix = json.loads(checkpoint.state)
            else:
                rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).with_entities(
                    self.SQLEvent.id, self.SQLEvent.data
                ).all()
                prefix = []
        if not self.domain or not (rows or prefix):
            return None
        return self._tracker(sender_id, prefix, rows)

    def _tracker(self, sender_id: str, prefix: List[Dict[str, Any]], rows: List[Any]) -> DialogueStateTracker:
        events: List[Event] = [Event.from_parameters(data) for data in prefix]
        ids: List[int] = []
        for row in rows:
            event = Event.from_parameters(json.loads(row.data))
            if event is not None:  # as Rasa's own reading skips an event it can't read
                events.append(event)
                ids.append(row.id)
        tracker = DialogueStateTracker.from_events(sender_id, events, self.domain.slots)
        setattr(tracker, _PREFIX, len(prefix))
        setattr(tracker, _IDS, ids)
        return tracker

    # Writing -----------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        if not hasattr(tracker, _IDS):  # not read by this store (a new conversation): Rasa's way
            await super().save(tracker)
            return
        await self.stream_events(tracker)
        prefix, ids = getattr(tracker, _PREFIX), getattr(tracker, _IDS)
        events = list(tracker.events)
        new = events[prefix + len(ids):]
        with self.session_scope() as session:
            rows = [self._row(tracker.sender_id, event) for event in new]
            session.add_all(rows)
            session.flush()  # the new rows' ids
            ids = ids + [row.id for row in rows]
            if len(ids) > self.checkpoint_after:
                self._write_checkpoint(session, tracker.sender_id, events, prefix, ids)
            session.commit()
        # This tracker object may be saved again (a turn saves more than once).
        setattr(tracker, _IDS, ids)

    def _row(self, sender_id: str, event: Event) -> Any:
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
            action_name=data.get("name"),
            data=json.dumps(data),
        )

    def _write_checkpoint(self, session: Any, sender_id: str, events: List[Event], prefix: int, ids: List[int]) -> None:
        """The state as of all but the last `keep_events` stored events, replayed once here."""
        cut = len(ids) - self.keep_events  # stored events the checkpoint covers
        state = DialogueStateTracker.from_events(sender_id, events[: prefix + cut], self.domain.slots)
        values = json.dumps([event.as_dict() for event in state_events(state, self.domain)])
        through_id = ids[cut - 1]
        updated = session.execute(
            tracker_checkpoints.update().where(tracker_checkpoints.c.sender_id == sender_id)
            .values(through_id=through_id, state=values)
        ).rowcount
        if not updated:
            session.execute(tracker_checkpoints.insert().values(sender_id=sender_id, through_id=through_id, state=values))
        logger.debug("Checkpoint written (%d events covered).", cut)


def state_events(tracker: DialogueStateTracker, domain: Domain) -> List[Event]:
    """Events that put a fresh tracker in this tracker's state: its slots, active form and pause."""
    initial = {slot.name: slot.initial_value for slot in domain.slots}
    events: List[Event] = [
        SlotSet(name, value) for name, value in tracker.current_slot_values().items() if value != initial.get(name)
    ]
    if tracker.active_loop_name:
        events.append(ActiveLoop(tracker.active_loop_name))
    if tracker.is_paused():
        events.append(ConversationPaused())
    return events


def window(tracker: DialogueStateTracker) -> Tuple[int, int]:
    """(checkpoint events, stored events) a tracker was rebuilt from: for tests and benchmarks."""
    return getattr(tracker, _PREFIX, 0), len(getattr(tracker, _IDS, []))
