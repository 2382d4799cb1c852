"""Rasa's SQL tracker store, configured by one database URL instead of its separate fields.

endpoints.yml names this class; the URL comes from DATABASE_URL (see
storage/__init__.py). Rasa's own SQLTrackerStore does the work: table `events`,
one row per event, so conversations survive a restart of the server.

Its engine hides bound parameters in error messages, as the project's own
engine does (storage/__init__.py): a failed insert would otherwise print an
event's data (names, phone numbers, what was said) into the log.
"""
from typing import Any, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

from storage import database_url


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
