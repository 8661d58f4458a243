"""Alembic environment: all pending migrations in one BEGIN IMMEDIATE transaction.

SQLite's DDL is transactional, but Alembic assumes otherwise for SQLite and would run each
statement on its own; the transaction is opened here instead, so an upgrade is all or nothing
and concurrent first opens of a file migrate one after the other.
"""

from alembic import context

from exact_desktop.store.sqlite.tables import metadata

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    # SQLite's rule for schema changes: foreign keys off (a table rebuilt by a migration must not
    # cascade into its children), checked before commit. It only changes outside a transaction,
    # and the store drops this connection afterwards, so the setting ends with the migration.
    connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    connection.info["begin"] = "BEGIN IMMEDIATE"
    context.configure(connection=connection, target_metadata=metadata, transactional_ddl=True)
    with connection.begin():
        context.run_migrations()
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration left rows pointing nowhere: {broken[:5]}")
