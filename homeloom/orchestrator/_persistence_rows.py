"""Rows as values: audit entries, traced scenarios, the JSON and context columns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ._context import Context
from ._states import State

if TYPE_CHECKING:  # sqlite3 itself is imported when a database is opened
    import sqlite3


@dataclass(frozen=True, slots=True)
class AuditEntry:
    time: datetime
    kind: str
    data: dict[str, Any]
    context: Context


@dataclass(frozen=True, slots=True)
class TracedScenario:
    """A scenario with stored runs, named as its newest run named it."""

    key: str  # what it is stored under: ``automation.<id>``
    name: str | None
    entity_id: str | None

    def answers_to(self, name: str) -> bool:
        """Whether ``name`` is its key, the key without its domain, its name or entity id."""
        return name in (self.key, self.key.split(".", 1)[-1], self.name, self.entity_id)


def _json(value: Any) -> str:
    return json.dumps(value, default=_default, separators=(",", ":"))


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, MappingProxyType):
        return dict(value)
    if isinstance(value, State):
        return value.as_dict()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def _context_values(context: Context | None) -> tuple[Any, ...]:
    if context is None:
        return (None, None, None, None, None)
    return (context.id, context.parent_id, context.user_id, context.origin, context.source)


def read_traces(
    db: sqlite3.Connection, scenario: str, limit: int | None = None
) -> list[dict[str, Any]]:
    """The stored runs of ``scenario`` (the newest ``limit`` of them), newest last."""
    rows = db.execute(
        "SELECT trace FROM (SELECT id, trace FROM traces WHERE scenario = ?"
        " ORDER BY id DESC LIMIT ?) ORDER BY id",
        (scenario, -1 if limit is None else limit),
    )
    return [json.loads(row[0]) for row in rows]


def read_traced_scenarios(db: sqlite3.Connection) -> list[TracedScenario]:
    """Every scenario with stored runs, by key."""
    rows = db.execute(
        "SELECT scenario, name, entity_id FROM traces"
        " WHERE id IN (SELECT MAX(id) FROM traces GROUP BY scenario) ORDER BY scenario"
    )
    return [TracedScenario(row[0], row[1], row[2]) for row in rows]


def _context_of(row: sqlite3.Row) -> Context:
    return Context(
        id=row["context_id"] or "",
        parent_id=row["context_parent"],
        user_id=row["user_id"],
        origin=row["origin"] or "system",
        source=row["source"],
    )
