"""The local mirror: EXACT's entities in one SQLite file per project (WAL, a spatial grid index, Alembic)."""
