"""Persistence in SQLite (WAL) in the configuration directory.

What is kept: the last state of every entity (restored at start and marked
``restored`` until its adapter reports), the state history (with a retention),
values other components keep (helpers, proposals, levels), the last runs of each
scenario (one row a run), the entity registry (so entity ids stay stable) and an
audit log of every command.

Every write is committed before the call that caused it returns: a state write
and a service call are acknowledged only once on disk. WAL with
``synchronous=NORMAL`` loses nothing committed when the process is killed
(SIGKILL); only a power cut can lose the last transactions, a trade Home
Assistant's recorder makes too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ._context import Context
from ._events import EVENT_CALL_SERVICE, EVENT_STATE_CHANGED, Event
from ._persistence_rows import (
    AuditEntry,
    TracedScenario,
    _context_of,
    _context_values,
    _json,
    read_traced_scenarios,
    read_traces,
)
from ._persistence_schema import MIGRATIONS, check_schema
from ._registry import Area, EntityEntry, Thing, unique_key
from ._runtime import Runtime
from ._states import State

if TYPE_CHECKING:  # sqlite3 itself is imported when a database is opened
    import sqlite3

__all__ = ["Persistence"]

_LOGGER = logging.getLogger(__name__)
PURGE_INTERVAL_S = 24 * 3600


class Persistence:
    """The house's database; kept as ``runtime.components["persistence"]``."""

    def __init__(
        self,
        runtime: Runtime,
        path: Path,
        *,
        history_days: float = 10.0,
        audit_days: float = 365.0,
        read_only: bool = False,
    ) -> None:
        self.runtime = runtime
        self.path = path
        # A view for reports beside a running house: restores, never writes.
        self.read_only = read_only
        self.history_retention = timedelta(days=history_days)
        self.audit_retention = timedelta(days=audit_days)
        self._db: sqlite3.Connection | None = None
        self._unsubscribe: list[Callable[[], None]] = []

    # --- opening and closing -----------------------------------------------------

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the database is not open")
        return self._db

    async def open(self) -> None:
        """Open (creating or migrating), restore, and start recording."""
        if self.read_only:
            self._open_read_only()
            return
        import sqlite3

        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        self._db = db
        self.migrate()
        self._restore_registry()
        self._restore_states()
        runtime = self.runtime
        self._unsubscribe = [
            runtime.bus.listen(EVENT_STATE_CHANGED, self._record_state),
            runtime.bus.listen(EVENT_CALL_SERVICE, self._record_call),
        ]
        runtime.registries.on_change.append(self._record_registry)
        self._unsubscribe.append(runtime.scheduler.call_every(PURGE_INTERVAL_S, self._purge_due))
        runtime.components["persistence"] = self
        runtime.on_stop(self.close)

    def _open_read_only(self) -> None:
        import sqlite3

        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        db.row_factory = sqlite3.Row
        self._db = db
        try:
            check_schema(db, self.path)
        except RuntimeError:
            db.close()
            self._db = None
            raise
        self._restore_registry()
        self._restore_states()
        self.runtime.components["persistence"] = self
        self.runtime.on_stop(self.close)

    def migrate(self) -> None:
        db = self.db
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"{self.path} was written by a newer homeloom (schema {version}); "
                f"this one knows up to {len(MIGRATIONS)}"
            )
        for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
            with self._transaction():
                for statement in statements:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")
            _LOGGER.info("database %s migrated to schema %d", self.path, number)

    def close(self) -> None:
        for undo in self._unsubscribe:
            undo()
        self._unsubscribe = []
        if self._record_registry in self.runtime.registries.on_change:
            self.runtime.registries.on_change.remove(self._record_registry)
        if self._db is not None:
            self._db.close()
            self._db = None

    def _transaction(self) -> Any:
        return _Transaction(self.db)

    # --- states ------------------------------------------------------------------

    def _restore_states(self) -> None:
        store = self.runtime.states
        for row in self.db.execute("SELECT * FROM states"):
            if row["entity_id"] in store:
                continue  # an adapter already reported: its state wins
            attributes = json.loads(row["attributes"])
            attributes["restored"] = True
            store.restore(
                State(
                    row["entity_id"],
                    row["state"],
                    MappingProxyType(attributes),
                    datetime.fromisoformat(row["last_changed"]),
                    datetime.fromisoformat(row["last_updated"]),
                    _context_of(row),
                )
            )

    def _record_state(self, event: Event) -> None:
        new: State | None = event.data["new_state"]
        entity_id = event.data["entity_id"]
        with self._transaction():
            if new is None:
                self.db.execute("DELETE FROM states WHERE entity_id = ?", (entity_id,))
                return
            attributes = {k: v for k, v in new.attributes.items() if k != "restored"}
            values = (
                entity_id,
                new.state,
                _json(attributes),
                new.last_changed.isoformat(),
                new.last_updated.isoformat(),
                *_context_values(new.context),
            )
            self.db.execute("INSERT OR REPLACE INTO states VALUES (?,?,?,?,?,?,?,?,?,?)", values)
            self.db.execute(
                "INSERT INTO history (entity_id, state, attributes, last_changed, last_updated,"
                " context_id, context_parent, user_id, origin, source)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                values,
            )

    def history(self, entity_id: str, start: datetime, end: datetime | None = None) -> list[State]:
        """The states of ``entity_id`` written between ``start`` and ``end``, oldest first."""
        rows = self.db.execute(
            "SELECT * FROM history WHERE entity_id = ? AND last_updated >= ?"
            " AND last_updated <= ? ORDER BY id",
            (entity_id, start.isoformat(), (end or self.runtime.now()).isoformat()),
        )
        return [
            State(
                row["entity_id"],
                row["state"],
                MappingProxyType(json.loads(row["attributes"])),
                datetime.fromisoformat(row["last_changed"]),
                datetime.fromisoformat(row["last_updated"]),
                _context_of(row),
            )
            for row in rows
        ]

    # --- audit -------------------------------------------------------------------

    def _record_call(self, event: Event) -> None:
        self.audit("command", dict(event.data), event.context)

    def audit(self, kind: str, data: Mapping[str, Any], context: Context | None = None) -> None:
        """Record something that must be answerable later: a command, a login, a decision."""
        if self.read_only:
            return
        with self._transaction():
            self.db.execute(
                "INSERT INTO audit (time, kind, data, context_id, context_parent, user_id,"
                " origin, source) VALUES (?,?,?,?,?,?,?,?)",
                (
                    self.runtime.now().isoformat(),
                    kind,
                    _json(dict(data)),
                    *_context_values(context),
                ),
            )

    def audit_log(
        self, *, since: datetime | None = None, kind: str | None = None, limit: int = 1000
    ) -> list[AuditEntry]:
        query = "SELECT * FROM audit WHERE time >= ?"
        params: list[Any] = [since.isoformat() if since is not None else ""]
        if kind is not None:
            query += " AND kind = ?"
            params.append(kind)
        query += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return [
            AuditEntry(
                datetime.fromisoformat(row["time"]),
                row["kind"],
                json.loads(row["data"]),
                _context_of(row),
            )
            for row in self.db.execute(query, params)
        ][::-1]

    # --- values other components keep ----------------------------------------------

    def get_value(self, namespace: str, key: str) -> Any | None:
        row = self.db.execute(
            "SELECT value FROM kv WHERE namespace = ? AND key = ?", (namespace, key)
        ).fetchone()
        return json.loads(row["value"]) if row is not None else None

    def set_value(self, namespace: str, key: str, value: Any) -> None:
        if self.read_only:
            return
        with self._transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO kv VALUES (?,?,?)", (namespace, key, _json(value))
            )

    def delete_value(self, namespace: str, key: str) -> None:
        if self.read_only:
            return
        with self._transaction():
            self.db.execute("DELETE FROM kv WHERE namespace = ? AND key = ?", (namespace, key))

    def values(self, namespace: str) -> dict[str, Any]:
        rows = self.db.execute("SELECT key, value FROM kv WHERE namespace = ?", (namespace,))
        return {row["key"]: json.loads(row["value"]) for row in rows}

    # --- traces of the scenarios' runs ----------------------------------------------

    def add_trace(
        self,
        scenario: str,
        trace: Mapping[str, Any],
        *,
        keep: int,
        name: str | None = None,
        entity_id: str | None = None,
    ) -> None:
        """Store one finished run of ``scenario`` and drop its runs older than the
        newest ``keep``, in one commit: a run costs one row, not a rewrite of the
        last ones."""
        if self.read_only:
            return
        with self._transaction():
            self.db.execute(
                "INSERT INTO traces (scenario, name, entity_id, trace) VALUES (?,?,?,?)",
                (scenario, name, entity_id, _json(trace)),
            )
            self.db.execute(
                "DELETE FROM traces WHERE scenario = ?1 AND id <= (SELECT id FROM traces"
                " WHERE scenario = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
                (scenario, max(keep, 1)),
            )

    def traces(self, scenario: str, limit: int | None = None) -> list[dict[str, Any]]:
        """The stored runs of ``scenario`` (the newest ``limit`` of them), newest last."""
        return read_traces(self.db, scenario, limit)

    def traced_scenarios(self) -> list[TracedScenario]:
        """Every scenario with stored runs, by key."""
        return read_traced_scenarios(self.db)

    # --- registry ------------------------------------------------------------------

    def _record_registry(self, kind: str, item: object) -> None:
        if self._db is None or not isinstance(item, Area | Thing | EntityEntry):
            return
        key = item.entity_id if isinstance(item, EntityEntry) else item.id
        with self._transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO registry VALUES (?,?,?)", (kind, key, _json(asdict(item)))
            )

    def _restore_registry(self) -> None:
        registries = self.runtime.registries
        rows = self.db.execute("SELECT kind, data FROM registry ORDER BY kind")
        for row in rows:
            data = json.loads(row["data"])
            if row["kind"] == "area":
                data["aliases"] = tuple(data.get("aliases") or ())
                registries.areas.setdefault(data["id"], Area(**data))
            elif row["kind"] == "thing":
                data["identifiers"] = tuple(data.get("identifiers") or ())
                registries.things.setdefault(data["id"], Thing(**data))
            elif row["kind"] == "entity":
                data["labels"] = tuple(data.get("labels") or ())
                entry = EntityEntry(**data)
                registries.entities.setdefault(entry.entity_id, entry)
                if entry.unique_id is not None and entry.adapter is not None:
                    registries._by_unique_id[unique_key(entry.adapter, entry)] = entry.entity_id

    # --- retention -------------------------------------------------------------------

    def _purge_due(self, _: datetime) -> None:
        self.purge()

    def purge(self) -> None:
        """Drop history and audit entries older than their retention."""
        if self.read_only:
            return
        now = self.runtime.now()
        with self._transaction():
            self.db.execute(
                "DELETE FROM history WHERE last_updated < ?",
                ((now - self.history_retention).isoformat(),),
            )
            self.db.execute(
                "DELETE FROM audit WHERE time < ?", ((now - self.audit_retention).isoformat(),)
            )

    def forget(self, user_id: str, presence: Iterable[str] = ()) -> int:
        """Erase what is stored about one person: what they did (rows with their user id)
        and where they were (the history of ``presence``, their person entity and
        trackers). Returns the number of rows removed."""
        if self.read_only:
            raise RuntimeError(f"{self.path} is open read-only")
        with self._transaction():
            removed = 0
            for table in ("history", "audit"):
                cursor = self.db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
                removed += cursor.rowcount
            for entity_id in presence:
                cursor = self.db.execute("DELETE FROM history WHERE entity_id = ?", (entity_id,))
                removed += cursor.rowcount
        return removed

    def history_count(self, entity_ids: Iterable[str]) -> int:
        """How many history rows the entities have (what is kept of a person's presence)."""
        ids = list(entity_ids)
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        row = self.db.execute(f"SELECT COUNT(*) FROM history WHERE entity_id IN ({marks})", ids)
        return int(row.fetchone()[0])


class _Transaction:
    """``BEGIN``/``COMMIT`` around a block, ``ROLLBACK`` when it raises."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.nested = db.in_transaction

    def __enter__(self) -> None:
        if not self.nested:
            self.db.execute("BEGIN")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.nested:
            return
        self.db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
