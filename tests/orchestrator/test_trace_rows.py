"""Each finished run is one row of ``traces``; retention keeps a scenario's newest ones;
the migration moves the runs the old layout kept in one kv value per scenario."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homeloom.orchestrator import Persistence, Runtime, TestClock, TracedScenario
from tests.orchestrator.old_layout import write_old_layout

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


async def _open(path: Path) -> tuple[Runtime, Persistence]:
    runtime = Runtime(clock=TestClock(START))
    store = Persistence(runtime, path)
    await store.open()
    await runtime.start()
    return runtime, store


def _run(number: int) -> dict[str, Any]:
    return {"run_id": f"run-{number}", "script_execution": "finished"}


def _row_count(path: Path, scenario: str) -> int:
    connection = sqlite3.connect(path)
    try:
        row = connection.execute("SELECT COUNT(*) FROM traces WHERE scenario = ?", (scenario,))
        return int(row.fetchone()[0])
    finally:
        connection.close()


async def test_retention_keeps_the_newest_runs_across_restarts(tmp_path: Path) -> None:
    db = tmp_path / "homeloom.db"
    runtime, store = await _open(db)
    for number in range(1, 5):
        store.add_trace("automation.hall", _run(number), keep=3, name="Hall", entity_id="a.h")
    store.add_trace("automation.porch", _run(100), keep=3)
    assert [t["run_id"] for t in store.traces("automation.hall")] == ["run-2", "run-3", "run-4"]
    await runtime.stop()

    runtime, store = await _open(db)
    assert [t["run_id"] for t in store.traces("automation.hall")] == ["run-2", "run-3", "run-4"]
    store.add_trace("automation.hall", _run(5), keep=3, name="Hall", entity_id="a.h")
    store.add_trace("automation.hall", _run(6), keep=3, name="Hall", entity_id="a.h")
    assert [t["run_id"] for t in store.traces("automation.hall")] == ["run-4", "run-5", "run-6"]
    assert [t["run_id"] for t in store.traces("automation.hall", 2)] == ["run-5", "run-6"]
    # Another scenario's runs are not its retention's to drop.
    assert [t["run_id"] for t in store.traces("automation.porch")] == ["run-100"]
    assert store.traced_scenarios() == [
        TracedScenario("automation.hall", "Hall", "a.h"),
        TracedScenario("automation.porch", None, None),
    ]
    await runtime.stop()
    assert _row_count(db, "automation.hall") == 3


async def test_a_lower_limit_drops_the_older_runs_at_the_next_run(tmp_path: Path) -> None:
    runtime, store = await _open(tmp_path / "homeloom.db")
    for number in range(1, 6):
        store.add_trace("automation.hall", _run(number), keep=5)
    store.add_trace("automation.hall", _run(6), keep=2)
    assert [t["run_id"] for t in store.traces("automation.hall")] == ["run-5", "run-6"]
    await runtime.stop()


async def test_the_migration_moves_the_stored_runs_into_rows(tmp_path: Path) -> None:
    db = tmp_path / "homeloom.db"
    write_old_layout(
        db,
        {
            "automation.hall": {
                "name": "Hall",
                "entity_id": "automation.hall_light",
                "traces": [_run(1), _run(2), _run(3)],
            },
            "automation.porch": {"name": "Porch", "traces": []},
            "automation.broken": "not json",
        },
    )
    connection = sqlite3.connect(db)
    connection.execute("INSERT INTO kv VALUES ('helpers', 'guest', 'true')")
    connection.commit()
    connection.close()

    runtime, store = await _open(db)
    assert [t["run_id"] for t in store.traces("automation.hall")] == ["run-1", "run-2", "run-3"]
    assert store.traced_scenarios() == [
        TracedScenario("automation.hall", "Hall", "automation.hall_light")
    ]
    assert store.values("traces") == {}  # the old values are gone
    assert store.get_value("helpers", "guest") is True  # and nothing else
    store.add_trace("automation.hall", _run(4), keep=3, name="Hall")
    assert [t["run_id"] for t in store.traces("automation.hall")] == ["run-2", "run-3", "run-4"]
    await runtime.stop()


async def test_a_read_only_view_stores_no_run(tmp_path: Path) -> None:
    db = tmp_path / "homeloom.db"
    runtime, store = await _open(db)
    store.add_trace("automation.hall", _run(1), keep=3)
    await runtime.stop()
    view_runtime = Runtime(clock=TestClock(START))
    view = Persistence(view_runtime, db, read_only=True)
    await view.open()
    view.add_trace("automation.hall", _run(2), keep=3)
    assert [t["run_id"] for t in view.traces("automation.hall")] == ["run-1"]
    view.close()
