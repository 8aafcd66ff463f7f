"""Persistence: restore after restart and after SIGKILL, history, audit, retention, migrations."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from homeloom.orchestrator import (
    Context,
    EntityEntry,
    Persistence,
    Runtime,
    ServiceCall,
    TestClock,
)
from homeloom.orchestrator._persistence_schema import MIGRATIONS

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


async def _open(path: Path, clock: TestClock | None = None) -> Runtime:
    runtime = Runtime(clock=clock or TestClock(START))
    await Persistence(runtime, path).open()
    await runtime.start()
    return runtime


async def test_last_states_come_back_marked_restored(tmp_path: Path) -> None:
    db = tmp_path / "homeloom.db"
    first = await _open(db)
    first.states.set("light.hall", "on", {"brightness": 120})
    first.states.set("sensor.t", "21.5")
    await first.stop()

    second = await _open(db)
    hall = second.states.get("light.hall")
    assert hall is not None and hall.state == "on" and hall.attributes["brightness"] == 120
    assert hall.restored
    second.states.set("light.hall", "off", {"brightness": 0})
    reported = second.states.get("light.hall")
    assert reported is not None and not reported.restored
    # A report that keeps the attributes (none given) is no longer the restored state,
    # even when it says the same.
    second.states.set("sensor.t", "21.5")
    sensor = second.states.get("sensor.t")
    assert sensor is not None and sensor.state == "21.5" and not sensor.restored
    await second.stop()


async def test_an_adapter_state_set_before_restore_wins(tmp_path: Path) -> None:
    db = tmp_path / "homeloom.db"
    first = await _open(db)
    first.states.set("switch.pump", "on")
    await first.stop()
    runtime = Runtime(clock=TestClock(START))
    runtime.states.set("switch.pump", "off")
    await Persistence(runtime, db).open()
    pump = runtime.states.get("switch.pump")
    assert pump is not None and pump.state == "off" and not pump.restored
    runtime.components["persistence"].close()


async def test_history_audit_and_values(tmp_path: Path) -> None:
    clock = TestClock(START)
    runtime = await _open(tmp_path / "homeloom.db", clock)
    store = runtime.components["persistence"]

    async def turn_on(call: ServiceCall) -> None:
        runtime.states.set("switch.kettle", "on")

    runtime.services.register("switch", "turn_on", turn_on, target="optional")
    runtime.states.set("sensor.t", "20")
    await runtime.advance(60)
    runtime.states.set("sensor.t", "21")
    runtime.states.set("switch.kettle", "off")
    await runtime.services.call(
        "switch",
        "turn_on",
        target={"entity_id": "switch.kettle"},
        context=Context(user_id="alice", origin="user"),
    )
    assert [s.state for s in store.history("sensor.t", START)] == ["20", "21"]
    commands = store.audit_log(kind="command")
    assert commands and commands[-1].data["service"] == "turn_on"
    assert commands[-1].context.user_id == "alice"
    kettle = store.history("switch.kettle", START)[-1]
    assert kettle.context.user_id == "alice"  # the device's report answers alice's command

    store.set_value("helpers", "guest_mode", {"on": True})
    assert store.get_value("helpers", "guest_mode") == {"on": True}
    assert store.values("helpers") == {"guest_mode": {"on": True}}
    store.delete_value("helpers", "guest_mode")
    assert store.get_value("helpers", "guest_mode") is None
    await runtime.stop()


async def test_retention_drops_old_history(tmp_path: Path) -> None:
    clock = TestClock(START)
    runtime = Runtime(clock=clock)
    store = Persistence(runtime, tmp_path / "homeloom.db", history_days=1)
    await store.open()
    await runtime.start()
    runtime.states.set("sensor.t", "1")
    await runtime.advance(timedelta(days=2).total_seconds())
    runtime.states.set("sensor.t", "2")
    await runtime.advance(timedelta(days=1).total_seconds())  # the daily purge runs
    assert [s.state for s in store.history("sensor.t", START)] == ["2"]
    await runtime.stop()


async def test_entity_ids_stay_stable_across_restarts(tmp_path: Path) -> None:
    db = tmp_path / "homeloom.db"
    first = await _open(db)
    first.registries.add_entity(
        EntityEntry("light.renamed_by_resident", unique_id="bulb-1", adapter="zigbee")
    )
    await first.stop()
    second = await _open(db)
    entry = second.registries.add_entity(
        EntityEntry("light.bulb_1", unique_id="bulb-1", adapter="zigbee")
    )
    assert entry.entity_id == "light.renamed_by_resident"
    await second.stop()


async def test_migrations_are_versioned_and_refuse_a_newer_database(tmp_path: Path) -> None:
    db = tmp_path / "homeloom.db"
    runtime = await _open(db)
    await runtime.stop()
    connection = sqlite3.connect(db)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    connection.close()
    with pytest.raises(RuntimeError, match="newer homeloom"):
        await Persistence(Runtime(clock=TestClock(START)), db).open()


def test_nothing_acknowledged_is_lost_when_the_process_is_killed(tmp_path: Path) -> None:
    db = tmp_path / "homeloom.db"
    worker = Path(__file__).with_name("persist_worker.py")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, str(worker), str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "ready"
        acked = []
        for number in range(1, 41):
            proc.stdin.write(f"{number}\n")
            proc.stdin.flush()
            assert proc.stdout.readline().strip() == f"ack {number}"
            acked.append(number)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    connection = sqlite3.connect(db)
    states = dict(connection.execute("SELECT entity_id, state FROM states").fetchall())
    assert all(states[f"switch.s{n}"] == "on" for n in acked)
    last = connection.execute("SELECT value FROM kv WHERE key = 'last'").fetchone()[0]
    assert last == str(acked[-1])
    audited = connection.execute("SELECT COUNT(*) FROM audit WHERE kind = 'command'").fetchone()
    assert audited[0] == len(acked)
    runs = connection.execute(
        "SELECT json_extract(trace, '$.run_id') FROM traces WHERE scenario = 'automation.worker'"
        " ORDER BY id"
    ).fetchall()
    assert [int(run) for (run,) in runs] == acked[-5:]  # each run's row and its retention
