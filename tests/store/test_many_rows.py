"""Rows given as columns are stored exactly as row by row: a constant column bound once a
statement holds the same values, and values equal but not alike (1, True, 1.0) stay apart."""

from __future__ import annotations

import sqlite3

from exact_desktop.store.sqlite.many_rows import bound_inserts, column_rows, insert_columns, insert_rows


def test_columns_store_what_rows_store() -> None:
    n = 1500  # several statements
    columns = [
        range(1, n + 1),
        [10**6 + int("0") for _ in range(n)],  # equal, not one object
        ["" for _ in range(n)],
        [None] * n,
        [(1, True, 1.0)[i % 3] for i in range(n)],  # equal, not alike
        [f"text {i % 7}" for i in range(n)],
    ]
    names = ["id", "big", "blank", "none", "mixed", "text"]
    split = column_rows(names, columns)
    assert split.constant == ["big", "blank", "none"]
    conn = sqlite3.connect(":memory:")
    for table in ("by_rows", "by_columns"):
        conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, big, blank, none, mixed, text)")
    insert_rows(conn.cursor(), f"INSERT INTO by_rows ({', '.join(names)})", list(zip(*columns, strict=True)), 6)
    insert_columns(conn.cursor(), "by_columns", split)
    read = "SELECT id, big, blank, none, mixed, typeof(mixed), text FROM {} ORDER BY id"
    assert conn.execute(read.format("by_columns")).fetchall() == conn.execute(read.format("by_rows")).fetchall()
    assert column_rows(names, [[c[0]] for c in columns]).constant == []  # one row: plain VALUES


def test_bound_inserts_take_their_leading_value_when_they_run() -> None:
    """Statements made ready off the writing thread (a bulk path's grid rows): the value of a
    leading column is given only when they run; 5,000 rows go in statements of 4,096 and fewer."""
    n = 5000
    names = ["id", "cell", "x"]
    ready = bound_inserts("grid", column_rows(names, [range(n), [i % 9 for i in range(n)], [0.5] * n]), ["band"])
    assert len(ready.texts) == 5  # 4096 + 512 + 256 + 128 + 8
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE grid (band, id INTEGER PRIMARY KEY, cell, x)")
    ready.run(conn.cursor(), [42])
    assert conn.execute("SELECT count(*), min(band), max(band), sum(cell), min(x), max(x) FROM grid").fetchone() == (
        n, 42, 42, sum(i % 9 for i in range(n)), 0.5, 0.5,
    )  # fmt: skip
