"""``homeloom discovered``: what a running house has found on the network, from its database.

The database is opened read-only, so this runs beside a live house and changes nothing.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from ._discovery import STORE_NAMESPACE

__all__ = ["add_discovered_command", "format_discovered", "read_discovered", "run_discovered"]


def add_discovered_command(commands: Any) -> None:
    parser = commands.add_parser(
        "discovered", help="list the devices a running house found, waiting to be adopted"
    )
    parser.add_argument("--config", type=Path, default=None, help="configuration directory")
    parser.add_argument("--json", action="store_true", help="print JSON")


def read_discovered(database: Path) -> dict[str, Any]:
    """What the house last stored: ``updated``, ``browsing`` and ``devices``."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        row = db.execute(
            "SELECT value FROM kv WHERE namespace = ? AND key = 'found'", (STORE_NAMESPACE,)
        ).fetchone()
    saved = json.loads(row[0]) if row is not None else None
    if not isinstance(saved, dict):
        return {"updated": None, "browsing": False, "devices": []}
    return saved


def format_discovered(saved: dict[str, Any]) -> str:
    devices = saved.get("devices") or []
    if not devices:
        state = "browsing" if saved.get("browsing") else "not browsing the network"
        return f"nothing discovered (the house is {state})"
    lines = []
    for device in devices:
        where = f"{device.get('host') or '?'}:{device.get('port') or '?'}"
        lines.append(f"{device['id']}  {device['adapter']}  {device['name']}  {where}")
    lines.append("adopt or ignore them on the dashboard's house page, or through the API")
    return "\n".join(lines)


def run_discovered(args: argparse.Namespace, database: Path) -> int:
    """Print the list; ``database`` is the house's ``homeloom.db``."""
    if not database.exists():
        where = database.parent
        print(f"error: no database in {where}: has homeloom run there?", file=sys.stderr)
        return 1
    try:
        saved = read_discovered(database)
    except sqlite3.Error as err:
        print(f"error: cannot read {database}: {err}", file=sys.stderr)
        return 1
    print(json.dumps(saved, indent=2) if args.json else format_discovered(saved))
    return 0
