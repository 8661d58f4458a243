"""Alembic environment: runs on the engine the store hands over, in one IMMEDIATE transaction."""

from alembic import context

from exact_desktop.store.sqlite.tables import metadata

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    connection.info["begin"] = "BEGIN IMMEDIATE"  # concurrent first opens migrate one at a time
    context.configure(connection=connection, target_metadata=metadata, transaction_per_migration=False)
    with context.begin_transaction():
        context.run_migrations()
