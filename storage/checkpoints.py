"""The `tracker_checkpoints` table (revision 0007): a long conversation's state as of one event.

Written and read by the tracker store (storage/tracker_store.py), which explains why; declared
here, apart from Rasa's imports, so migrations and the erase tool can name it cheaply.
"""
import sqlalchemy as sa

metadata = sa.MetaData()

tracker_checkpoints = sa.Table(
    "tracker_checkpoints",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("through_id", sa.Integer, nullable=False),  # the last event (events.id) the state covers
    sa.Column("state", sa.Text, nullable=False),  # JSON: the events that put a fresh tracker in that state
)
