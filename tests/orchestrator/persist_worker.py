"""Run by the SIGKILL test: a real house process that acknowledges each command it ran.

Reads lines ``N`` from stdin; for each, turns ``switch.s<N>`` on through a service,
keeps a helper value, stores a run's trace, and prints ``ack N`` once the call returned.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from homeloom.orchestrator import Persistence, Runtime, ServiceCall


async def main(path: Path) -> None:
    runtime = Runtime()
    await Persistence(runtime, path).open()

    async def turn_on(call: ServiceCall) -> None:
        for entity_id in call.entity_ids:
            runtime.states.set(entity_id, "on", {"friendly_name": entity_id})

    runtime.services.register("switch", "turn_on", turn_on, target="required")
    await runtime.start()
    loop = asyncio.get_running_loop()
    store = runtime.components["persistence"]
    print("ready", flush=True)
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        number = int(line)
        entity_id = f"switch.s{number}"
        runtime.states.set(entity_id, "off")
        await runtime.services.call("switch", "turn_on", target={"entity_id": entity_id})
        store.set_value("counter", "last", number)
        store.add_trace("automation.worker", {"run_id": str(number)}, keep=5)
        print(f"ack {number}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
