"""``homeloom simulate --from-history 6h``: the last hours of the house as an events file.

What the world did is replayed (devices reporting, people flipping switches);
what the scenarios did is not, because the replay is there to show what the
scenarios, as configured now, would do with the same inputs. The database is
opened read-only, so this runs beside a live house.
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["HistoryError", "events_from_history", "parse_span"]

# Entities the engine itself keeps: replaying them would fight the replayed engine.
_ENGINE_DOMAINS = ("automation.", "script.", "assemblage.", "sun.")
_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class HistoryError(ValueError):
    """The history cannot be read or the span is malformed."""


def parse_span(text: str) -> timedelta:
    """``6h``, ``90m``, ``45s`` or ``2d``."""
    match = _SPAN.match(text)
    if match is None:
        raise HistoryError(f"a span is a number and a unit (s, m, h, d) such as 6h; got {text!r}")
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def _is_engine(row: sqlite3.Row) -> bool:
    return str(row["entity_id"]).startswith(_ENGINE_DOMAINS)


def _is_input(row: sqlite3.Row) -> bool:
    return row["origin"] != "scenario" and not _is_engine(row)


def _value(row: sqlite3.Row) -> dict[str, Any]:
    attributes = json.loads(row["attributes"])
    attributes.pop("restored", None)
    return {"state": row["state"], "attributes": attributes}


def events_from_history(database: Path, span: timedelta, now: datetime) -> dict[str, Any]:
    """An events file: the states at ``now - span``, then every input change in order."""
    if not database.exists():
        raise HistoryError(f"no database at {database}: has homeloom run there?")
    start = now - span
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
            db.row_factory = sqlite3.Row
            before = db.execute(
                "SELECT * FROM history WHERE id IN (SELECT MAX(id) FROM history"
                " WHERE last_updated < ? GROUP BY entity_id)",
                (start.isoformat(),),
            ).fetchall()
            during = db.execute(
                "SELECT * FROM history WHERE last_updated >= ? AND last_updated <= ? ORDER BY id",
                (start.isoformat(), now.isoformat()),
            ).fetchall()
    except sqlite3.Error as err:
        raise HistoryError(f"{database}: {err}") from None
    # The house as it stood, outputs included; after that, only what the world did.
    initial = {row["entity_id"]: _value(row) for row in before if not _is_engine(row)}
    steps: list[dict[str, Any]] = []
    moment: str | None = None
    for row in during:
        if not _is_input(row):
            continue
        if row["last_updated"] != moment:
            moment = row["last_updated"]
            steps.append({"at": moment})
        steps.append({"set": {row["entity_id"]: _value(row)}})
    return {"start": start.isoformat(), "initial": initial, "steps": steps}
