#!/usr/bin/env python3
"""Time the renders of templates as residents write them and print figures.

    python benchmarks/templates.py [--renders N]

Each template is compiled once, then rendered N times against a house of 200
entities and a state trigger's variables, as a run renders it: the figure is
microseconds per render (the median of five rounds).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from homeloom.orchestrator import Context, Runtime, TestClock
from homeloom.scenarios import get_template_engine

# From trivial to complex, as the usage survey classes them.
TEMPLATES = {
    "trivial": "{{ trigger.to_state.name }}",
    "number": "{{ states('sensor.temp_7') | float(0) | round(1) }}",
    "condition": "{{ is_state('light.room_3', 'on') and now().hour >= 18 }}",
    "message": (
        "{{ trigger.to_state.name }} is {{ trigger.to_state.state }} since "
        "{{ as_timestamp(trigger.to_state.last_changed) | timestamp_custom('%H:%M') }}"
    ),
    "lights on": (
        "{{ states.light | selectattr('state', 'eq', 'on') | map(attribute='name') "
        "| list | join(', ') }}"
    ),
}


def house() -> Runtime:
    runtime = Runtime(clock=TestClock(datetime(2026, 6, 1, 18, 0, tzinfo=UTC)))
    context = Context()
    for index in range(100):
        on = "on" if index % 3 == 0 else "off"
        name = {"friendly_name": f"Room {index}"}
        runtime.states.set(f"light.room_{index}", on, name, context=context)
        runtime.states.set(f"sensor.temp_{index}", f"{18 + index % 7}.25", {}, context=context)
    return runtime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--renders", type=int, default=20_000)
    renders = parser.parse_args().renders
    runtime = house()
    engine = get_template_engine(runtime)
    hall = runtime.states.get("light.room_3")
    variables = {"trigger": {"platform": "state", "to_state": hall}, "this": None}
    for name, source in TEMPLATES.items():
        template = engine.template(source)
        template.render(variables)
        count = renders if name != "lights on" else max(renders // 20, 1)
        rounds = []
        for _ in range(5):
            began = time.perf_counter()
            for _ in range(count):
                template.render(variables)
            rounds.append((time.perf_counter() - began) / count * 1e6)
        print(f"{name:>10}: {statistics.median(rounds):8.1f} µs per render")


if __name__ == "__main__":
    main()
