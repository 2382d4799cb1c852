"""The project's database: where conversations (Rasa's tracker store) and callback
requests live. One setting, DATABASE_URL, chooses it for every process."""
import os

# SQLite file under var/ unless DATABASE_URL names another database, e.g.
# postgresql://iop:secret@127.0.0.1:5432/iop
DEFAULT_DATABASE_URL = "sqlite:///var/iop.db"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
