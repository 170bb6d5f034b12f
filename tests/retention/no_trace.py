"""Find strings anywhere in the database: every table, every column (history tables, search
vectors and JSON included), found by introspection rather than listed by hand. (The table
names in the SQL come from the database's own catalogue, hence the S608 exemptions.)"""

from django.db import connection


def tables() -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def _rows_as_text(cursor, table: str) -> list[str]:
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        # The whole row as text: every column, whatever its type.
        cursor.execute(f"SELECT t::text FROM {quote(table)} AS t")  # noqa: S608
        return [row[0].lower() for row in cursor.fetchall()]
    cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608
    return [" ".join(str(value) for value in row).lower() for row in cursor.fetchall()]


def traces(needles: list[str]) -> dict[str, list[str]]:
    """{needle: the tables holding it (case-insensitive)}, for the needles found."""
    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table in tables():
            text = "\n".join(_rows_as_text(cursor, table))
            for needle in needles:
                if needle.lower() in text:
                    found.setdefault(needle, []).append(table)
    return found


def where_found(needle: str) -> list[str]:
    return traces([needle]).get(needle, [])


def row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in tables():
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts
