#!/usr/bin/env python3
"""The least any Python engine on asyncio can cost on a peer workload: a yardstick.

    python benchmarks/floor.py --spec spec.json [--out result.json]

Not homeloom: the spec's automations hand-compiled into closures over a plain
dict of states, with the harness of ``peer_workload.py`` (one write, then one
turn of the event loop, per event). ``bare`` keeps nothing of its runs;
``recording`` keeps what a house cannot do without: a context per run chained
to the write's, the run's trigger and outcome (the newest five per automation)
and the automation's ``last_triggered``. Both make exactly the spec's calls,
else the run exits non-zero. Their figures bound what homeloom's could ever be
on this machine and interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

Listener = Callable[[str | None, str, object], None]


class _Context:
    __slots__ = ("id", "parent")

    def __init__(self, context_id: int, parent: object) -> None:
        self.id = context_id
        self.parent = parent


def _entity_id(spec_id: str) -> str:
    thing, capability = spec_id.split(".")
    domain = {"motion": "binary_sensor", "lux": "sensor", "light": "light"}[capability]
    return f"{domain}.{thing}_{capability}"


def _is_below(value: str | None, limit: float) -> bool:
    try:
        return value is not None and float(value) < limit
    except ValueError:
        return False


def _listeners(
    spec: dict[str, Any], states: dict[str, str], calls: list[str], recording: bool
) -> dict[str, list[Listener]]:
    """Each automation as one closure, indexed by its trigger's entity."""
    by_entity: dict[str, list[Listener]] = {}
    ids = itertools.count()
    for automation in spec["automations"]:
        lux = _entity_id(automation["condition"]["entity"])
        below = float(automation["condition"]["below"])
        light = _entity_id(automation["action"]["entity"])
        listener: Listener
        if recording:
            runs: deque[tuple[Any, ...]] = deque(maxlen=5)
            last_triggered = [0.0]

            def listener(
                old: str | None,
                new: str,
                cause: object,
                lux: str = lux,
                below: float = below,
                light: str = light,
                runs: deque[tuple[Any, ...]] = runs,
                last_triggered: list[float] = last_triggered,
            ) -> None:
                if new != "on":
                    return
                started = time.monotonic()
                context = _Context(next(ids), cause)
                if not _is_below(states.get(lux), below):
                    runs.append((started, context, old, new, "failed_conditions"))
                    return
                last_triggered[0] = started
                calls.append(light)
                runs.append((started, context, old, new, "finished"))

        else:

            def listener(
                old: str | None,
                new: str,
                cause: object,
                lux: str = lux,
                below: float = below,
                light: str = light,
            ) -> None:
                if new == "on" and _is_below(states.get(lux), below):
                    calls.append(light)

        trigger = _entity_id(automation["trigger"]["entity"])
        by_entity.setdefault(trigger, []).append(listener)
    return by_entity


async def _replay(spec: dict[str, Any], recording: bool) -> dict[str, Any]:
    states = {_entity_id(raw["id"]): str(raw["initial"]) for raw in spec["entities"]}
    calls: list[str] = []
    listeners = _listeners(spec, states, calls, recording)
    events = [(_entity_id(entity), str(value)) for entity, value in spec["events"]]
    start, stop = spec["phases"]["throughput"]
    cause_ids = itertools.count()
    started = time.perf_counter()
    for entity, value in events[start:stop]:
        old = states.get(entity)
        states[entity] = value
        if old != value:
            cause = _Context(next(cause_ids), None)
            for listener in listeners.get(entity, ()):
                listener(old, value, cause)
        await asyncio.sleep(0)
    elapsed = time.perf_counter() - started
    events_count = stop - start
    return {
        "events_per_s": round(events_count / elapsed, 1),
        "us_per_event": round(elapsed / events_count * 1e6, 2),
        "calls": len(calls),
        "valid": len(calls) == spec["expected"]["throughput"]["calls"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", type=Path, required=True, help="workload JSON from workload.py")
    parser.add_argument("--out", type=Path, help="also write the result JSON here")
    args = parser.parse_args(argv)
    spec = json.loads(args.spec.read_text(encoding="utf-8"))
    result: dict[str, Any] = {"engine": "floor", "params": spec.get("params", {})}
    for variant in ("bare", "recording"):
        result[variant] = asyncio.run(_replay(spec, recording=variant == "recording"))
    result["valid"] = result["bare"]["valid"] and result["recording"]["valid"]
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0 if result["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
