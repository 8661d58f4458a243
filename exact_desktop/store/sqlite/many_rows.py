"""Many rows in few statements: `... VALUES (...), (...), ...`, one SQLite step a chunk.

`executemany` steps SQLite once per row, and Python's sqlite3 gives up the GIL around every
step; beside any busy Python thread (a server's other request, a pull's page fetchers) each row
then waits to get it back. Measured on 100,000 annotation rows with their indexes: 1.38 s
alone either way, but minutes for `executemany` beside one spinning thread. A multi-row
VALUES statement costs SQLite the same per row and hands the GIL over once per chunk, so
Python work elsewhere runs on the other core meanwhile. Chunks are powers of two, so a few
statement texts serve every batch and stay compiled in the connection's statement cache.

Rows given as columns (`insert_columns`) bind a column that holds one value throughout (a
batch's image, type, flags, empty description, often its time) once a statement instead of once
a row: binding is most of SQLite's cost for a wide row (100,000 rows of the annotation table's
17 columns, no index: 0.38 s with every value bound, 0.12 s with the 11 constant ones bound once).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from operator import is_
from typing import Any

MOST_ROWS = 512  # rows a statement; the compiled statement stays small enough to cache
BULK_ROWS = 4096  # rows a statement of `bound_inserts`: a bulk write's thread hands the GIL over once a statement
VARIABLES = 32766  # SQLite's default SQLITE_LIMIT_VARIABLE_NUMBER since 3.32 (`bound_inserts` is told the connection's)


def insert_rows(cursor: sqlite3.Cursor, head: str, rows: Sequence[Sequence[Any]], width: int, tail: str = "") -> None:
    """`head VALUES (?, ...), ... tail` for every row; `head` as "INSERT INTO t (a, b)",
    `tail` as "ON CONFLICT ..." or empty. Every row holds `width` values."""
    _in_chunks(cursor, head, rows, width, tail)


@dataclass(frozen=True)
class ColumnRows:
    """Rows given as columns, split for `insert_columns`: the names of the columns that vary and
    those columns (each `count` values), the names of those that hold one value throughout and
    those values."""

    varying: list[str]
    columns: list[Sequence[Any]]
    count: int
    constant: list[str]
    values: list[Any]


def column_rows(names: Sequence[str], columns: Sequence[Sequence[Any]]) -> ColumnRows:
    """`columns` split into varying and constant ones (pure work: a bulk path does it on
    another thread than the one that writes). One row, or rows all alike, vary throughout."""
    steady = [k for k, column in enumerate(columns) if _one_value(column)]
    steady = [] if len(steady) == len(columns) else steady
    varying = [k for k in range(len(columns)) if k not in steady]
    return ColumnRows(
        [names[k] for k in varying], [columns[k] for k in varying], len(columns[0]),
        [names[k] for k in steady], [columns[k][0] for k in steady],
    )  # fmt: skip


def insert_columns(cursor: sqlite3.Cursor, table: str, rows: ColumnRows) -> None:
    """`INSERT INTO table` of `rows`: the varying values as rows of a VALUES list, the constant
    ones bound once a statement beside it."""
    limit = cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    bound_inserts(table, rows, limit=limit, most=MOST_ROWS).run(cursor)


@dataclass(frozen=True)
class BoundInserts:
    """An insert of many rows ready to run: each statement's text and values, made on the thread
    that prepares a bulk write's next chunk. The writing thread then only binds and steps: every
    Python moment it needs between two steps is a wait for the GIL while the preparing thread
    holds it (a builtin walking 20,000 objects holds it for milliseconds at a stretch), so the
    fewer and larger its statements, the less it waits."""

    texts: list[str]
    values: list[list[Any]]

    def run(self, cursor: sqlite3.Cursor, leading: Sequence[Any] = ()) -> None:
        """The statements, each bound after `leading` (the values of `bound_inserts`' `leading` columns)."""
        for text, values in zip(self.texts, self.values, strict=True):
            cursor.execute(text, [*leading, *values] if leading else values)


def bound_inserts(
    table: str, rows: ColumnRows, leading: Sequence[str] = (), limit: int = VARIABLES, most: int = BULK_ROWS
) -> BoundInserts:
    """`insert_columns` as statements ready to run (pure work). `leading` names columns whose one
    value is given only when they run (a band number looked up inside the write transaction)."""
    width = len(rows.varying)
    fixed = len(leading) + len(rows.constant)
    if not fixed:
        head, tail = f"INSERT INTO {table} ({', '.join(rows.varying)})", ""
    else:
        picked = ", ".join(["?"] * fixed + [f"column{k}" for k in range(1, width + 1)])
        names = ", ".join([*leading, *rows.constant, *rows.varying])
        head, tail = f"INSERT INTO {table} ({names}) SELECT {picked} FROM (", ")"
    size_most = _power_of_two_at_most(min(most, (limit - fixed) // width))
    texts, values = [], []
    start, fixed_values = 0, len(rows.values)
    while start < rows.count:
        size = _power_of_two_at_most(min(size_most, rows.count - start))
        texts.append(_statement(head, width, size, tail))
        flat = rows.values + [None] * (size * width)
        for k, column in enumerate(rows.columns):  # the rows' values interleaved by slices, in C
            flat[fixed_values + k :: width] = column[start : start + size]
        values.append(flat)
        start += size
    return BoundInserts(texts, values)


def _one_value(column: Sequence[Any]) -> bool:
    """Every value the same object, or the same int or str (equal, and of exactly that type:
    1, True and 1.0 are equal but not stored alike)."""
    first = column[0]
    if all(map(is_, column, repeat(first))):
        return True
    return type(first) in (int, str) and column.count(first) == len(column) and set(map(type, column)) == {type(first)}


def with_rows(cursor: sqlite3.Cursor, columns: str, rows: Sequence[Sequence[Any]], statement: str) -> None:
    """`statement` run over the rows as a table `p(columns)`: "WITH p(a, b) AS (VALUES ...)
    statement", for updates and deletes of many rows at once."""
    _in_chunks(cursor, f"WITH p({columns}) AS (", rows, columns.count(",") + 1, f") {statement}")


def _in_chunks(cursor: sqlite3.Cursor, head: str, rows: Sequence[Sequence[Any]], width: int, tail: str) -> None:
    """The rows in statements of at most MOST_ROWS."""
    limit = cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    most = _power_of_two_at_most(min(MOST_ROWS, limit // width))
    start = 0
    while start < len(rows):
        size = _power_of_two_at_most(min(most, len(rows) - start))
        chunk = rows[start : start + size]
        cursor.execute(_statement(head, width, size, tail), list(chain.from_iterable(chunk)))
        start += size


def _power_of_two_at_most(n: int) -> int:
    return 1 << (n.bit_length() - 1)


_TEXTS: dict[tuple[str, int, int, str], str] = {}


def _statement(head: str, width: int, size: int, tail: str) -> str:
    key = (head, width, size, tail)
    text = _TEXTS.get(key)
    if text is None:
        row = "(" + ",".join("?" * width) + ")"
        text = _TEXTS[key] = f"{head} VALUES {','.join([row] * size)} {tail}".rstrip()
    return text
