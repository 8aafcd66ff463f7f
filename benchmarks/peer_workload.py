#!/usr/bin/env python3
"""Replay a peer workload (``shared/bench/workload.py``) through homeloom and print figures.

    python benchmarks/peer_workload.py --spec spec.json [--out result.json]

The automations go through the normal configuration path (a configuration
directory with ``automation: !include automations.yaml``); states are written
through the same call an adapter uses; the light service only records the
call. A run whose calls differ from the spec's ``expected`` exits non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from homeloom.house import House
from homeloom.orchestrator import Context, Runtime, ServiceCall


def entity_id(spec_id: str) -> str:
    thing, capability = spec_id.split(".")
    domain = {"motion": "binary_sensor", "lux": "sensor", "light": "light"}[capability]
    return f"{domain}.{thing}_{capability}"


def automation_yaml(spec: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    for automation in spec["automations"]:
        trigger, condition, action = (
            automation["trigger"],
            automation["condition"],
            automation["action"],
        )
        items.append(
            {
                "id": f"bench_{automation['id']}",
                "alias": f"bench {automation['id']}",
                "trigger": [
                    {"platform": "state", "entity_id": entity_id(trigger["entity"]), "to": "on"}
                ],
                "condition": [
                    {
                        "condition": "numeric_state",
                        "entity_id": entity_id(condition["entity"]),
                        "below": condition["below"],
                    }
                ],
                "action": [
                    {
                        "service": "light.turn_on",
                        "target": {"entity_id": entity_id(action["entity"])},
                    }
                ],
            }
        )
    return items


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 4)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99)}


def write_config(spec: dict[str, Any], config_dir: Path) -> None:
    (config_dir / "configuration.yaml").write_text(
        "homeloom:\n  name: bench\n  time_zone: UTC\nautomation: !include automations.yaml\n",
        encoding="utf-8",
    )
    (config_dir / "automations.yaml").write_text(
        yaml.safe_dump(automation_yaml(spec), sort_keys=False), encoding="utf-8"
    )


def compact(spec: dict[str, Any]) -> dict[str, Any]:
    """What the replay needs of the spec, with its strings shared: the measured memory
    is the house's, not the spec's (the parsed spec alone is some 30 MiB at 10,000
    automations)."""
    ids = {raw["id"]: sys.intern(entity_id(raw["id"])) for raw in spec["entities"]}
    return {
        "spec_sha256": spec.get("spec_sha256")
        or hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest(),
        "params": spec.get("params", {}),
        "phases": spec["phases"],
        "expected": spec["expected"],
        "initial": [(ids[raw["id"]], sys.intern(str(raw["initial"]))) for raw in spec["entities"]],
        "events": [(ids[eid], sys.intern(str(value))) for eid, value in spec["events"]],
    }


def prepare(spec_file: Path, config_dir: Path) -> dict[str, Any]:
    """Write the configuration of the spec in ``spec_file``; what the replay needs of it."""
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    write_config(spec, config_dir)
    return compact(spec)


async def replay(spec: dict[str, Any], config_dir: Path) -> dict[str, Any]:
    """Replay a spec made by ``compact`` on the configuration ``write_config`` wrote."""
    calls: list[tuple[float, str]] = []

    # A plain function, like any service that answers at once (Home Assistant's
    # callbacks): it runs inline, where a coroutine handler would get a task.
    def record_light(call: ServiceCall) -> None:
        now = time.perf_counter()
        for target in call.entity_ids:
            calls.append((now, target))

    def initial_states(runtime: Runtime) -> None:
        runtime.services.register(
            "light", "turn_on", record_light, target="required", entity_domains=("light",)
        )
        for entity, value in spec["initial"]:
            runtime.states.set(entity, value)

    started = time.perf_counter()
    # As ``homeloom run`` builds it, minus the database and the adapters.
    house = House(config_dir, persist=False, adapters=False, long_running=True)
    report = await house.setup(before_scenarios=initial_states)
    if report.errors:
        raise SystemExit(f"configuration errors: {[str(e) for e in report.errors]}")
    await house.start()
    runtime = house.runtime
    await runtime.idle()
    load_s = time.perf_counter() - started
    gc.collect()
    rss_after_load = rss_mib()

    events = spec["events"]
    device = Context(origin="device")
    set_state = runtime.states.set
    start, stop = spec["phases"]["throughput"]
    phase_calls: dict[str, int] = {}

    before = len(calls)
    t0 = time.perf_counter()
    for index in range(start, stop):
        eid, value = events[index]
        set_state(eid, value, context=device)
        await asyncio.sleep(0)
        if (index - start + 1) % 1000 == 0:
            await runtime.idle()
    await runtime.idle()
    throughput_s = time.perf_counter() - t0
    phase_calls["throughput"] = len(calls) - before

    start, stop = spec["phases"]["latency"]
    to_call: list[float] = []
    to_idle: list[float] = []
    before = len(calls)
    for index in range(start, stop):
        eid, value = events[index]
        seen = len(calls)
        t_write = time.perf_counter()
        set_state(eid, value, context=device)
        await runtime.idle()
        t_idle = time.perf_counter()
        to_idle.append(t_idle - t_write)
        if len(calls) > seen:
            to_call.append(calls[seen][0] - t_write)
    phase_calls["latency"] = len(calls) - before
    await house.stop()

    throughput_events = spec["phases"]["throughput"][1] - spec["phases"]["throughput"][0]
    per_target = Counter(target for _, target in calls)
    expected = spec["expected"]
    expected_targets = {
        entity_id(target): count
        for target, count in expected["total"].get("calls_per_target", {}).items()
    }
    checks = {
        "throughput_calls": phase_calls["throughput"] == expected["throughput"]["calls"],
        "latency_calls": phase_calls["latency"] == expected["latency"]["calls"],
        "calls_per_target": not expected_targets or dict(per_target) == expected_targets,
    }
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "engine": "homeloom",
        "spec_sha256": spec["spec_sha256"],
        "params": spec["params"],
        "load_s": round(load_s, 4),
        "throughput": {
            "events": throughput_events,
            "events_per_s": round(throughput_events / throughput_s, 1) if throughput_s else None,
            "us_per_event": round(throughput_s / throughput_events * 1e6, 2)
            if throughput_events
            else None,
            "calls": phase_calls["throughput"],
        },
        "latency": {
            "events": stop - start,
            "calls": phase_calls["latency"],
            "set_to_call": percentiles(to_call),
            "set_to_idle": percentiles(to_idle),
            "mean_set_to_idle_ms": round(statistics.fmean(to_idle) * 1000, 4) if to_idle else 0,
        },
        "rss_mib": round(rss_after_load, 1),
        "peak_rss_mib": round(peak, 1),
        "checks": checks,
        "valid": all(checks.values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", type=Path, required=True, help="workload JSON from workload.py")
    parser.add_argument("--out", type=Path, help="also write the result JSON here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="homeloom-bench-") as tmp:
        # Another process reads the spec and writes the configuration: the parsed
        # spec would otherwise leave its memory to this one, measured as the house's.
        with ProcessPoolExecutor(max_workers=1) as helper:
            spec = helper.submit(prepare, args.spec, Path(tmp)).result()
        result = asyncio.run(replay(spec, Path(tmp)))
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0 if result["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
