"""Alembic environment: the URL comes from storage.migrate (DATABASE_URL).

target_metadata names every table the migrations manage (storage.migrate.all_metadata),
so `alembic revision --autogenerate`
would not propose dropping any of them. Rasa's `events` table is Rasa's:
include_object keeps it out of any comparison.
"""
from alembic import context
from sqlalchemy import engine_from_config, pool

from storage.migrate import all_metadata


config = context.config
target_metadata = all_metadata()
RASA_TABLES = {"events"}
# Made by revision 0002 only where PostgreSQL's pg_trgm extension can be created.
OPTIONAL_INDEXES = {"ix_staff_messages_text_trgm"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    if type_ == "index" and name in OPTIONAL_INDEXES:
        return False
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return getattr(table, "name", name) not in RASA_TABLES


def run_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      include_object=include_object, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connectable = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, include_object=include_object,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
