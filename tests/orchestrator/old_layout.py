"""A database as homeloom left it before each run of a scenario became a row."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from homeloom.orchestrator._persistence_schema import MIGRATIONS

# The last schema that kept a scenario's runs in one kv value (namespace "traces").
SCHEMA_BEFORE_TRACE_ROWS = 2


def write_old_layout(path: Path, saved: dict[str, Any]) -> None:
    """Write at ``path`` the schema before the traces table, with each scenario's last
    runs in one kv value, ``saved[key]`` (JSON unless a string, written as it is)."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for statements in MIGRATIONS[:SCHEMA_BEFORE_TRACE_ROWS]:
            for statement in statements:
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_BEFORE_TRACE_ROWS}")
        for key, value in saved.items():
            connection.execute(
                "INSERT INTO kv VALUES ('traces', ?, ?)",
                (key, value if isinstance(value, str) else json.dumps(value)),
            )
    finally:
        connection.close()
