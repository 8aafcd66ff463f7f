"""The database's schema: its migrations, one a version, and the check a reader makes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # sqlite3 itself is imported when a database is opened
    import sqlite3

# Where the scenarios kept their last runs, as one value each, up to schema 2.
_OLD_TRACE_NAMESPACE = "traces"
_CONTEXT_COLUMNS = "context_id TEXT, context_parent TEXT, user_id TEXT, origin TEXT, source TEXT"
# Each migration moves the schema one version up; never edit one that has shipped.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        f"""CREATE TABLE states (entity_id TEXT PRIMARY KEY, state TEXT NOT NULL,
            attributes TEXT NOT NULL, last_changed TEXT NOT NULL, last_updated TEXT NOT NULL,
            {_CONTEXT_COLUMNS})""",
        f"""CREATE TABLE history (id INTEGER PRIMARY KEY, entity_id TEXT NOT NULL,
            state TEXT NOT NULL, attributes TEXT NOT NULL, last_changed TEXT NOT NULL,
            last_updated TEXT NOT NULL, {_CONTEXT_COLUMNS})""",
        "CREATE INDEX history_entity_time ON history (entity_id, last_updated)",
        "CREATE INDEX history_time ON history (last_updated)",
        f"""CREATE TABLE audit (id INTEGER PRIMARY KEY, time TEXT NOT NULL, kind TEXT NOT NULL,
            data TEXT NOT NULL, {_CONTEXT_COLUMNS})""",
        "CREATE INDEX audit_time ON audit (time)",
        """CREATE TABLE kv (namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (namespace, key))""",
    ),
    (
        """CREATE TABLE registry (kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
            PRIMARY KEY (kind, id))""",
    ),
    # One row per finished run, rather than one kv value rewritten with all the last
    # runs at each run. The id orders the runs (newest highest); the index on scenario
    # holds it too (the rowid), so a scenario's newest runs are found in its order.
    (
        """CREATE TABLE traces (id INTEGER PRIMARY KEY, scenario TEXT NOT NULL, name TEXT,
            entity_id TEXT, trace TEXT NOT NULL)""",
        "CREATE INDEX traces_scenario ON traces (scenario)",
        # The runs the kv values kept, oldest first as they were listed; a value that
        # is not what the old layout wrote is dropped rather than failing the start.
        f"""INSERT INTO traces (scenario, name, entity_id, trace)
            SELECT kv.key, json_extract(kv.value, '$.name'),
                json_extract(kv.value, '$.entity_id'), run.value
            FROM kv, json_each(kv.value, '$.traces') AS run
            WHERE kv.namespace = '{_OLD_TRACE_NAMESPACE}' AND json_valid(kv.value)
                AND json_type(kv.value, '$.traces') = 'array' AND run.type = 'object'
            ORDER BY kv.key, run.key""",
        f"DELETE FROM kv WHERE namespace = '{_OLD_TRACE_NAMESPACE}'",
    ),
)


def check_schema(db: sqlite3.Connection, path: Path) -> None:
    """Raise when the database at ``path`` is not at the schema this homeloom reads:
    a reader beside a running house never migrates."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version != len(MIGRATIONS):
        raise RuntimeError(
            f"{path} has schema {version}; this homeloom reads schema "
            f"{len(MIGRATIONS)}: start homeloom once to migrate it"
        )
