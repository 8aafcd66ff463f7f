"""The peer benchmark's harness replays a workload and checks the calls it expects."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
HARNESS = BENCHMARKS / "peer_workload.py"
FLOOR = BENCHMARKS / "floor.py"


def _spec(calls_at_t0: int) -> dict[str, Any]:
    """Two things, three automations (two on t0), motion on t0 twice and t1 once; t0
    is dark, t1 bright, so t0's two automations call twice each and t1's never."""
    entities = []
    for thing, lux in ((0, 10), (1, 90)):
        entities += [
            {"id": f"t{thing}.motion", "thing": thing, "type": "binary", "initial": "off"},
            {"id": f"t{thing}.lux", "thing": thing, "type": "number", "initial": lux},
            {"id": f"t{thing}.light", "thing": thing, "type": "switch", "initial": "off"},
        ]
    automations = [
        {
            "id": f"a{j}",
            "thing": thing,
            "trigger": {"type": "state_to", "entity": f"t{thing}.motion", "to": "on"},
            "condition": {"type": "numeric_below", "entity": f"t{thing}.lux", "below": 50},
            "action": {"type": "command", "entity": f"t{thing}.light", "command": "turn_on"},
        }
        for j, thing in enumerate((0, 1, 0))
    ]
    events = [
        ["t0.motion", "on"],
        ["t1.motion", "on"],
        ["t0.motion", "off"],
        ["t1.lux", 20],
        ["t0.motion", "on"],
        ["t0.lux", 70],
    ]
    return {
        "format": "peer-bench-workload/1",
        "spec_sha256": "test",
        "params": {"things": 2, "automations": 3, "events": len(events)},
        "phases": {"throughput": [0, 3], "latency": [3, 6]},
        "entities": entities,
        "automations": automations,
        "events": events,
        "expected": {
            "throughput": {"events": 3, "triggers": 3, "calls": 2},
            "latency": {"events": 3, "triggers": 2, "calls": 2},
            "total": {"calls_per_target": {"t0.light": calls_at_t0}},
        },
    }


def _run(
    tmp_path: Path, spec: dict[str, Any], harness: Path = HARNESS
) -> tuple[int, dict[str, Any]]:
    spec_file, out = tmp_path / "spec.json", tmp_path / "result.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(harness), "--spec", str(spec_file), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.exists(), done.stderr
    return done.returncode, json.loads(out.read_text(encoding="utf-8"))


def test_a_replay_with_the_expected_calls_is_valid(tmp_path: Path) -> None:
    code, result = _run(tmp_path, _spec(calls_at_t0=4))
    assert code == 0
    assert result["valid"] is True
    assert result["throughput"]["calls"] == 2 and result["latency"]["calls"] == 2
    for key in ("load_s", "rss_mib", "peak_rss_mib"):
        assert result[key] > 0
    assert set(result["latency"]["set_to_call"]) == {"p50_ms", "p95_ms", "p99_ms"}


def test_a_replay_whose_calls_differ_from_the_spec_exits_non_zero(tmp_path: Path) -> None:
    code, result = _run(tmp_path, _spec(calls_at_t0=5))
    assert code == 1
    assert result["valid"] is False
    assert result["checks"]["calls_per_target"] is False


def test_the_floor_makes_the_spec_calls_keeping_nothing_or_its_runs(tmp_path: Path) -> None:
    code, result = _run(tmp_path, _spec(calls_at_t0=4), FLOOR)
    assert code == 0
    for variant in ("bare", "recording"):
        assert result[variant]["calls"] == 2 and result[variant]["valid"] is True
        assert result[variant]["events_per_s"] > 0


def test_the_floor_exits_non_zero_when_its_calls_differ_from_the_spec(tmp_path: Path) -> None:
    spec = _spec(calls_at_t0=4)
    spec["expected"]["throughput"]["calls"] = 3
    code, result = _run(tmp_path, spec, FLOOR)
    assert code == 1 and result["valid"] is False
