"""Where the benchmark's databases live, and starting Django against one of them.

The benchmark never touches the application's own database: it makes two of its own on the
PostgreSQL server of BENCH_DATABASE_URL (default: the local server), one at the full size and
one at the baseline size the list pages' growth is measured against.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/")
FULL = os.environ.get("BENCH_DATABASE", "sentinel_bench")
BASELINE = f"{FULL}_baseline"


def url_for(name: str) -> str:
    parts = urlsplit(SERVER_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _maintenance():
    import psycopg

    return psycopg.connect(url_for("postgres"), autocommit=True)


def recreate(name: str) -> None:
    from psycopg import sql

    with _maintenance() as connection:
        identifier = sql.Identifier(name)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(identifier))


def exists(name: str) -> bool:
    with _maintenance() as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def start_django(name: str) -> None:
    """Configure and start Django on the named benchmark database, as production would run
    (no DEBUG), with the test client's host allowed and tasks run in-process."""
    os.environ["DATABASE_URL"] = url_for(name)
    os.environ.pop("REDIS_URL", None)
    os.environ["DEBUG"] = "false"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sentinel.settings")
    import django

    django.setup()
